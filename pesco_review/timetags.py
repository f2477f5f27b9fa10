"""`{% time value %}`: a moment as a page shows it, in a <time> element whose datetime a machine
reads (to the second, with its offset: HTML allows at most milliseconds, and Django's "c"
format writes microseconds) and whose text a person reads ("3 Dec 2026 17:14", in the local
time zone). A builtin of the templates (settings.TEMPLATES)."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def time(value: datetime | None, shown: str = "j M Y H:i") -> str:
    if not isinstance(value, datetime):
        return ""  # nothing recorded (None, or a variable the template does not have)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    machine = local.replace(microsecond=0).isoformat()
    return format_html('<time datetime="{}">{}</time>', machine, date_format(local, shown))

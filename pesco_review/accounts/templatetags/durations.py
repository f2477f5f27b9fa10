"""`{{ delta|in_words }}`: a timedelta as people say it ("15 minutes", "1 hour and 30 minutes")."""

from datetime import timedelta

from django import template

register = template.Library()

UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


@register.filter
def in_words(delta: timedelta) -> str:
    remaining = int(delta.total_seconds())
    parts = []
    for unit, seconds in UNITS:
        count, remaining = divmod(remaining, seconds)
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    if not parts:
        return "0 seconds"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"

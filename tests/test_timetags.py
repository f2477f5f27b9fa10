"""{% time %}: a <time> whose datetime the Nu Html Checker accepts (no microseconds) and whose
text is the local time, written out."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template


def render(value) -> str:
    return Template("{% time value %}").render(Context({"value": value}))


def test_time_to_the_second_with_its_offset_shown_in_the_local_time_zone(settings):
    settings.TIME_ZONE = "Europe/Brussels"
    moment = datetime(2026, 12, 3, 17, 14, 47, 925109, tzinfo=UTC)

    assert render(moment) == ('<time datetime="2026-12-03T18:14:47+01:00">3 Dec 2026 18:14</time>')


@pytest.mark.parametrize("value", [None, ""])
def test_time_of_nothing_is_nothing(value):
    assert render(value) == ""

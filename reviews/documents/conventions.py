"""How the consolidated review writes what it prints, as EU documents do (the Interinstitutional
Style Guide): country codes (EL, UK), Member States in protocol order, dates as "2 December
2026", a project's title without its acronym repeated."""

from datetime import date, datetime

from django.utils import timezone

# Member States in protocol order (the order of their names in their own languages), by the
# codes EU documents use.
PROTOCOL_ORDER = (
    "BE", "BG", "CZ", "DK", "DE", "EE", "IE", "EL", "ES", "FR", "HR", "IT", "CY", "LV",
    "LT", "LU", "HU", "MT", "NL", "AT", "PL", "PT", "RO", "SI", "SK", "FI", "SE",
)  # fmt: skip
# Where the register holds the ISO code only: the code EU documents use instead.
EU_CODES = {"GR": "EL", "GB": "UK"}
UNCONFIRMED = "unconfirmed"
DEMO = "demo"


def eu_code(state) -> str:
    """The code EU documents use: EL for Greece, UK for the United Kingdom."""
    return state.eu_code or EU_CODES.get(state.code, state.code)


def protocol_key(state) -> tuple[int, str]:
    """Member States in protocol order; any other state after them, by name."""
    code = eu_code(state)
    if code in PROTOCOL_ORDER:
        return PROTOCOL_ORDER.index(code), ""
    return len(PROTOCOL_ORDER), state.name


def long_date(value: date | datetime | None) -> str:
    """2 December 2026 (no leading zero); "" for no date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%B %Y}"


def long_datetime(value: datetime) -> str:
    local = timezone.localtime(value)
    return f"{long_date(local)}, {local:%H:%M}"


def project_title(name: str, acronym: str) -> str:
    """The name with its acronym, as in "European Medical Command (EMC)"; a name that is its
    acronym, or already ends with it, once."""
    if not acronym or name.casefold() == acronym.casefold() or name.endswith(f"({acronym})"):
        return name
    return f"{name} ({acronym})"


def marked(text: str, mark: str, when: bool) -> str:
    """The text with "(mark)" after it where `when` holds."""
    return f"{text} ({mark})" if when and text else text

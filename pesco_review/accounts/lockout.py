"""Login throttling with a limit of its own for each lock-out parameter.

django-axes counts the failures of every combination in AXES_LOCKOUT_PARAMETERS and compares the
highest with one AXES_FAILURE_LIMIT; its maintainers point to a handler for different limits. This
one locks the pair (user name, address) after AXES_FAILURE_LIMIT failures, the user name alone
after LOGIN_USERNAME_FAILURE_LIMIT and the address alone after LOGIN_ADDRESS_FAILURE_LIMIT.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def parameter_limit(parameter: str | list[str]) -> int:
    """The failures after which one AXES_LOCKOUT_PARAMETERS entry locks."""
    key = (parameter,) if isinstance(parameter, str) else tuple(sorted(parameter))
    limits = {
        ("username",): settings.LOGIN_USERNAME_FAILURE_LIMIT,
        ("ip_address",): settings.LOGIN_ADDRESS_FAILURE_LIMIT,
    }
    return limits.get(key, settings.AXES_FAILURE_LIMIT)


class PerParameterLimitHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures as measured against AXES_FAILURE_LIMIT, which axes compares them with:
        AXES_FAILURE_LIMIT as soon as one entry reached its own limit, else the highest count
        capped just below it."""
        limit = settings.AXES_FAILURE_LIMIT
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, attempts_list, strict=True):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            reached = failures >= parameter_limit(parameter)
            worst = max(worst, limit if reached else min(failures, limit - 1))
        return worst

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a successful sign-in, forget this user name's failures from this address only:
        the address's failures for other names, and the name's from elsewhere, still count (else
        an attacker holding one account would clear an address's count by signing in)."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count

"""Receivers of authentication, lock-out, second-factor and history signals, connected in
AccountsConfig.ready(): the session's clocks, whether the person holds a second factor (read at
sign-in and when it changes, kept in the session: the check on every request costs no query),
and the security events of sign-in, second factors and changes to a person's organisation,
flags and project roles."""

from allauth.account.signals import user_logged_in as allauth_user_logged_in
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authentication_failed, authenticator_added, authenticator_removed
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from simple_history.signals import post_create_historical_record

from pesco_review.accounts.adapters import OIDC_MFA_SESSION_KEY, claims_prove_second_factor
from pesco_review.accounts.middleware import ENROLLED_SESSION_KEY
from pesco_review.accounts.models import User
from pesco_review.middleware import stamp_sign_in
from pesco_review.security import security_event

# A person's organisation and flags: what decides what they may see and do.
ACCOUNT_FIELDS = tuple(User.POWER_FIELDS)
ROLE_EVENTS = {"+": "project_role_added", "~": "project_role_changed", "-": "project_role_removed"}


def signed_in(sender, request, user, **kwargs) -> None:
    security_event("login_succeeded", request, username=user.get_username())


SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def remember_enrolment(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_SESSION_KEY] = Authenticator.objects.filter(
            user=user, type__in=SECOND_FACTORS
        ).exists()


def forget_provider_proof(sender, request, user, **kwargs) -> None:
    """Every sign-in starts without the provider's word; only a single sign-on gives it
    (below), so a session that saw one never lends it to a later password sign-in."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(OIDC_MFA_SESSION_KEY, None)


def second_factor_from_identity_provider(sender, request, user, **kwargs) -> None:
    """allauth sends this after Django's own signal, with the single sign-on if there was one."""
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None:
        request.session[OIDC_MFA_SESSION_KEY] = claims_prove_second_factor(
            sociallogin.account.extra_data or {}
        )


def factor_added(sender, request, user, authenticator, **kwargs) -> None:
    remember_enrolment(sender, request, user)
    security_event("mfa_enrolled", request, username=user.get_username(), kind=authenticator.type)


def factor_removed(sender, request, user, authenticator, **kwargs) -> None:
    remember_enrolment(sender, request, user)
    security_event("mfa_removed", request, username=user.get_username(), kind=authenticator.type)


def factor_failed(sender, request, user, authenticator=None, **kwargs) -> None:
    kind = authenticator.type if authenticator is not None else None
    security_event("mfa_failed", request, username=user.get_username(), kind=kind)


def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    security_event(
        "login_failed",
        request,
        # allauth passes the name typed as `username` (or `email`); Django's form `username`.
        username=credentials.get("username") or credentials.get("email"),
        locked_out=bool(getattr(request, "axes_locked_out", False)),
    )


def locked_out(sender, request, username, ip_address, **kwargs) -> None:
    security_event("locked_out", request, username=username)


def _name(user) -> str | None:
    return user.get_username() if user is not None else None


def _account_value(record, field: str, history):
    if record is None:  # a new account: what it was created with counts as the change
        return history._meta.get_field(field).get_default()
    if field == "member_state":
        return str(record.member_state) if record.member_state_id else None
    return getattr(record, field)


def _account_changed(history, prev) -> None:
    changes = {}
    for field in ACCOUNT_FIELDS:
        old, new = _account_value(prev, field, history), _account_value(history, field, history)
        if old != new:
            changes[field] = [old, new]
    if changes:
        security_event(
            "account_changed",
            actor=_name(history.history_user),
            subject=history.username,
            changes=changes,
        )


def _role_changed(history, prev) -> None:
    removed = history.history_type == "-"
    security_event(
        ROLE_EVENTS[history.history_type],
        actor=_name(history.history_user),
        subject=history.user.get_username(),
        project=history.project.acronym,
        role=[prev.role if prev else None, None if removed else history.role],
    )


def history_recorded(sender, instance, history_instance, **kwargs) -> None:
    """A person's organisation, flags or project role changed: who changed whom, old → new."""
    label = instance._meta.label
    if label not in {"accounts.User", "projects.ProjectRole"}:
        return
    prev = history_instance.prev_record if history_instance.history_type != "+" else None
    if label == "accounts.User":
        _account_changed(history_instance, prev)
    else:
        _role_changed(history_instance, prev)


def connect() -> None:
    uid = "pesco_review.accounts."
    user_logged_in.connect(stamp_sign_in, dispatch_uid=f"{uid}stamp_sign_in")
    user_logged_in.connect(signed_in, dispatch_uid=f"{uid}signed_in")
    user_logged_in.connect(remember_enrolment, dispatch_uid=f"{uid}remember_enrolment")
    user_logged_in.connect(forget_provider_proof, dispatch_uid=f"{uid}forget_provider_proof")
    allauth_user_logged_in.connect(
        second_factor_from_identity_provider, dispatch_uid=f"{uid}provider_proof"
    )
    authenticator_added.connect(factor_added, dispatch_uid=f"{uid}factor_added")
    authenticator_removed.connect(factor_removed, dispatch_uid=f"{uid}factor_removed")
    authentication_failed.connect(factor_failed, dispatch_uid=f"{uid}factor_failed")
    user_login_failed.connect(sign_in_failed, dispatch_uid=f"{uid}sign_in_failed")
    user_locked_out.connect(locked_out, dispatch_uid=f"{uid}locked_out")
    post_create_historical_record.connect(history_recorded, dispatch_uid=f"{uid}history")

"""Receivers of authentication signals, connected in AccountsConfig.ready()."""

from django.contrib.auth.signals import user_logged_in

from pesco_review.middleware import stamp_sign_in


def connect() -> None:
    user_logged_in.connect(stamp_sign_in, dispatch_uid="pesco_review.session_stamp_sign_in")

"""A real OpenID Connect provider for the tests: a small Django project of its own
(django-oauth-toolkit with OIDC on), started as a separate process on the loopback address by
tests/accounts/test_oidc.py. Nothing in the application imports it."""

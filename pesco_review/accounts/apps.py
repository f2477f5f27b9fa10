from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pesco_review.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from pesco_review.accounts import signals  # noqa: F401, PLC0415 - connects receivers

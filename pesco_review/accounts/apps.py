from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pesco_review.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from pesco_review.accounts import signals  # noqa: PLC0415 - once the apps are loaded

        signals.connect()

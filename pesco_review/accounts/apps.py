from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pesco_review.accounts"
    label = "accounts"
    verbose_name = "Accounts"

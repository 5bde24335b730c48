from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "helpdesk.accounts"
    verbose_name = "Accounts"

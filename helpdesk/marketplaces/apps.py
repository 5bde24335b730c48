from django.apps import AppConfig


class MarketplacesConfig(AppConfig):
    name = "helpdesk.marketplaces"
    verbose_name = "Marketplaces"

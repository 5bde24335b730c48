from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "helpdesk.reports"
    verbose_name = "Manager reports"

from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "helpdesk.performance"
    verbose_name = "Amazon's performance figures"

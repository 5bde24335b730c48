from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "helpdesk.sla"
    verbose_name = "Reply clocks"

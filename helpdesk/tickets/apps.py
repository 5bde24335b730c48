from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "helpdesk.tickets"
    verbose_name = "Tickets"

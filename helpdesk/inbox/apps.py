from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "helpdesk.inbox"
    verbose_name = "Inbox"

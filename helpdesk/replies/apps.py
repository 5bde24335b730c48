from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "helpdesk.replies"
    verbose_name = "Replies"

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "helpdesk.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The events are announced by the apps below (signals); this app listens.
        from . import receivers

        receivers.connect()

from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "helpdesk.sla"
    verbose_name = "Reply clocks"

    def ready(self) -> None:
        # Messages move between tickets on the ticket side (threads merged, replayed, split);
        # the clocks agents ended move with them here, as this app listens (signals).
        from . import receivers

        receivers.connect()

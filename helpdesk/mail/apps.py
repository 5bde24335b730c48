from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class MailConfig(AppConfig):
    name = "helpdesk.mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        from helpdesk.marketplaces.models import Channel

        from .models import BodyMarker, ExtractionPattern, RecognitionRule
        from .recognise import ruleset_forget

        # An edited rule takes effect at once in this process (others within a minute).
        for model in (RecognitionRule, BodyMarker, ExtractionPattern, Channel):
            post_save.connect(ruleset_forget, sender=model, dispatch_uid=f"forget-{model.__name__}")
            post_delete.connect(
                ruleset_forget, sender=model, dispatch_uid=f"forget-del-{model.__name__}"
            )

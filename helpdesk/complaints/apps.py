from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ComplaintsConfig(AppConfig):
    name = "helpdesk.complaints"
    verbose_name = "Complaint categories"

    def ready(self) -> None:
        from .models import ComplaintCategory, ComplaintRule
        from .services import matcher_forget

        # An edited rule applies at once in the process that saved it.
        for model in (ComplaintCategory, ComplaintRule):
            post_save.connect(matcher_forget, sender=model, dispatch_uid=f"forget-{model.__name__}")
            post_delete.connect(
                matcher_forget, sender=model, dispatch_uid=f"forget-del-{model.__name__}"
            )

from django.contrib import admin, messages

from .models import (
    BodyMarker,
    ExtractionPattern,
    Mailbox,
    MailboxFolderState,
    RawMail,
    RawMailStatus,
    RecognitionRule,
)
from .services import Outcome, raw_mail_process


@admin.register(RawMail)
class RawMailAdmin(admin.ModelAdmin):
    list_display = ["id", "received_at", "status", "source", "size", "quarantine_reason"]
    list_filter = ["status", "received_at"]
    search_fields = ["dedup_key", "sha256", "source", "quarantine_reason"]
    readonly_fields = [f.name for f in RawMail._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Process the selected quarantined mail again")
    def retry(self, request, queryset) -> None:
        results = [
            raw_mail_process(raw_mail_id=pk)
            for pk in queryset.filter(status=RawMailStatus.QUARANTINED).values_list("pk", flat=True)
        ]
        stored = sum(r.outcome == Outcome.STORED for r in results)
        self.message_user(
            request, f"{stored} of {len(results)} stored; the rest stay quarantined.",
            messages.SUCCESS if stored == len(results) else messages.WARNING,
        )


@admin.register(RecognitionRule)
class RecognitionRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "platform", "language", "field", "pattern", "message_kind",
                    "priority", "active"]
    list_filter = ["platform", "language", "field", "message_kind", "active"]
    list_editable = ["priority", "active"]
    search_fields = ["name", "pattern"]


@admin.register(BodyMarker)
class BodyMarkerAdmin(admin.ModelAdmin):
    list_display = ["platform", "language", "begin", "end", "active"]
    list_filter = ["platform", "language", "active"]


@admin.register(ExtractionPattern)
class ExtractionPatternAdmin(admin.ModelAdmin):
    list_display = ["what", "platform", "field", "pattern", "priority", "active"]
    list_filter = ["what", "platform", "field", "active"]


class FolderStateInline(admin.TabularInline):
    model = MailboxFolderState
    extra = 0
    readonly_fields = ["folder", "uid_validity", "last_uid"]


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["name", "host", "port", "username", "folders", "active", "last_polled_at",
                    "last_error"]
    list_filter = ["active"]
    inlines = [FolderStateInline]

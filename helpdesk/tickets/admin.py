from django.contrib import admin
from django.http import HttpRequest

from .models import Attachment, Message, Ticket, TimelineEvent


class ShownOnly(admin.ModelAdmin):
    """Tickets, their messages and timeline are shown here, not edited: a ticket's channel,
    kind, status, buyer and order follow from its mail (a replay writes them again), its
    clocks and timeline from what was done in the inbox. Typed here, a channel or status
    was saved without the clocks, the timeline or the webhooks following it."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["sent_at", "direction", "kind", "is_auto", "from_address", "subject"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False


class TimelineInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0
    fields = ["at", "actor", "kind", "text"]
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(ShownOnly):
    list_display = ["id", "subject", "kind", "status", "channel", "buyer", "order", "assignee",
                    "last_message_at"]
    list_filter = ["kind", "status", "channel", "language", "assignee"]
    search_fields = ["subject", "order__order_id", "buyer__name", "buyer__alias"]
    list_select_related = ["channel", "buyer", "order", "assignee"]
    raw_id_fields = ["buyer", "order"]
    date_hierarchy = "last_message_at"
    inlines = [MessageInline, TimelineInline]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ["filename", "content_type", "size", "sha256"]


@admin.register(Message)
class MessageAdmin(ShownOnly):
    list_display = ["id", "sent_at", "direction", "kind", "is_auto", "from_address", "subject"]
    list_filter = ["direction", "kind", "is_auto", "ticket__channel"]
    search_fields = ["subject", "message_id", "from_address", "buyer_text"]
    raw_id_fields = ["ticket", "raw"]
    date_hierarchy = "sent_at"
    inlines = [AttachmentInline]


@admin.register(TimelineEvent)
class TimelineEventAdmin(ShownOnly):
    list_display = ["at", "ticket", "actor", "kind", "text"]
    list_filter = ["kind"]
    search_fields = ["text"]
    raw_id_fields = ["ticket"]

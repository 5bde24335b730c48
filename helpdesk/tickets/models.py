from django.conf import settings
from django.db import models

from helpdesk.marketplaces.models import Buyer, Channel, Order


class TicketKind(models.TextChoices):
    BUYER_MESSAGE = "buyer_message", "Buyer message"
    RETURN_REQUEST = "return_request", "Return request"
    CLAIM = "claim", "A-to-z claim"
    CHARGEBACK = "chargeback", "Chargeback"
    CANCELLATION = "cancellation", "Cancellation request"
    FEEDBACK = "feedback", "Negative feedback"
    OTHER = "other", "Other"


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    WAITING = "waiting", "Waiting for buyer"
    RESOLVED = "resolved", "Resolved"


class MessageKind(models.TextChoices):
    """What a single mail is, as recognised on the way in (or composed on the way out)."""

    BUYER_MESSAGE = "buyer_message", "Buyer message"
    RETURN_REQUEST = "return_request", "Return request"
    CLAIM = "claim", "A-to-z claim"
    CHARGEBACK = "chargeback", "Chargeback"
    CANCELLATION = "cancellation", "Cancellation request"
    FEEDBACK = "feedback", "Negative feedback"
    OPT_OUT = "opt_out", "Buyer opted out"
    REPLY_CONFIRMATION = "reply_confirmation", "Reply sent in Seller Central"
    SELLER_REPLY = "seller_reply", "Seller reply"
    AUTO_REPLY = "auto_reply", "Auto-reply"
    NOTICE = "notice", "Marketplace notice"
    OTHER = "other", "Other"


class Direction(models.TextChoices):
    IN = "in", "Inbound"
    OUT = "out", "Outbound"


class Ticket(models.Model):
    kind = models.CharField(max_length=20, choices=TicketKind.choices, db_index=True)
    status = models.CharField(
        max_length=10, choices=TicketStatus.choices, default=TicketStatus.OPEN, db_index=True
    )
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="tickets")
    buyer = models.ForeignKey(
        Buyer, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    subject = models.CharField(max_length=500, blank=True)
    # Subject without Re:/AW:/Fwd: prefixes, lower-cased: the last threading fallback.
    thread_subject = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_message_at"]
        indexes = [
            models.Index(fields=["order", "buyer"], name="ticket_order_buyer"),
            models.Index(fields=["buyer", "thread_subject"], name="ticket_buyer_subject"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    # One stored mail makes at most one message: the constraint that makes retried jobs safe.
    raw = models.OneToOneField(
        "mail.RawMail", null=True, blank=True, on_delete=models.PROTECT, related_name="message"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    is_auto = models.BooleanField(default=False, help_text="Sent by an auto-responder.")
    sent_at = models.DateTimeField(db_index=True)
    received_at = models.DateTimeField()
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    to_address = models.CharField(max_length=1000, blank=True)
    language = models.CharField(max_length=10, blank=True)
    buyer_text = models.TextField(blank=True, help_text="The buyer's own words.")
    quoted_text = models.TextField(blank=True, help_text="Quoted history and footers.")
    body_html = models.TextField(blank=True, help_text="Sanitised HTML body.")

    class Meta:
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.sent_at:%Y-%m-%d %H:%M} {self.subject}"


class MessageReference(models.Model):
    """One Message-ID a message names in In-Reply-To or References, for threading lookups."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="references")
    referenced_id = models.CharField(max_length=998, db_index=True)


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text="Key of the bytes in the raw store.")

    def __str__(self) -> str:
        return self.filename


class TimelineEvent(models.Model):
    """A factual line in a ticket's history: who did what, when."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=1000)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text}"

from django.conf import settings
from django.db import models

from helpdesk.letters import name_taken
from helpdesk.marketplaces.models import NO_PLACE_ZONES, Buyer, Channel, Order


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
    asin = models.CharField(
        max_length=20, blank=True, db_index=True,
        help_text="The product the ticket is about, also when no order is named (pre-sale).",
    )
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    # The subject and every message's own words (the buyer's and the seller's), kept as mail
    # arrives so that a search reads one row per ticket (on PostgreSQL through a full-text
    # index, inbox migration 0003).
    search_text = models.TextField(blank=True, editable=False, default="", db_default="")

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
    # What the mail itself said about the thread it belongs to: with the Message-IDs these
    # are the evidence threading is worked out from again when later mail links threads.
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    buyer = models.ForeignKey(
        Buyer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asin = models.CharField(
        max_length=20, blank=True, default="",
        help_text="The product the mail named: a replay gives the ticket its earliest one.",
    )
    thread_pinned = models.BooleanField(
        default=False, help_text="Placed in its ticket by an agent: later mail never moves it."
    )
    untrusted_reason = models.CharField(
        max_length=500, blank=True,
        help_text="Why this mail, which claims to answer the buyer, ends no clock (it did not "
        "come from a source the seller's own mail comes from). Blank: it counts.",
    )

    class Meta:
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.sent_at:%Y-%m-%d %H:%M} {self.subject}"


class MessageReference(models.Model):
    """One Message-ID a message names in In-Reply-To or References, for threading lookups."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="references")
    referenced_id = models.CharField(max_length=998, db_index=True)

    def __str__(self) -> str:
        return self.referenced_id


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


# --- The agents' side: queues, profiles, read markers, escalations, presence -------------


def _default_time_zone() -> str:
    # Read when a profile is made, not at import, so the setting can change per environment.
    return settings.TIME_ZONE


def _validate_time_zone(value: str) -> None:
    from zoneinfo import available_timezones

    from django.core.exceptions import ValidationError

    if value not in available_timezones():
        raise ValidationError(f"Unknown time zone {value!r}; use a name like Europe/Berlin.")
    if value in NO_PLACE_ZONES:
        raise ValidationError(f"{value!r} is no place's time zone; use a name like "
                              "Europe/Berlin.")


class Queue(models.Model):
    """A team's share of the tickets: those of its channels, narrowed to some kinds if set.
    An agent sees and acts on the tickets of the queues they are a member of; managers and
    admins see every ticket."""

    name = models.CharField(max_length=100, unique=True)
    channels = models.ManyToManyField(Channel, related_name="queues", blank=True)
    kinds = models.JSONField(
        default=list, blank=True,
        help_text="Ticket kinds this queue takes, e.g. [\"claim\", \"chargeback\"]; empty: "
        "every kind.",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="queues", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not isinstance(self.kinds, list):
            raise ValidationError({"kinds": "Give a list of ticket kinds, or an empty list."})
        unknown = sorted(set(self.kinds) - set(TicketKind.values))
        if unknown:
            raise ValidationError({"kinds": f"Unknown kinds: {', '.join(unknown)}."})
        # Agents filter by queue name: two that differ only in capitals, spaces or accents
        # look like one queue twice.
        others = Queue.objects.exclude(pk=self.pk).values_list("name", flat=True)
        if taken := name_taken(self.name, others):
            raise ValidationError({"name": f"The queue {taken!r} already has this name "
                                           "(capitals, spaces and accents aside)."})


class AgentProfile(models.Model):
    """What the web app needs to know about an agent beyond the user row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    time_zone = models.CharField(
        max_length=64, default=_default_time_zone, validators=[_validate_time_zone],
        help_text="Times are shown in this zone, e.g. Europe/Berlin.",
    )

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class TicketRead(models.Model):
    """When an agent last looked at a ticket: newer activity makes it unread for them."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "ticket"], name="ticket_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} read #{self.ticket_id} at {self.read_at:%Y-%m-%d %H:%M}"


class Escalation(models.Model):
    """A case opened with marketplace seller support; a follow-up is due if nothing is
    heard by ``follow_up_due_at``."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    case_id = models.CharField(max_length=100)
    note = models.TextField(blank=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    follow_up_due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [
            # "Follow-up due" reads only the open cases.
            models.Index(
                fields=["follow_up_due_at"], condition=models.Q(closed_at=None),
                name="escalation_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Case {self.case_id} on #{self.ticket_id}"


class TicketPresence(models.Model):
    """Who has a ticket open right now, refreshed by the page every few seconds; rows older
    than a minute mean nothing and are overwritten."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="presence")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    composing = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="presence_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} on #{self.ticket_id}"

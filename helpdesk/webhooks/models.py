"""Outgoing webhooks: an endpoint (a URL and the events it wants), each event's delivery to
it, and every attempt of a delivery with its outcome."""

import secrets
from urllib.parse import urlsplit

from django.core.validators import URLValidator
from django.db import models

URL_MAX = 500


def _secret() -> str:
    return secrets.token_hex(32)


class Event(models.TextChoices):
    TICKET_OPENED = "ticket.opened", "Ticket opened"
    MESSAGE_RECEIVED = "message.received", "Message received from a buyer or marketplace"
    CLOCK_AT_RISK = "clock.at_risk", "Clock at risk"
    CLOCK_BREACHED = "clock.breached", "Clock breached"
    REPLY_SENT = "reply.sent", "Reply sent"
    REPLY_FAILED = "reply.failed", "Reply failed (or its delivery is unknown)"
    TICKET_RESOLVED = "ticket.resolved", "Ticket resolved"


class WebhookEndpoint(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(
        max_length=URL_MAX, validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where the events are POSTed (http or https).",
    )
    events = models.JSONField(default=list, help_text="The events this endpoint gets.")
    secret = models.CharField(
        max_length=64, default=_secret,
        help_text="Signs every delivery (X-Helpdesk-Signature); give it to the receiver.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Failed attempts in a row (any delivery) and since when: what switches it off.
    failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        try:
            port = urlsplit(self.url).port
        except ValueError:  # past 65535
            port = 0
        if port == 0:
            raise ValidationError({"url": "The port must be from 1 to 65535."})
        if not isinstance(self.events, list) or not self.events:
            raise ValidationError({"events": "Choose at least one event."})
        if unknown := sorted(set(self.events) - set(Event.values)):
            raise ValidationError({"events": f"Unknown events: {', '.join(unknown)}."})


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed, tried again later"
    ABANDONED = "abandoned", "Failed, no attempt left"


class Delivery(models.Model):
    """One event for one endpoint: the exact body sent, the same on every attempt."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.CharField(max_length=40, choices=Event.choices)
    event_id = models.CharField(max_length=40, help_text="The payload's id: the same on retries.")
    body = models.TextField()
    state = models.CharField(max_length=10, choices=DeliveryState.choices,
                             default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
            # The finished ones, oldest first: what the periodic run deletes after 30 days.
            models.Index(fields=["state", "created_at"], name="webhook_delivery_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    ok = models.BooleanField()
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"

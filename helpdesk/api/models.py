"""API tokens (stored as a hash; the secret is shown once) and the idempotency keys of
replies sent through the API."""

from django.conf import settings
from django.db import models


class Scope(models.TextChoices):
    READ = "read", "Read: tickets, messages, clocks, buyers, orders, reports"
    ACT = "act", "Act: agent actions and replies"
    ADMIN = "admin", "Admin: order import"


class ApiToken(models.Model):
    """A user's key to the API. Acts as that user: their queues, their role, and every change
    on the timeline under their name. Only ``key_hash`` (SHA-256 of the whole secret) is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What it is for, e.g. “ERP sync”.")
    # The secret's public first part: names the token in lists and finds its row.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list, help_text="read, act, admin.")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ReplyRequest(models.Model):
    """A reply asked for through the API under an ``Idempotency-Key``: the same key again
    answers with the reply queued the first time, never a second one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # SHA-256 of the ticket and the request's body: the same key with other content is refused.
    fingerprint = models.CharField(max_length=64)
    outbox = models.ForeignKey("replies.Outbox", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="reply_request_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.key} → outbox {self.outbox_id}"

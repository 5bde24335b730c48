"""Reply templates, compliance rules and the outbox."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from helpdesk.letters import name_taken
from helpdesk.marketplaces.models import LANGUAGE_CHOICES, Channel, Platform
from helpdesk.tickets.models import Message, Ticket


class ReplyTemplate(models.Model):
    """A reply an agent starts from, with one variant per language."""

    name = models.CharField(max_length=200, unique=True)
    kinds = models.JSONField(
        default=list, blank=True, help_text="The ticket kinds it fits; empty: every kind."
    )
    default_language = models.CharField(
        max_length=10, default="en",
        help_text="The variant used when neither the buyer's nor the marketplace's language "
        "has one.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def fits(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds

    def clean(self) -> None:
        self.default_language = self.default_language.strip().lower()
        if problem := language_problem(self.default_language):
            raise ValidationError({"default_language": problem})
        # Agents pick templates by name: two that differ only in capitals, spaces or accents
        # look like one template twice in the picker.
        others = ReplyTemplate.objects.exclude(pk=self.pk).values_list("name", flat=True)
        if taken := name_taken(self.name, others):
            raise ValidationError({"name": f"The template {taken!r} already has this name "
                                           "(capitals, spaces and accents aside)."})


class ReplyTemplateVariant(models.Model):
    """Subject and body of a template in one language, in Jinja2 (rendered in a sandbox)."""

    template = models.ForeignKey(ReplyTemplate, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(max_length=10, help_text="ISO 639-1 code, e.g. de.")
    subject = models.CharField(max_length=500)
    body = models.TextField()

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="variant_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.language})"

    def clean(self) -> None:
        # Not a cycle (rendering imports no model): Jinja2 and Babel, 80 ms to import, are
        # loaded where templates are checked or rendered, not by every process that loads
        # the models (the ingest, the workers).
        from .rendering import template_problems

        self.language = self.language.strip().lower()
        errors = {
            field: problems
            for field in ("subject", "body")
            if (problems := template_problems(getattr(self, field)))
        }
        if problem := language_problem(self.language):
            errors["language"] = [problem]
        if errors:
            raise ValidationError(errors)


class AgentSignature(models.Model):
    """How an agent signs replies (``{{ agent.signature }}``); without one, the agent's name."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reply_signature"
    )
    text = models.TextField()

    def __str__(self) -> str:
        return f"Signature of {self.user}"


class Severity(models.TextChoices):
    BLOCK = "block", "Block: cannot be sent without a manager's override"
    WARN = "warn", "Warn: the agent is told, the reply may go"


class CheckKind(models.TextChoices):
    """The check functions in ``compliance.CHECKS``; a rule row picks one and configures it."""

    PATTERN = "pattern", "Text matches a pattern"
    EXTERNAL_LINK = "external_link", "Link to a site off the marketplace"
    EMAIL_ADDRESS = "email_address", "E-mail address"
    PHONE_NUMBER = "phone_number", "Phone number"
    ORDER_ID_MISSING = "order_id_missing", "Order ID missing in a seller-initiated message"
    PROACTIVE_WINDOW = "proactive_window", "Seller-initiated message too long after the order"
    ATTACHMENT_SIZE = "attachment_size", "Attachment too large"
    ATTACHMENT_TYPE = "attachment_type", "Attachment of a type not allowed"
    THREAD_LIMIT = "thread_limit", "Too many seller messages in one thread"
    EMOJI_OR_GIF = "emoji_or_gif", "Emoji or GIF in a seller-initiated message"
    IMPORTANT_TAG = "important_tag", "[Important] in the subject without a critical reason"


LANGUAGE_CODE = re.compile(r"[a-z]{2}")
# Two letters are not enough: "jp" for Japanese (it is "ja") or "dk" for Danish ("da") would
# be saved, and a Japanese buyer then gets the English variant, or a rule never runs.
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)
LANGUAGE_UNKNOWN = ("“{code}” is no ISO 639-1 language code (Japanese is ja, German de, "
                    "Danish da).")


def language_problem(code: str) -> str | None:
    """Why ``code`` (stripped, lower case) is not a language a ticket can be in, or None."""
    if not LANGUAGE_CODE.fullmatch(code):
        return "Give a two-letter language code such as de."
    return None if code in LANGUAGE_NAMES else LANGUAGE_UNKNOWN.format(code=code)


class ComplianceRule(models.Model):
    """One thing a reply may not say or do, as data: a check kind with its parameters."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=CheckKind.choices)
    platform = models.CharField(
        max_length=20, choices=Platform.choices, blank=True, help_text="Blank: every platform."
    )
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE,
        help_text="Only this marketplace; blank: every marketplace of the platform.",
    )
    language = models.CharField(
        max_length=10, blank=True,
        help_text="ISO 639-1 code of the language the patterns are written in; the rule "
        "checks replies in that language (the reply's own, or one its text is written in). "
        "Blank: every reply.",
    )
    severity = models.CharField(max_length=5, choices=Severity.choices, default=Severity.BLOCK)
    message = models.CharField(max_length=500, help_text="What the agent is told, and why.")
    params = models.JSONField(
        default=dict, blank=True,
        help_text='Settings of the check, e.g. {"patterns": ["…"]} or {"max_seller_messages": 5}. '
        "Patterns read the reply folded: lower case, no accents (ß as ss), look-alike letters, "
        "spaced letters and spelled-out links undone; write stems (bewert\\w*).",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The parameters are checked against the kind's check by the admin's form
        # (``ComplianceRuleForm``): the checks are ``compliance``'s, which reads this model.
        self.language = self.language.strip().lower()
        if self.language and (problem := language_problem(self.language)):
            raise ValidationError({"language": f"{problem} Leave it blank for a rule that "
                                               "checks every reply."})


class OutboxState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    # The connection broke while the server was taking the mail: it may have it. Never sent
    # again automatically; an agent confirms it or sends it again (see DECISIONS.md).
    UNCERTAIN = "uncertain", "Delivery unknown"
    # A failed reply the agent edited and sent again as a new one: kept for the record, never
    # sent.
    REPLACED = "replaced", "Replaced by an edited reply"


class Outbox(models.Model):
    """A reply on its way: saved with its Message-ID before anything is sent."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="outbox")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    template = models.ForeignKey(
        ReplyTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=10, blank=True)
    subject = models.CharField(max_length=500)
    body = models.TextField()
    message_id = models.CharField(max_length=255, unique=True)
    from_address = models.CharField(max_length=254)
    to_address = models.CharField(max_length=254)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True, help_text="Message-IDs, space-separated.")
    state = models.CharField(
        max_length=10, choices=OutboxState.choices, default=OutboxState.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The attempt that owns the row while it is 'sending'; every later write checks it.
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    data_started_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the last attempt began handing the mail over (SMTP DATA): a crash "
        "after this point leaves the delivery unknown.",
    )
    sent_at = models.DateTimeField(null=True, blank=True, help_text="The server accepted it.")
    sent_message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox_entry",
        help_text="The ticket's message this reply became once sent.",
    )
    findings = models.JSONField(default=list, blank=True, help_text="The compliance check.")
    override_reason = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "outbox entry"
        verbose_name_plural = "outbox"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.get_state_display()}: {self.subject}"

    @property
    def reference_ids(self) -> list[str]:
        return self.references.split()


class OutboxAttachment(models.Model):
    outbox = models.ForeignKey(Outbox, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text="Key of the bytes in the raw store.")

    def __str__(self) -> str:
        return self.filename

import re

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    validate_ipv46_address,
)
from django.db import models, transaction
from django.utils import timezone

from helpdesk.marketplaces.models import LANGUAGE_CHOICES, Platform
from helpdesk.patterns import (
    ANY_TEXT_PROBLEM,
    IGNORECASE,
    MULTILINE,
    PatternError,
    PatternValidator,
    pattern_compile,
    pattern_matches_any_text,
)
from helpdesk.tickets.models import MessageKind

# Every rule pattern is matched case-insensitively, line by line (helpdesk/mail/recognise.py).
RULE_FLAGS = IGNORECASE | MULTILINE


class RawMailStatus(models.TextChoices):
    RECEIVED = "received", "Received, not yet processed"
    STORED = "stored", "Stored as a ticket message"
    QUARANTINED = "quarantined", "Quarantined"


class RawMail(models.Model):
    """A mail exactly as it arrived. Its bytes live in the raw store under ``sha256``."""

    # "mid:<Message-ID>" or, for mail without one, "sha:<sha256>": a repeat is a duplicate.
    dedup_key = models.CharField(max_length=1000, unique=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    source = models.CharField(max_length=300, help_text="Where it came from: file, IMAP, HTTP.")
    received_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=RawMailStatus.choices, default=RawMailStatus.RECEIVED
    )
    quarantine_reason = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Runs that took this mail and did not finish it: a mail that keeps killing its run is
    # quarantined after MAX_ATTEMPTS instead of being taken again forever.
    attempts = models.PositiveSmallIntegerField(default=0)
    # Taken by a backlog run until then: another run leaves it alone (and counts no attempt);
    # after it, a run that died is presumed, and the mail is taken again.
    claimed_until = models.DateTimeField(null=True, blank=True)
    source_trusted = models.BooleanField(
        default=False,
        help_text="Came from where only the seller's own mail can be (files an operator "
        "ingests, a folder marked as the seller's Sent folder): mail from a seller address "
        "counts as the seller's reply.",
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"], name="rawmail_status")]
        verbose_name = "raw mail"

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.get_status_display()})"


class Field(models.TextChoices):
    FROM = "from", "Sender address"
    SUBJECT = "subject", "Subject"
    BODY = "body", "Body text"
    NOTIFICATION_TYPE = "notification_type", "X-Space-Notification-Type header"


class SellerPattern(models.Model):
    """A rule row whose patterns the seller types. A row that cannot be used when mail is
    read (saved around the admin's validation, or too slow on one mail) is skipped and
    leaves its reason here for the admin to see."""

    last_error = models.TextField(
        blank=True, editable=False,
        help_text="Why this row was last skipped while reading mail; cleared when saved.",
    )
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        # An edited row is a new row: its old trouble no longer applies.
        self.last_error, self.last_error_at = "", None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "last_error", "last_error_at"}
        super().save(*args, **kwargs)

    def choice_problem(self) -> str:
        """A value no form offers (a kind, platform or language written before they were
        choices, or around the form): the row would file mail as nothing the product
        knows."""
        for field in self._meta.fields:
            value = getattr(self, field.attname)
            if field.choices and value not in ("", None) and value not in dict(field.flatchoices):
                return f"Unknown {field.verbose_name} {value!r}: pick one from the list."
        return ""

    @classmethod
    def problem_note(cls, *, pk: int, reason: str) -> None:
        """Leave ``reason`` on the row. Never waits: a row another process is noting right
        now is left to it, so reading mail is not held up by a lock on a rule."""
        with transaction.atomic():
            locked = list(
                cls.objects.select_for_update(skip_locked=True).filter(pk=pk)
                .values_list("pk", flat=True)
            )
            if locked:
                cls.objects.filter(pk=pk).update(
                    last_error=reason[:2000], last_error_at=timezone.now()
                )


def _pattern_field(max_length: int, help_text: str, *, blank: bool = False) -> models.CharField:
    return models.CharField(
        max_length=max_length, blank=blank, help_text=help_text,
        validators=[PatternValidator(RULE_FLAGS)],
    )


class RecognitionRule(SellerPattern):
    """A pattern that tells what kind of mail this is. Rules are data: add one to teach a new
    marketplace template without a code change. The lowest priority number that matches wins."""

    name = models.CharField(max_length=200)
    platform = models.CharField(
        max_length=20, blank=True, choices=Platform.choices, help_text="Blank: any platform."
    )
    language = models.CharField(
        max_length=10, blank=True, choices=LANGUAGE_CHOICES,
        help_text="The language a matching subject is written in; blank: it tells none.",
    )
    field = models.CharField(max_length=20, choices=Field.choices)
    pattern = _pattern_field(500, "A case-insensitive regular expression.")
    message_kind = models.CharField(max_length=20, choices=MessageKind.choices)
    priority = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pattern and kind_pattern_too_broad(self.pattern):
            raise ValidationError({"pattern": ANY_TEXT_PROBLEM})


def kind_pattern_too_broad(source: str) -> bool:
    """Whether a recognition rule's pattern would make every mail its kind."""
    try:
        return pattern_matches_any_text(pattern_compile(source, RULE_FLAGS))
    except PatternError:  # the field's own validator says what is wrong
        return False


class BodyMarker(SellerPattern):
    """The lines a marketplace wraps around the buyer's own words, per language."""

    platform = models.CharField(
        max_length=20, default=Platform.AMAZON, blank=True, choices=Platform.choices,
        help_text="Blank: any platform.",
    )
    language = models.CharField(
        max_length=10, blank=True, choices=LANGUAGE_CHOICES,
        help_text="The language between these lines; blank: the subject tells it.",
    )
    begin = _pattern_field(200, "Regular expression for the begin line.")
    end = _pattern_field(200, "Regular expression for the end line (optional).", blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["platform", "language", "pk"]

    def __str__(self) -> str:
        return f"{self.platform}/{self.language}: {self.begin}"


_HOST_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_NAME = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?", re.IGNORECASE)


def mail_server_validate(value: str) -> None:
    """A host name or an IP address: "imap..example.com" (an empty label) stopped the whole
    fetch with a UnicodeError, and "imaps://…" or "…:993" never resolve."""
    try:
        validate_ipv46_address(value)
    except ValidationError:
        if len(value) > 253 or not _HOST_NAME.fullmatch(value):
            raise ValidationError(
                "Type the server's name alone, e.g. imap.example.com, or its IP address "
                "(no imaps://, :port or spaces; the port has its own field).", code="host",
            ) from None


class Mailbox(models.Model):
    """An IMAP mailbox to poll. The password is read from the environment variable named here."""

    name = models.CharField(max_length=100, unique=True)
    host = models.CharField(max_length=255, validators=[mail_server_validate])
    port = models.PositiveIntegerField(
        default=993, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    use_tls = models.BooleanField(default=True, help_text="IMAP over TLS (port 993).")
    username = models.CharField(max_length=255)
    password_env = models.CharField(
        max_length=100, help_text="Name of the environment variable holding the password.",
        # A password typed here would be stored, and printed in the mailbox's error.
        validators=[RegexValidator(
            r"\A[A-Za-z_][A-Za-z0-9_]*\Z",
            "Name the environment variable that holds the password, e.g. "
            "SHOP_IMAP_PASSWORD (letters, digits and _), never the password itself.",
        )],
    )
    folders = models.CharField(
        max_length=500, default="INBOX,Sent", help_text="Comma-separated, e.g. INBOX,Sent."
    )
    sent_folders = models.CharField(
        max_length=500, default="Sent", blank=True,
        help_text="Which of the folders hold the seller's own sent mail (comma-separated). "
        "Only mail from these counts as the seller's reply and stops clocks; mail in other "
        "folders that claims to be from the seller is shown but ends no clock.",
    )
    active = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.folder_names:
            raise ValidationError({"folders": "Name at least one folder, e.g. INBOX."})
        fetched = {folder.casefold() for folder in self.folder_names}
        for folder in self.sent_folders.split(","):
            if folder.strip() and folder.strip().casefold() not in fetched:
                raise ValidationError({"sent_folders": (
                    f"{folder.strip()} is not one of the folders fetched: add it to the "
                    "folders, or the seller's replies in it are never read and stop no clock."
                )})

    @property
    def folder_names(self) -> list[str]:
        return [f.strip() for f in self.folders.split(",") if f.strip()]

    def is_sent_folder(self, folder: str) -> bool:
        """Whether ``folder`` is marked as holding the seller's own sent mail."""
        marked = {f.strip().casefold() for f in self.sent_folders.split(",") if f.strip()}
        return folder.casefold() in marked


class MailboxFolderState(models.Model):
    """How far a folder has been fetched; UIDs are only valid with their UIDVALIDITY."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="folder_states")
    folder = models.CharField(max_length=255)
    uid_validity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "folder"], name="mailbox_folder_unique")
        ]

    def __str__(self) -> str:
        return f"{self.mailbox}/{self.folder} up to UID {self.last_uid}"


class Extract(models.TextChoices):
    ORDER_ID = "order_id", "Order id"
    ASIN = "asin", "ASIN"
    ITEM_TITLE = "item_title", "Item title"
    BUYER_NAME = "buyer_name", "Buyer name"


class ExtractionPattern(SellerPattern):
    """Where a marketplace's mail names the order, the product or the buyer. The pattern's
    group named ``value`` is what is taken; the lowest priority number that matches wins."""

    platform = models.CharField(
        max_length=20, blank=True, choices=Platform.choices, help_text="Blank: any platform."
    )
    what = models.CharField(max_length=20, choices=Extract.choices)
    field = models.CharField(
        max_length=20,
        choices=[("from_name", "Sender name"), ("subject", "Subject"), ("body", "Body text")],
    )
    pattern = _pattern_field(500, "Regular expression with (?P<value>…).")
    priority = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["what", "priority", "pk"]

    def __str__(self) -> str:
        return f"{self.get_what_display()} from {self.field}: {self.pattern}"

    def clean(self) -> None:
        # What is taken is the group named "value": without it the row could never give one.
        try:
            groups = pattern_compile(self.pattern, RULE_FLAGS).groupindex if self.pattern else {}
        except PatternError:
            return  # the field's own validator says why
        if self.pattern and "value" not in groups:
            raise ValidationError(
                {"pattern": "Name the part to take (?P<value>…), e.g. Order: (?P<value>\\S+)."}
            )

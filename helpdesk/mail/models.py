from django.db import models


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


class RecognitionRule(models.Model):
    """A pattern that tells what kind of mail this is. Rules are data: add one to teach a new
    marketplace template without a code change. The lowest priority number that matches wins."""

    name = models.CharField(max_length=200)
    platform = models.CharField(max_length=20, blank=True, help_text="Blank: any platform.")
    language = models.CharField(max_length=10, blank=True)
    field = models.CharField(max_length=20, choices=Field.choices)
    pattern = models.CharField(max_length=500, help_text="A case-insensitive regular expression.")
    message_kind = models.CharField(max_length=20)
    priority = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return self.name


class BodyMarker(models.Model):
    """The lines a marketplace wraps around the buyer's own words, per language."""

    platform = models.CharField(max_length=20, default="amazon")
    language = models.CharField(max_length=10)
    begin = models.CharField(max_length=200, help_text="Regular expression for the begin line.")
    end = models.CharField(
        max_length=200, blank=True, help_text="Regular expression for the end line (optional)."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["platform", "language", "pk"]

    def __str__(self) -> str:
        return f"{self.platform}/{self.language}: {self.begin}"


class Mailbox(models.Model):
    """An IMAP mailbox to poll. The password is read from the environment variable named here."""

    name = models.CharField(max_length=100, unique=True)
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    use_tls = models.BooleanField(default=True, help_text="IMAP over TLS (port 993).")
    username = models.CharField(max_length=255)
    password_env = models.CharField(
        max_length=100, help_text="Name of the environment variable holding the password."
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


class ExtractionPattern(models.Model):
    """Where a marketplace's mail names the order, the product or the buyer. The pattern's
    group named ``value`` is what is taken; the lowest priority number that matches wins."""

    platform = models.CharField(max_length=20, blank=True, help_text="Blank: any platform.")
    what = models.CharField(max_length=20, choices=Extract.choices)
    field = models.CharField(
        max_length=20,
        choices=[("from_name", "Sender name"), ("subject", "Subject"), ("body", "Body text")],
    )
    pattern = models.CharField(max_length=500, help_text="Regular expression with (?P<value>…).")
    priority = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["what", "priority", "pk"]

    def __str__(self) -> str:
        return f"{self.get_what_display()} from {self.field}: {self.pattern}"

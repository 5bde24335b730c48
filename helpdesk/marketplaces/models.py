import zoneinfo

from django.conf import global_settings
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator, MaxValueValidator, MinValueValidator
from django.db import models

from .hours import business_hours_parse

# The languages a marketplace, a buyer or a rule can be in: the two-letter ISO 639-1 codes
# Django knows (the product compares languages by these codes, e.g. "de", never "de-AT").
LANGUAGE_CHOICES = sorted(
    ((code, str(name)) for code, name in global_settings.LANGUAGES if len(code) == 2),
    key=lambda choice: choice[1],
)


# Names the tz database knows that are no place's time: "localtime" is the server's own zone
# (clocks and report days would move with a setting of the machine, and the web server's and
# the database's may differ), "Factory" no place at all. Channels and agents pick neither.
NO_PLACE_ZONES = frozenset({"localtime", "Factory"})


def time_zone_validate(value: str) -> None:
    """A zone the tz database knows: a typo would fail the clock of every ticket."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            f"{value!r} is not a time zone; pick one such as Europe/Berlin.", code="time_zone"
        ) from exc


# A limit is at least an hour and at most a year: 0 would make every message late as it
# arrives, and a deadline years ahead is a typo (10**8 hours is past the year 9999, where no
# date can be computed, and every mail of the channel would fail to be filed).
LIMIT_HOURS_MAX = 24 * 365
LIMIT_HOURS_VALIDATORS = [MinValueValidator(1), MaxValueValidator(LIMIT_HOURS_MAX)]


# A mail domain as it follows the @, e.g. amazon.de: "@amazon.de", "*.amazon.de", "amazon de"
# or "de" (which would take in every .de sender) never matched a mail, or matched too many.
mail_domain_validate = DomainNameValidator(
    message="Type the domain alone, as it follows the @ in an address, e.g. amazon.de "
    "(no @, * or spaces; a sub-domain is included by its parent)."
)


def mail_domain_normal(value: str) -> str:
    """The domain as addresses are compared: lower case, without a trailing root dot."""
    return value.strip().lower().rstrip(".")


class Platform(models.TextChoices):
    AMAZON = "amazon", "Amazon"
    KAUFLAND = "kaufland", "Kaufland"
    EBAY = "ebay", "eBay"
    OTHER = "other", "Other"


class Channel(models.Model):
    """A marketplace the seller sells on, with its reply policy."""

    code = models.SlugField(unique=True, help_text="Short code, e.g. amazon-de.")
    name = models.CharField(max_length=100)
    platform = models.CharField(max_length=20, choices=Platform.choices)
    domain = models.CharField(
        max_length=100,
        blank=True,
        validators=[mail_domain_validate],
        help_text="The marketplace's mail domain, e.g. amazon.de; relay aliases and system "
        "senders under it belong to this channel.",
    )
    relay_domain = models.CharField(
        max_length=100,
        blank=True,
        validators=[mail_domain_validate],
        help_text="Domain of the buyers' relay aliases, e.g. marketplace.amazon.de.",
    )
    language = models.CharField(
        max_length=10, choices=LANGUAGE_CHOICES, help_text="Default language, e.g. German."
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[time_zone_validate])
    reply_limit_hours = models.PositiveIntegerField(
        validators=LIMIT_HOURS_VALIDATORS,
        default=24, help_text="Hours a buyer message may wait for a reply."
    )
    return_limit_hours = models.PositiveIntegerField(
        validators=LIMIT_HOURS_VALIDATORS,
        default=48, help_text="Hours a return request may wait for a decision."
    )
    claim_limit_hours = models.PositiveIntegerField(
        validators=LIMIT_HOURS_VALIDATORS,
        default=72, help_text="Hours an A-to-z claim may wait for a response."
    )
    chargeback_limit_hours = models.PositiveIntegerField(
        validators=LIMIT_HOURS_VALIDATORS, null=True, blank=True,
        help_text="Hours a chargeback may wait for a response; empty: the A-to-z claim's "
        "limit. (Amazon's help pages give a chargeback 7 days: 168.)"
    )
    escalation_follow_up_hours = models.PositiveIntegerField(
        validators=LIMIT_HOURS_VALIDATORS, default=48,
        help_text="Hours after a case is opened with the marketplace's seller support until a "
        "follow-up is due if nothing is heard (elapsed hours, as the marketplace counts).",
    )
    at_risk_share = models.FloatField(
        default=1 / 6,
        help_text="A clock is at risk when less than this share of its limit is left "
        "(0.1667 = 4 h of 24 h).",
    )
    business_hours = models.JSONField(
        default=dict,
        blank=True,
        help_text='Empty: limits are elapsed calendar hours (Amazon). Otherwise working hours '
        'per weekday in the channel\'s time zone, e.g. {"0": ["09:00", "17:00"], …} with '
        "0 = Monday; only working time then counts towards a limit.",
    )
    is_default = models.BooleanField(
        default=False, help_text="Channel for mail that names no known marketplace."
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=~models.Q(domain=""), name="channel_unique_domain",
                violation_error_message="Another channel has this mail domain: its mail "
                "could go to one channel only.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.domain = mail_domain_normal(self.domain)
        self.relay_domain = mail_domain_normal(self.relay_domain)
        if self.business_hours:
            try:
                business_hours_parse(self.business_hours)
            except ValidationError as exc:
                raise ValidationError({"business_hours": exc.messages}) from exc
        if not 0 < self.at_risk_share < 1:
            raise ValidationError({"at_risk_share": "Give a share between 0 and 1, e.g. 0.1667."})

    def is_relay_alias(self, address: str) -> bool:
        relay = mail_domain_normal(self.relay_domain)
        return bool(relay) and address.rpartition("@")[2].lower() == relay


class Holiday(models.Model):
    """A day a business-calendar channel does not count towards its limits."""

    channel = models.ForeignKey(Channel, related_name="holidays", on_delete=models.CASCADE)
    day = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "day"], name="holiday_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}".strip()


# Titles and forms of address a name may begin with in the shipped languages, compared
# without dots and case ("Sig.ra" is "sigra").
NAME_TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "mister",  # en
    "herr", "frau", "hr", "fr", "fam", "familie",  # de
    "m", "mme", "mlle", "monsieur", "madame", "mademoiselle", "me", "pr",  # fr
    "sig", "sigra", "signa", "signor", "signore", "signora", "signorina", "dott", "dottssa",
    "ing", "avv",  # it
    "sr", "sra", "srta", "señor", "señora", "señorita", "don", "doña", "dña",  # es
})


class Buyer(models.Model):
    """A marketplace buyer, known by the relay alias the marketplace gives them."""

    alias = models.EmailField(unique=True, max_length=254)
    name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=10, blank=True, choices=LANGUAGE_CHOICES)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["alias"]

    def __str__(self) -> str:
        return f"{self.name} <{self.alias}>" if self.name else self.alias

    @property
    def first_name(self) -> str:
        """What a greeting calls the buyer: the first word of the name, or the whole name
        when that word is a title or an initial. Amazon gives the name as typed into the
        address ("Mr J Smith", "Frau Schmidt", "Mme Martin", "Sra. García"): "Hello Mr,"
        and "Hallo Frau," read as a mistake; "Hello Mr J Smith," as the buyer signs."""
        words = self.name.split()
        if not words:
            return ""
        key = words[0].replace(".", "").casefold()
        if key in NAME_TITLES or (len(key) <= 1 and key.isalpha() and ord(key) < 0x2E80):
            return " ".join(words)
        return words[0]


class Order(models.Model):
    """A marketplace order; Amazon's id is 3-7-7 digits."""

    order_id = models.CharField(max_length=40, unique=True)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL)
    buyer = models.ForeignKey(Buyer, null=True, blank=True, on_delete=models.SET_NULL)
    purchased_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=40, blank=True, help_text="As the order report says, e.g. Shipped, Cancelled."
    )
    fulfilment = models.CharField(
        max_length=20, blank=True, help_text="Amazon (FBA) or Merchant (FBM), from the report."
    )
    imported_at = models.DateTimeField(
        null=True, blank=True, help_text="Last updated from an order report."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["purchased_at"], name="order_purchased")]

    def __str__(self) -> str:
        return self.order_id


class OrderItem(models.Model):
    order = models.ForeignKey(Order, related_name="items", on_delete=models.CASCADE)
    asin = models.CharField(max_length=20, blank=True, db_index=True)
    sku = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=500, blank=True)
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "asin"], name="order_item_unique_asin")
        ]

    def __str__(self) -> str:
        return f"{self.asin} {self.title}".strip()

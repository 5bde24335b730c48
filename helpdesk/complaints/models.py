from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from helpdesk.letters import name_taken
from helpdesk.marketplaces.models import LANGUAGE_CHOICES
from helpdesk.tickets.models import Ticket

from .matching import keyword_problem


class ComplaintCategory(models.Model):
    """What a buyer complains about, counted per product (DOMAIN.md, "Complaint kinds")."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(
        default=100, help_text="Order in lists; on a tie between rules the lower one wins."
    )

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "complaint categories"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Agents pick a ticket's category by name, and the reports count by it: two that
        # differ only in capitals, spaces or accents would split one kind of complaint.
        others = ComplaintCategory.objects.exclude(pk=self.pk).values_list("name", flat=True)
        if taken := name_taken(self.name, others):
            raise ValidationError({"name": f"The category {taken!r} already has this name "
                                           "(capitals, spaces and accents aside)."})


class ComplaintRule(models.Model):
    """Keywords that put a ticket in a category, for one language (blank: any language)."""

    category = models.ForeignKey(ComplaintCategory, on_delete=models.CASCADE, related_name="rules")
    language = models.CharField(
        max_length=10, blank=True, choices=LANGUAGE_CHOICES,
        help_text="Blank: matched in every language.",
    )
    keywords = models.TextField(
        help_text="One word or phrase per line, matched as whole words in any case; a "
        "trailing * matches any ending (leak* finds leaks, leaking)."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category__position", "language", "pk"]

    def __str__(self) -> str:
        return f"{self.category} ({self.language or 'any'})"

    def keyword_list(self) -> list[str]:
        return [line.strip() for line in self.keywords.splitlines() if line.strip()]

    def clean(self) -> None:
        if problems := [p for line in self.keyword_list() if (p := keyword_problem(line))]:
            raise ValidationError({"keywords": problems})


class ComplaintSource(models.TextChoices):
    RULE = "rule", "Rules"
    AGENT = "agent", "Agent"


class TicketComplaint(models.Model):
    """A ticket's complaint category. Set by the rules when messages arrive; an agent's
    correction (source ``agent``) is kept whatever arrives later."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="complaint"
    )
    category = models.ForeignKey(
        ComplaintCategory, on_delete=models.PROTECT, related_name="tickets"
    )
    source = models.CharField(max_length=10, choices=ComplaintSource.choices)
    matched = models.CharField(max_length=200, blank=True, help_text="The words the rules found.")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["category"], name="complaint_category")]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.category}"

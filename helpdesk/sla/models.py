from django.conf import settings
from django.db import models
from django.db.models import Q

from helpdesk.marketplaces.models import Channel
from helpdesk.tickets.models import Message, Ticket


class ObligationKind(models.TextChoices):
    BUYER_REPLY = "buyer_reply", "Buyer reply"
    RETURN_REQUEST = "return_request", "Return request"
    CLAIM = "claim", "A-to-z claim"
    CHARGEBACK = "chargeback", "Chargeback"


class ObligationState(models.TextChoices):
    PENDING = "pending", "Pending"
    AT_RISK = "at_risk", "At risk"
    OVERDUE = "overdue", "Overdue"
    MET = "met", "Met"
    MET_LATE = "met_late", "Met late"
    NO_RESPONSE_REQUIRED = "no_response_required", "No response required"


OPEN_STATES = [ObligationState.PENDING, ObligationState.AT_RISK, ObligationState.OVERDUE]


class ObligationQuerySet(models.QuerySet):
    """The time windows, written once. Open clocks are judged by their times, not by the
    stored state, so a page is exact even between two sweeps."""

    def open(self) -> "ObligationQuerySet":
        return self.filter(is_open=True)

    def overdue(self, now) -> "ObligationQuerySet":
        return self.open().filter(due_at__lt=now)

    def due_within(self, now, delta) -> "ObligationQuerySet":
        return self.open().filter(due_at__gte=now, due_at__lt=now + delta)

    def at_risk(self, now) -> "ObligationQuerySet":
        # Less than the at-risk share left (the clock's rule): from just after at_risk_at.
        return self.open().filter(at_risk_at__lt=now, due_at__gte=now)

    def started_between(self, since, until) -> "ObligationQuerySet":
        return self.filter(starts_at__gte=since, starts_at__lt=until)


class Obligation(models.Model):
    """One clock: something the seller owes the buyer or the marketplace by a deadline."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="obligations")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="obligations")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ObligationKind.choices)
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField()
    at_risk_at = models.DateTimeField(help_text="From here on the clock is at risk.")
    claim_risk_at = models.DateTimeField(
        null=True, blank=True, help_text="From here on an unanswered buyer may open a claim."
    )
    satisfied_at = models.DateTimeField(null=True, blank=True)
    satisfied_by = models.CharField(max_length=40, blank=True)
    response_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Start to reply, for answered clocks."
    )
    state = models.CharField(max_length=24, choices=ObligationState.choices)
    is_open = models.BooleanField(default=True)
    breached = models.BooleanField(default=False)
    claim_risk = models.BooleanField(default=False)
    at_risk_alerted_at = models.DateTimeField(null=True, blank=True)
    violation_recorded = models.BooleanField(default=False)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["message", "kind"], name="obligation_per_message")
        ]
        indexes = [
            # "due in the next N hours", "overdue", "at risk": only open clocks are indexed.
            models.Index(fields=["due_at"], condition=Q(is_open=True), name="obligation_open_due"),
            # What the sweep still has to do: breaches not yet recorded, alerts not yet sent,
            # claim risks not yet flagged. Rows leave these indexes once handled, so a sweep
            # that finds nothing new reads almost nothing.
            models.Index(
                fields=["due_at"], condition=Q(is_open=True, breached=False),
                name="obligation_open_unbreached",
            ),
            models.Index(
                fields=["due_at"], condition=Q(breached=True, violation_recorded=False),
                name="obligation_unrecorded_breach",
            ),
            models.Index(
                fields=["at_risk_at"], condition=Q(is_open=True, at_risk_alerted_at=None),
                name="obligation_unalerted_risk",
            ),
            models.Index(
                fields=["claim_risk_at"], condition=Q(is_open=True, claim_risk=False),
                name="obligation_unflagged_claim",
            ),
            models.Index(fields=["starts_at", "kind"], name="obligation_start_kind"),
            models.Index(fields=["ticket", "is_open"], name="obligation_ticket_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_at:%Y-%m-%d %H:%M} ({self.state})"

    def state_at(self, now) -> str:
        """The state as of ``now``: the stored one is only as fresh as the last sweep."""
        if not self.is_open:
            return self.state
        if now > self.due_at:
            return ObligationState.OVERDUE
        return ObligationState.AT_RISK if now > self.at_risk_at else ObligationState.PENDING


class Violation(models.Model):
    """A breached clock, recorded once and never rewritten, so any past report is
    reproducible. The facts are copied: they survive later changes to the ticket."""

    obligation = models.OneToOneField(
        Obligation, null=True, on_delete=models.SET_NULL, related_name="violation"
    )
    ticket = models.ForeignKey(Ticket, null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ObligationKind.choices)
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField()
    occurred_at = models.DateTimeField(help_text="When the clock ran out.")
    recorded_at = models.DateTimeField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="Who was assigned when it was recorded.",
    )
    alerted_at = models.DateTimeField(null=True, blank=True)
    # Later mail proved the clock was met in time (a copy of the reply arrived late) or that
    # the clock never applied: the record stays, marked, and reports leave it out.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["occurred_at"], name="violation_occurred"),
            models.Index(fields=["recorded_at"], condition=Q(alerted_at=None),
                         name="violation_unalerted"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} missed {self.due_at:%Y-%m-%d %H:%M}"


class ActionKind(models.TextChoices):
    NO_RESPONSE_REQUIRED = "no_response_required", "No response required"
    RESPONDED_ELSEWHERE = "responded_elsewhere", "Responded in Seller Central"
    RETURN_DECIDED = "return_decided", "Return decided"


class ClockAction(models.Model):
    """An agent's act that ends a clock without a mail: an input to the clock, like a message."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="clock_actions")
    kind = models.CharField(max_length=24, choices=ActionKind.choices)
    at = models.DateTimeField()
    obligation = models.ForeignKey(
        Obligation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.TextField(blank=True)
    # Amazon has no interface that sets "No response needed": an agent marks it in Seller
    # Central by hand and ticks it here (the performance app lists the ones still to do).
    seller_central_marked_at = models.DateTimeField(null=True, blank=True)
    seller_central_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            # The "mark in Seller Central too" list: only the ones still to mark are indexed.
            models.Index(fields=["at"], condition=Q(kind="no_response_required",
                                                    seller_central_marked_at=None),
                         name="clockaction_nrr_unmarked"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class Heartbeat(models.Model):
    """The last time a periodic job finished; the pages warn when it is stale."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"

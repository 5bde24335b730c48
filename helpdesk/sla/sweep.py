"""The periodic sweep: record breaches, flag claim risk, send alerts, beat the heart.

Safe to run late, twice or concurrently: a row lock lets one sweep work at a time (the other
skips), and every write is idempotent (a breach has one violation row at most)."""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from helpdesk import jobs

from .alerts import alerts_enqueue
from .models import Heartbeat, Obligation, ObligationState, Violation
from .services import violations_record
from .signals import clocks_at_risk, clocks_breached

SWEEP = "sla_sweep"
STALE_AFTER = timedelta(minutes=5)


@dataclass
class SweepResult:
    skipped: bool = False
    breaches_recorded: int = 0
    at_risk_alerts: int = 0
    breach_alerts: int = 0
    claim_risks: int = 0


def sla_sweep(*, now: datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    Heartbeat.objects.get_or_create(name=SWEEP, defaults={"beat_at": now - 2 * STALE_AFTER})
    with transaction.atomic():
        # On PostgreSQL a second sweep skips instead of queueing behind the first; on SQLite
        # writers are serialised anyway and the writes below are idempotent.
        if Heartbeat.objects.select_for_update(skip_locked=True).filter(name=SWEEP).first() is None:
            return SweepResult(skipped=True)
        result = SweepResult()

        Obligation.objects.open().filter(breached=False, due_at__lt=now).update(
            state=ObligationState.OVERDUE, breached=True
        )
        unrecorded = list(Obligation.objects.filter(breached=True, violation_recorded=False))
        result.breaches_recorded = len(violations_record(obligations=unrecorded, now=now))

        at_risk = Obligation.objects.open().filter(
            at_risk_alerted_at=None, at_risk_at__lt=now, due_at__gte=now
        )
        at_risk_ids = list(at_risk.values_list("pk", flat=True))
        # While the job queue is away an alert would be marked sent and never go: the clocks
        # move on, and their alerts wait for a sweep that can enqueue them.
        alerts_go = jobs.queue_reachable()
        Obligation.objects.filter(pk__in=at_risk_ids).update(state=ObligationState.AT_RISK)
        if not alerts_go:
            at_risk_ids = []
        Obligation.objects.filter(pk__in=at_risk_ids).update(at_risk_alerted_at=now)
        # Clocks that ran out before anyone was warned get the breach alert only.
        Obligation.objects.open().filter(at_risk_alerted_at=None, due_at__lt=now).update(
            at_risk_alerted_at=now
        )
        result.claim_risks = Obligation.objects.open().filter(
            claim_risk=False, claim_risk_at__lte=now
        ).update(claim_risk=True)

        unalerted = Violation.objects.filter(alerted_at=None, withdrawn_at=None)
        violation_ids = list(unalerted.values_list("pk", flat=True)) if alerts_go else []
        Violation.objects.filter(pk__in=violation_ids).update(alerted_at=now)
        alerts_enqueue(at_risk_ids=at_risk_ids, violation_ids=violation_ids)
        if at_risk_ids:
            clocks_at_risk.send(sender=Obligation, obligation_ids=at_risk_ids)
        if violation_ids:
            clocks_breached.send(sender=Violation, violation_ids=violation_ids)
        result.at_risk_alerts, result.breach_alerts = len(at_risk_ids), len(violation_ids)

        Heartbeat.objects.filter(name=SWEEP).update(beat_at=now, details=asdict(result))
    return result


def heartbeat_age(*, name: str = SWEEP, now: datetime | None = None) -> timedelta | None:
    """How long ago the job last finished; None if it never ran."""
    beat = Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()
    if beat is None:
        return None
    return (now or timezone.now()) - beat


def heartbeat_stale(*, name: str = SWEEP, now: datetime | None = None) -> bool:
    age = heartbeat_age(name=name, now=now)
    return age is None or age > STALE_AFTER

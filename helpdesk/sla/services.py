"""Keeping the obligation rows true: recompute a ticket's clocks from its messages and
actions, in the same transaction as whatever touched it, and record breaches once."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from helpdesk.db import row_new, rows_insert, rows_update
from helpdesk.marketplaces.models import Channel, Holiday
from helpdesk.tickets.models import Message, Ticket, TimelineEvent

from . import clock
from .models import ClockAction, Obligation, Violation
from .policy import channel_policy

# Fields a recompute may change on an existing row.
_MUTABLE = [
    "starts_at", "due_at", "at_risk_at", "claim_risk_at", "satisfied_at", "satisfied_by",
    "response_seconds", "state", "is_open", "breached", "claim_risk",
]


def obligations_recompute(*, ticket_ids: Iterable[int], now: datetime | None = None) -> None:
    """Recompute the clocks of these tickets: a fixed number of queries for any number."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return
    now = now or timezone.now()
    channel_of = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "channel_id"))
    messages = defaultdict(list)
    for pk, ticket_id, direction, kind, is_auto, sent_at in Message.objects.filter(
        ticket_id__in=ids
    ).values_list("pk", "ticket_id", "direction", "kind", "is_auto", "sent_at"):
        messages[ticket_id].append(clock.ClockMessage(str(pk), direction, kind, is_auto, sent_at))
    actions = defaultdict(list)
    for action in ClockAction.objects.filter(ticket_id__in=ids).select_related("obligation"):
        key = str(action.obligation.message_id) if action.obligation_id else None
        actions[action.ticket_id].append(
            clock.ClockAction(action.kind, action.at, key, action.note)
        )
    existing = {
        (o.message_id, o.kind): o for o in Obligation.objects.filter(ticket_id__in=ids)
    }
    policies = _policies(set(Channel.objects.filter(pk__in=set(channel_of.values()))))

    to_create, to_update = [], []
    for ticket_id in ids:
        channel_id = channel_of[ticket_id]
        policy = policies[channel_id]
        computed = clock.obligations_compute(
            messages=messages[ticket_id], actions=actions[ticket_id], policy=policy, now=now
        )
        for result in computed:
            row = existing.pop((int(result.key), result.kind), None)
            values = _values(result, policy)
            if row is None:
                to_create.append(row_new(
                    Obligation, ticket_id=ticket_id, message_id=int(result.key),
                    channel_id=channel_id, kind=result.kind, **values,
                ))
            elif any(getattr(row, field) != value for field, value in values.items()):
                for field, value in values.items():
                    setattr(row, field, value)
                to_update.append(row)
    rows_insert(to_create)
    rows_update(to_update, _MUTABLE)
    # Breaches are recorded by the sweep, not here: what a ticket's mail says depends on the
    # order mail arrives in (a Sent folder may be fetched after the inbox), and the sweep
    # judges every ticket the same way within a minute.


def _policies(channels: set[Channel]) -> dict[int, clock.Policy]:
    calendar_ids = [c.pk for c in channels if c.business_hours]
    holidays = defaultdict(set)
    for channel_id, day in Holiday.objects.filter(channel_id__in=calendar_ids).values_list(
        "channel_id", "day"
    ) if calendar_ids else []:
        holidays[channel_id].add(day)
    return {c.pk: channel_policy(c, frozenset(holidays[c.pk])) for c in channels}


def _values(result: clock.Obligation, policy: clock.Policy) -> dict:
    limit = policy.limit_hours(result.kind)
    response = None
    if result.satisfied_at is not None and result.state != "no_response_required":
        response = max(0, int((result.satisfied_at - result.starts_at).total_seconds()))
    return {
        "starts_at": result.starts_at,
        "due_at": result.due_at,
        "at_risk_at": result.due_at - timedelta(hours=limit * policy.at_risk_share),
        "claim_risk_at": (
            result.starts_at + timedelta(hours=policy.claim_risk_hours)
            if result.kind == "buyer_reply" else None
        ),
        "satisfied_at": result.satisfied_at,
        "satisfied_by": result.satisfied_by or "",
        "response_seconds": response,
        "state": result.state,
        "is_open": result.is_open,
        "breached": result.breached,
        "claim_risk": result.claim_risk,
    }


def violations_record(*, obligations: list[Obligation], now: datetime) -> list[Violation]:
    """Record each breach once. The unique obligation link makes a second record impossible,
    even for two sweeps at once."""
    already = set(
        Violation.objects.filter(obligation__in=obligations).values_list("obligation_id", flat=True)
    )
    fresh = [o for o in obligations if o.pk not in already]
    if not fresh:
        return []
    assignees = dict(
        Ticket.objects.filter(pk__in={o.ticket_id for o in fresh}).values_list("pk", "assignee_id")
    )
    violations = [
        Violation(
            obligation=o, ticket_id=o.ticket_id, channel_id=o.channel_id, kind=o.kind,
            starts_at=o.starts_at, due_at=o.due_at, occurred_at=o.due_at, recorded_at=now,
            assignee_id=assignees.get(o.ticket_id),
        )
        for o in fresh
    ]
    Violation.objects.bulk_create(violations, ignore_conflicts=True)
    for start in range(0, len(fresh), 1000):
        Obligation.objects.filter(pk__in=[o.pk for o in fresh[start : start + 1000]]).update(
            violation_recorded=True
        )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            ticket_id=o.ticket_id, at=o.due_at, kind="clock_breached",
            text=f"Clock missed: {o.get_kind_display()} was due {o.due_at:%Y-%m-%d %H:%M} UTC",
            data={"obligation": o.pk},
        )
        for o in fresh
    )
    return violations


@transaction.atomic
def clock_action_record(
    *, ticket: Ticket, kind: str, actor=None, note: str = "",
    obligation: Obligation | None = None, at: datetime | None = None,
) -> ClockAction:
    """An agent ends a clock without a mail: no response required, responded in Seller
    Central, return decided. Written to the timeline; the clocks are recomputed at once."""
    at = at or timezone.now()
    action = ClockAction.objects.create(
        ticket=ticket, kind=kind, at=at, actor=actor, note=note, obligation=obligation
    )
    label = action.get_kind_display()
    TimelineEvent.objects.create(
        ticket=ticket, at=at, actor=actor, kind=f"clock_{kind}",
        text=f"{label}: {note}"[:1000] if note else label, data={"action": action.pk},
    )
    obligations_recompute(ticket_ids=[ticket.pk], now=at)
    return action

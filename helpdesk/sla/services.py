"""Keeping the obligation rows true: recompute a ticket's clocks from its messages and
actions, in the same transaction as whatever touched it, and record breaches once."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from helpdesk.db import row_new, rows_insert, rows_update
from helpdesk.marketplaces.models import Channel, Holiday
from helpdesk.tickets.models import Message, Ticket, TicketStatus, TimelineEvent

from . import clock
from .models import ClockAction, Obligation, Violation
from .policy import channel_policy

# Fields a recompute may change on an existing row; the ticket only when its message moved
# (threads merged or split): an UPDATE that names the ticket rewrites every index on it.
_MUTABLE = [
    "starts_at", "due_at", "at_risk_at", "claim_risk_at", "satisfied_at", "satisfied_by",
    "response_seconds", "state", "is_open", "breached", "claim_risk",
]
_MOVED = ["ticket_id", *_MUTABLE]


def obligations_recompute(
    *, ticket_ids: Iterable[int], now: datetime | None = None
) -> set[int]:
    """Recompute the clocks of these tickets: a fixed number of queries for any number. The
    ids of those that are resolved and have a clock running (``derived`` reopens them)."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return set()
    now = now or timezone.now()
    channel_of, resolved = {}, set()
    for pk, channel_id, status in Ticket.objects.filter(pk__in=ids).values_list(
        "pk", "channel_id", "status"
    ):
        channel_of[pk] = channel_id
        if status == TicketStatus.RESOLVED:
            resolved.add(pk)
    running: set[int] = set()
    messages = defaultdict(list)
    rows = list(Message.objects.filter(ticket_id__in=ids).order_by("pk").values_list(
        "pk", "ticket_id", "direction", "kind", "is_auto", "sent_at", "untrusted_reason",
        "received_at", "message_id", "in_reply_to",
    ))
    keys: dict[tuple[int, str], str] = {}  # (ticket, Message-ID) → the message's clock key
    # Of several messages under one Message-ID (a broken sender's), a reply answers the one
    # written first, not the one filed first: the clocks must not follow the arrival order.
    for pk, ticket_id, *_, message_id, _ in sorted(rows, key=lambda row: (row[5], row[0])):
        keys.setdefault((ticket_id, message_id), str(pk))
    for pk, ticket_id, direction, kind, is_auto, sent_at, doubt, received_at, _, parent in rows:
        # A reply from a source the seller's own mail does not come from ends no clock.
        messages[ticket_id].append(clock.ClockMessage(
            str(pk), direction, kind, is_auto, sent_at, failed=bool(doubt),
            received_at=received_at, answers=keys.get((ticket_id, parent)) if parent else None,
        ))
    actions = defaultdict(list)
    for action in ClockAction.objects.filter(ticket_id__in=ids).select_related("obligation"):
        key = str(action.obligation.message_id) if action.obligation_id else None
        actions[action.ticket_id].append(
            clock.ClockAction(action.kind, action.at, key, action.note)
        )
    # A message that moved to another ticket (threads merged or split) is matched to its
    # clocks by the message: callers name the ticket it left as well as the one it joined.
    existing = {
        (o.message_id, o.kind): o for o in Obligation.objects.filter(ticket_id__in=ids)
    }
    # A deadline stays the one its clock was given when it started (clock.py): the channel's
    # limits and hours may have changed since. Not when the message's time has changed.
    starts = {pk: sent_at for pk, _t, _d, _k, _a, sent_at, *_ in rows}
    deadlines = {
        (str(message_id), kind): o.due_at for (message_id, kind), o in existing.items()
        if starts.get(message_id) == o.starts_at
    }
    policies = _policies(set(Channel.objects.filter(pk__in=set(channel_of.values()))))

    to_create, to_update, moved = [], [], []
    for ticket_id in ids:
        if ticket_id not in channel_of:
            continue  # merged into another ticket: its clocks went with its messages
        channel_id = channel_of[ticket_id]
        policy = policies[channel_id]
        computed = clock.obligations_compute(
            messages=messages[ticket_id], actions=actions[ticket_id], policy=policy, now=now,
            deadlines=deadlines,
        )
        if ticket_id in resolved and any(result.is_open for result in computed):
            running.add(ticket_id)
        for result in computed:
            row = existing.pop((int(result.key), result.kind), None)
            values = {"ticket_id": ticket_id, **_values(result, policy)}
            if row is None:
                to_create.append(row_new(
                    Obligation, message_id=int(result.key),
                    channel_id=channel_id, kind=result.kind, **values,
                ))
            elif any(getattr(row, field) != value for field, value in values.items()):
                (moved if row.ticket_id != ticket_id else to_update).append(row)
                for field, value in values.items():
                    setattr(row, field, value)
    rows_insert(to_create)
    rows_update(to_update, _MUTABLE)
    rows_update(moved, _MOVED)
    to_update += moved
    _violations_follow(to_update)
    _violations_withdraw(to_update, now=now)
    _violations_reopen(to_update)
    # What no longer follows from the mail held (a claim clock its decision's late-arriving
    # claim now carries, a message now answered in its merged thread): withdrawn.
    _obligations_withdraw(list(existing.values()), now=now)
    # Breaches are recorded by the sweep, not here: what a ticket's mail says depends on the
    # order mail arrives in (a Sent folder may be fetched after the inbox), and the sweep
    # judges every ticket the same way within a minute.
    return running


def _violations_follow(obligations: list[Obligation]) -> None:
    """A breach recorded for a clock whose message moved to another ticket moves with it."""
    moved = [o for o in obligations if o.violation_recorded]
    for o in moved:
        Violation.objects.filter(obligation=o).exclude(ticket_id=o.ticket_id).update(
            ticket_id=o.ticket_id
        )


def _violations_withdraw(obligations: list[Obligation], *, now: datetime) -> None:
    """A recorded breach that later mail proves was met in time (a copy of the reply arrived
    after the sweep judged the clock) is marked withdrawn, with why and when; never deleted."""
    cleared = [o for o in obligations if o.violation_recorded and not o.breached]
    for o in cleared:
        reason = (
            f"met in time after all: answered at {o.satisfied_at:%Y-%m-%d %H:%M} UTC, which "
            "was known only after the breach was recorded"
            if o.satisfied_at else "the clock no longer applies"
        )
        _withdraw(Violation.objects.filter(obligation=o), reason=reason, now=now)


def _violations_reopen(obligations: list[Obligation]) -> None:
    """A clock whose breach was withdrawn and that later mail or an agent's split leaves
    missed again is a breach again. The withdrawn record stays as it was (a record is never
    rewritten), let go of its clock, and the next sweep records the breach anew."""
    again = [o for o in obligations if o.violation_recorded and o.breached]
    if not again:
        return
    withdrawn = Violation.objects.filter(obligation__in=again).exclude(withdrawn_at=None)
    reopened = set(withdrawn.values_list("obligation_id", flat=True))
    if not reopened:
        return
    withdrawn.update(obligation=None)
    Obligation.objects.filter(pk__in=reopened).update(violation_recorded=False)
    for o in again:
        if o.pk in reopened:
            o.violation_recorded = False


def _obligations_withdraw(obligations: list[Obligation], *, now: datetime) -> None:
    """Delete clocks that the mail held no longer produces; their breaches stay, withdrawn."""
    if not obligations:
        return
    pks = [o.pk for o in obligations]
    _withdraw(
        Violation.objects.filter(obligation_id__in=pks),
        reason="the clock no longer applies: later mail showed its message is not a case of "
        "its own (threads were merged or the message was answered)",
        now=now,
    )
    Obligation.objects.filter(pk__in=pks).delete()


def _withdraw(violations, *, reason: str, now: datetime) -> None:
    changed = list(violations.filter(withdrawn_at=None).values_list("pk", "ticket_id"))
    if not changed:
        return
    Violation.objects.filter(pk__in=[pk for pk, _ in changed]).update(
        withdrawn_at=now, withdrawn_reason=reason[:500]
    )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(ticket_id=ticket_id, at=now, kind="clock_breach_withdrawn",
                      text=f"Missed clock withdrawn: {reason}"[:1000], data={"violation": pk})
        for pk, ticket_id in changed if ticket_id is not None
    )


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


def clock_actions_pin(*, ticket_ids: Iterable[int]) -> None:
    """Before messages change tickets (threads merged, replayed, split): make each agent's
    action that ended every open clock of its ticket name the clocks it ended, one action
    each. Left ticket-wide, it would end the clocks of messages that join its ticket later
    (a question the agent never saw there, answered silently) and let go of those of
    messages that leave it (the buyer's "thanks!" open again)."""
    actions = list(ClockAction.objects.filter(ticket_id__in=set(ticket_ids), obligation=None))
    if not actions:
        return
    ended = defaultdict(list)
    for obligation in Obligation.objects.filter(
        ticket_id__in={a.ticket_id for a in actions}, satisfied_by__in={a.kind for a in actions}
    ).order_by("starts_at", "pk"):
        ended[(obligation.ticket_id, obligation.satisfied_by, obligation.satisfied_at)].append(
            obligation
        )
    more = []
    for action in actions:
        obligations = ended.get((action.ticket_id, action.kind, action.at))
        if not obligations:
            continue
        action.obligation = obligations[0]
        action.save(update_fields=["obligation"])
        for obligation in obligations[1:]:
            more.append(ClockAction(
                ticket_id=action.ticket_id, kind=action.kind, at=action.at,
                obligation=obligation, actor_id=action.actor_id, note=action.note,
                seller_central_marked_at=action.seller_central_marked_at,
                seller_central_marked_by_id=action.seller_central_marked_by_id,
            ))
    ClockAction.objects.bulk_create(more)


def clock_actions_follow(*, message_ids: list[int], ticket_id: int) -> None:
    """The actions naming these messages' clocks go with them to ``ticket_id``."""
    ClockAction.objects.filter(obligation__message_id__in=message_ids).exclude(
        ticket_id=ticket_id
    ).update(ticket_id=ticket_id)


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

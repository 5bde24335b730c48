"""The clocks as a pure function: a ticket's messages and agents' actions in, obligations out.

No database and no clock reads: ``now`` is an argument. Input datetimes must be aware (any zone);
every datetime in the output is UTC. The rules (shared DOMAIN.md, "The clocks"), with the choices
made where the rulebook is silent marked *choice*:

Opening
- buyer_reply: every inbound, non-auto message of kind buyer_message or cancellation (a
  cancellation request is a buyer message that needs an answer). Limit ``buyer_reply_hours``.
- return_request (``return_hours``), claim (``claim_hours``), chargeback
  (``chargeback_hours``): an inbound message of that kind. *choice*: ``is_auto`` is not
  looked at for these, marketplace notices are machine-sent by nature. *choice*: a later
  mail of the same kind in the ticket is a follow-up, not a new case: a return_request opens
  a new obligation only when no earlier one is still open at its time; a claim or chargeback
  opens one only once per ticket, so "Claim Decision on Order" (also kind claim, arriving
  after the response) never restarts the clock.
- Messages are taken in (sent_at, key) order whatever the input order. Keys are unique.
  *choice*: every event given counts, even one later than ``now`` (a Date header a little
  ahead); ``now`` only judges what is still open.

Ending (the earliest qualifying event at or after the start; on a tie a message wins)
- A reply: outbound, not auto, not failed, kind seller_reply or reply_confirmation, with
  sent_at >= start (*choice*: a reply in the same second counts). *choice*: a reply that
  answers (``answers``, its In-Reply-To) a message dated after it counts from that message's
  time: a seller's computer clock running slow cannot put the answer before its question.
  One reply ends every
  buyer_reply and return_request that started at or before it. A claim or chargeback is
  answered to the marketplace in Seller Central, never by mail: no message ends it, not a mail
  to the notice's sender nor one to the buyer; only the "responded_elsewhere" action
  ("Responded in Seller Central") does.
- An action ends obligations that started at or before ``action.at``: the one named by
  ``obligation_key``, or with None all then open. "no_response_required" ends only buyer_reply
  (*choice*: a return, claim or chargeback always needs a decision or response),
  "responded_elsewhere" only claim/chargeback, "return_decided" only return_request. An action
  naming an obligation of another kind, or a later start, does nothing. *choice*: one naming
  no obligation ends only those whose message had been received by ``action.at`` (when the
  message's ``received_at`` is given): a question that came in after the agent marked the
  thread, though written before (mail held up on its way, a backlog imported later), was
  never seen by the agent and is still to be answered.

Judging (due = start + limit elapsed hours in UTC, so DST never stretches it; with a
``BusinessCalendar`` only working time counts, for every limit of that policy)
- *choice*: a deadline is set when its clock starts. ``deadlines`` gives the ones already set
  ((message key, kind) → due): a limit, business hours or holidays changed since then move
  neither a running clock nor how an ended one was judged, so last month's breaches stay
  last month's breaches. Only clocks without one are given ``policy``'s.
- Ended at or before due: "met" (or "no_response_required"); a reply at exactly the limit is on
  time. Ended after due: "met_late", breached. *choice*: no-response-required marked after due
  keeps state "no_response_required" but is breached, so the breach stays on record.
- Still open: "overdue" (breached) if now > due, "at_risk" if due - now < at_risk_share x limit
  (elapsed hours, also with a calendar), else "pending".
- breached_at = due_at whenever breached. Once breached at some ``now`` an obligation stays
  breached for every later ``now`` and any later events: a violation is never erased.
- claim_risk: a buyer_reply still open that has waited >= ``claim_risk_hours`` elapsed hours.
  *choice*: only while open; a late reply is reported by met_late, not claim_risk.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

ActionKind = Literal["no_response_required", "responded_elsewhere", "return_decided"]
ObligationKind = Literal["buyer_reply", "return_request", "claim", "chargeback"]
State = Literal["pending", "at_risk", "overdue", "met", "met_late", "no_response_required"]

OPEN_STATES = frozenset({"pending", "at_risk", "overdue"})
BUYER_KINDS = frozenset({"buyer_message", "cancellation"})
CASE_KINDS = frozenset({"return_request", "claim", "chargeback"})
ONCE_PER_TICKET = frozenset({"claim", "chargeback"})
REPLY_KINDS = frozenset({"seller_reply", "reply_confirmation"})
# What a reply by mail can end; claims and chargebacks are answered in Seller Central.
REPLY_ENDS = frozenset({"buyer_reply", "return_request"})
ACTION_ENDS: dict[str, frozenset[str]] = {
    "no_response_required": frozenset({"buyer_reply"}),
    "responded_elsewhere": frozenset({"claim", "chargeback"}),
    "return_decided": frozenset({"return_request"}),
}


def _aware(value: datetime, name: str) -> None:
    """Refuse naive datetimes: every instant the clock sees must be unambiguous."""
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")


@dataclass(frozen=True)
class ClockMessage:
    """One message of the ticket as the clock sees it (kind as in tickets.MessageKind)."""

    key: str
    direction: Literal["in", "out"]
    kind: str
    is_auto: bool
    sent_at: datetime
    failed: bool = False
    received_at: datetime | None = None  # when the seller got it; None: not known
    answers: str | None = None  # the key of the message it replies to (In-Reply-To)

    def __post_init__(self) -> None:
        _aware(self.sent_at, "sent_at")
        if self.received_at is not None:
            _aware(self.received_at, "received_at")


@dataclass(frozen=True)
class ClockAction:
    """An agent's action that ends obligations without a reply in this ticket."""

    kind: ActionKind
    at: datetime
    obligation_key: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        _aware(self.at, "at")


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday (0 = Monday: opening, closing, same day) in ``time_zone``.

    Days missing from ``hours`` and dates in ``holidays`` have no working time. Opening and
    closing are local wall times; the time between them is measured in elapsed (UTC) time, so
    a window that spans a DST change is an hour shorter or longer.
    """

    time_zone: str
    hours: dict[int, tuple[time, time]]
    holidays: frozenset[date] = frozenset()

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of a local date, as UTC datetimes, or None."""
        if day in self.holidays or day.weekday() not in self.hours:
            return None
        zone = ZoneInfo(self.time_zone)
        opening, closing = self.hours[day.weekday()]
        return (
            datetime.combine(day, opening, tzinfo=zone).astimezone(UTC),
            datetime.combine(day, closing, tzinfo=zone).astimezone(UTC),
        )

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """The UTC moment when ``hours`` of working time have passed since ``start``."""
        _aware(start, "start")
        left = timedelta(hours=hours)
        cursor = start.astimezone(UTC)
        day = cursor.astimezone(ZoneInfo(self.time_zone)).date()
        for _ in range(3700):  # ten years: a calendar without working days must not hang
            window = self.window(day)
            if window is not None:
                begin = max(cursor, window[0])
                if begin < window[1]:
                    if window[1] - begin >= left:
                        return begin + left
                    left -= window[1] - begin
            day += timedelta(days=1)
        raise ValueError("no working time within ten years: check hours and holidays")


@dataclass(frozen=True)
class Policy:
    """A channel's limits in hours; with a calendar they count working hours only."""

    buyer_reply_hours: int = 24
    return_hours: int = 48
    claim_hours: int = 72
    chargeback_hours: int = 72
    at_risk_share: float = 1 / 6  # 4 h of 24 h
    claim_risk_hours: int = 48
    calendar: BusinessCalendar | None = None

    def limit_hours(self, kind: str) -> int:
        """The limit for an obligation kind."""
        return {
            "buyer_reply": self.buyer_reply_hours,
            "return_request": self.return_hours,
            "chargeback": self.chargeback_hours,
        }.get(kind, self.claim_hours)

    def due(self, start: datetime, kind: str) -> datetime:
        """The deadline of an obligation of ``kind`` that started at ``start`` (UTC)."""
        if self.calendar is not None:
            return self.calendar.add_hours(start, self.limit_hours(kind))
        return start.astimezone(UTC) + timedelta(hours=self.limit_hours(kind))


@dataclass(frozen=True)
class Obligation:
    """One clock: what started it, when it is due, how and when it ended, how it stands."""

    key: str
    kind: ObligationKind
    starts_at: datetime
    due_at: datetime
    satisfied_at: datetime | None
    satisfied_by: str | None
    state: State
    breached: bool
    breached_at: datetime | None
    claim_risk: bool

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class _End:
    at: datetime
    by: str  # message key or action kind
    action: ClockAction | None

    def ends(self, key: str, kind: str, start: datetime, received: datetime | None) -> bool:
        if self.at < start:
            return False
        if self.action is None:
            return kind in REPLY_ENDS
        target = self.action.obligation_key
        if target is None and received is not None and received > self.at:
            return False  # the agent acted before this message was there to see
        return kind in ACTION_ENDS[self.action.kind] and target in (None, key)


def _opens(message: ClockMessage) -> str | None:
    """The obligation kind an inbound message opens, if any (before the follow-up rule)."""
    if message.direction != "in":
        return None
    if message.kind in BUYER_KINDS and not message.is_auto:
        return "buyer_reply"
    return message.kind if message.kind in CASE_KINDS else None


def obligations_compute(
    *,
    messages: Iterable[ClockMessage],
    actions: Iterable[ClockAction],
    policy: Policy,
    now: datetime,
    deadlines: Mapping[tuple[str, str], datetime] | None = None,
) -> list[Obligation]:
    """Every obligation of one ticket as of ``now``, in start order (see the module rules)."""
    _aware(now, "now")
    deadlines = deadlines or {}
    ordered = sorted(messages, key=lambda m: (m.sent_at, m.key))
    sent = {m.key: m.sent_at for m in ordered}
    ends = [
        _End(max(m.sent_at, sent.get(m.answers, m.sent_at)).astimezone(UTC), m.key, None)
        for m in ordered
        if m.direction == "out" and not m.is_auto and not m.failed and m.kind in REPLY_KINDS
    ]
    ends += [_End(a.at.astimezone(UTC), a.kind, a) for a in actions]
    ends.sort(key=lambda e: (e.at, e.action is not None))  # stable: actions keep input order
    result: list[Obligation] = []
    for message in ordered:
        kind = _opens(message)
        if kind is None:
            continue
        start = message.sent_at.astimezone(UTC)
        if kind in CASE_KINDS and any(
            o.kind == kind
            and (kind in ONCE_PER_TICKET or o.satisfied_at is None or o.satisfied_at > start)
            for o in result
        ):
            continue  # a follow-up of a case already clocked
        end = next(
            (e for e in ends if e.ends(message.key, kind, start, message.received_at)), None
        )
        due = deadlines.get((message.key, kind)) or policy.due(start, kind)
        result.append(_judge(message.key, kind, start, due.astimezone(UTC), end, policy, now))
    return result


def _judge(
    key: str, kind: str, start: datetime, due: datetime, end: _End | None, policy: Policy,
    now: datetime,
) -> Obligation:
    """State, breach and claim risk of one obligation, given its deadline and how (and
    whether) it ended."""
    limit = policy.limit_hours(kind)
    if end is not None:
        breached, claim_risk = end.at > due, False
        if end.action is not None and end.action.kind == "no_response_required":
            state = "no_response_required"
        else:
            state = "met_late" if breached else "met"
    else:
        breached = now > due
        at_risk = due - now < timedelta(hours=limit * policy.at_risk_share)
        state = "overdue" if breached else "at_risk" if at_risk else "pending"
        waited = now - start >= timedelta(hours=policy.claim_risk_hours)
        claim_risk = kind == "buyer_reply" and waited
    return Obligation(
        key=key,
        kind=kind,  # type: ignore[arg-type]
        starts_at=start,
        due_at=due,
        satisfied_at=end.at if end else None,
        satisfied_by=end.by if end else None,
        state=state,  # type: ignore[arg-type]
        breached=breached,
        breached_at=due if breached else None,
        claim_risk=claim_risk,
    )

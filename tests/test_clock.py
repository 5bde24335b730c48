"""The pure clock: examples for every rule, and property tests against a brute-force reference."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.sla.clock import (
    BusinessCalendar,
    ClockAction,
    ClockMessage,
    Obligation,
    Policy,
    obligations_compute,
)

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)
S = timedelta(seconds=1)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def inbound(key: str, at: datetime, kind: str = "buyer_message", **kw) -> ClockMessage:
    return ClockMessage(key=key, direction="in", kind=kind, is_auto=False, sent_at=at, **kw)


def reply(key: str, at: datetime, kind: str = "seller_reply", **kw) -> ClockMessage:
    kw.setdefault("is_auto", False)
    return ClockMessage(key=key, direction="out", kind=kind, sent_at=at, **kw)


def compute(messages, actions=(), now=None, policy=None) -> dict[str, Obligation]:
    result = obligations_compute(
        messages=messages, actions=actions, policy=policy or Policy(), now=now or T0 + 1000 * H
    )
    return {o.key: o for o in result}


# ---------------------------------------------------------------- buyer replies


def test_reply_at_exactly_24_hours_is_on_time():
    o = compute([inbound("q", T0), reply("r", T0 + 24 * H)])["q"]
    assert (o.kind, o.state, o.breached, o.breached_at) == ("buyer_reply", "met", False, None)
    assert (o.satisfied_at, o.satisfied_by, o.due_at) == (T0 + 24 * H, "r", T0 + 24 * H)


def test_reply_a_second_after_24_hours_is_late_and_breached_at_due():
    o = compute([inbound("q", T0), reply("r", T0 + 24 * H + S)])["q"]
    assert (o.state, o.breached, o.breached_at) == ("met_late", True, T0 + 24 * H)


def test_reply_in_the_same_second_counts_and_a_reply_before_does_not():
    assert compute([inbound("q", T0), reply("a", T0)])["q"].satisfied_by == "a"
    assert compute([reply("a", T0 - S), inbound("q", T0)], now=T0)["q"].state == "pending"


def test_a_reply_to_the_question_dated_before_it_counts_from_the_questions_time():
    got = compute([inbound("q", T0), reply("a", T0 - 10 * 60 * S, answers="q")], now=T0 + H)
    assert (got["q"].state, got["q"].satisfied_at) == ("met", T0)


def test_reply_confirmation_from_seller_central_stops_the_clock():
    o = compute([inbound("q", T0), reply("c", T0 + H, kind="reply_confirmation")])["q"]
    assert (o.state, o.satisfied_by) == ("met", "c")


@pytest.mark.parametrize(
    "noise",
    [
        reply("auto", T0 + H, kind="auto_reply", is_auto=True),
        reply("auto2", T0 + H, is_auto=True),
        reply("fail", T0 + H, failed=True),
        reply("note", T0 + H, kind="notice"),
        ClockMessage("buyer-auto", "in", "auto_reply", True, T0 + H),
    ],
)
def test_auto_replies_failed_sends_and_other_mail_do_not_stop_the_clock(noise):
    o = compute([inbound("q", T0), noise], now=T0 + 25 * H)["q"]
    assert (o.state, o.satisfied_at, o.breached) == ("overdue", None, True)


def test_several_buyer_messages_are_all_met_by_one_later_reply():
    msgs = [
        inbound("a", T0),
        inbound("b", T0 + 2 * H, kind="cancellation"),
        inbound("c", T0 + 23 * H),
    ]
    got = compute([reply("r", T0 + 25 * H), *msgs])  # input order does not matter
    assert {k: (o.state, o.satisfied_by) for k, o in got.items()} == {
        "a": ("met_late", "r"),
        "b": ("met", "r"),
        "c": ("met", "r"),
    }


def test_a_message_after_the_reply_opens_a_new_obligation():
    got = compute([inbound("a", T0), reply("r", T0 + H), inbound("b", T0 + 2 * H)], now=T0 + 3 * H)
    assert (got["a"].state, got["b"].state) == ("met", "pending")


@pytest.mark.parametrize("kind", ["feedback", "opt_out", "notice", "other", "auto_reply"])
def test_other_inbound_kinds_open_nothing(kind):
    assert compute([inbound("x", T0, kind=kind)]) == {}


def test_an_inbound_auto_buyer_message_opens_nothing():
    assert compute([ClockMessage("x", "in", "buyer_message", True, T0)]) == {}


def test_a_reply_and_an_action_in_the_same_second_the_reply_wins():
    msgs = [inbound("q", T0), reply("r", T0 + 30 * H)]
    o = compute(msgs, [ClockAction("no_response_required", T0 + 30 * H)])["q"]
    assert (o.state, o.satisfied_by) == ("met_late", "r")


# ---------------------------------------------------------------- no response required


def test_no_response_required_before_due_is_not_a_breach():
    nrr = ClockAction("no_response_required", T0 + 24 * H)
    o = compute([inbound("q", T0)], [nrr])["q"]
    assert (o.state, o.breached, o.satisfied_by) == ("no_response_required", False, nrr.kind)


def test_no_response_required_after_due_keeps_the_breach():
    o = compute([inbound("q", T0)], [ClockAction("no_response_required", T0 + 24 * H + S)])["q"]
    assert (o.state, o.breached, o.breached_at) == ("no_response_required", True, T0 + 24 * H)


def test_no_response_required_by_key_ends_only_that_obligation():
    msgs = [inbound("a", T0), inbound("b", T0 + H)]
    got = compute(msgs, [ClockAction("no_response_required", T0 + 2 * H, "a")], now=T0 + 3 * H)
    assert (got["a"].state, got["b"].state) == ("no_response_required", "pending")


def test_no_response_required_without_key_ends_only_what_is_open_at_that_moment():
    msgs = [
        inbound("a", T0),
        reply("r", T0 + H),
        inbound("b", T0 + 2 * H),
        inbound("c", T0 + 4 * H),
    ]
    got = compute(msgs, [ClockAction("no_response_required", T0 + 3 * H)], now=T0 + 5 * H)
    assert [got[k].state for k in "abc"] == ["met", "no_response_required", "pending"]


def test_no_response_required_without_key_leaves_a_message_received_after_it():
    msgs = [inbound("late", T0, received_at=T0 + 3 * H), inbound("seen", T0 + H)]
    got = compute(msgs, [ClockAction("no_response_required", T0 + 2 * H)], now=T0 + 4 * H)
    assert (got["late"].state, got["seen"].state) == ("pending", "no_response_required")


def test_no_response_required_does_not_end_claims_or_returns():
    msgs = [inbound("c", T0, kind="claim"), inbound("r", T0, kind="return_request")]
    got = compute(msgs, [ClockAction("no_response_required", T0 + H)], now=T0 + 2 * H)
    assert (got["c"].state, got["r"].state) == ("pending", "pending")


# ---------------------------------------------------------------- returns, claims, chargebacks


def test_return_request_has_48_hours():
    o = compute([inbound("x", T0, kind="return_request")], now=T0 + 48 * H)["x"]
    assert (o.kind, o.due_at, o.state) == ("return_request", T0 + 48 * H, "at_risk")
    assert compute([inbound("x", T0, kind="return_request")], now=T0 + 48 * H + S)["x"].breached


def test_return_decided_or_a_reply_ends_a_return_request():
    msg = inbound("x", T0, kind="return_request")
    decided = compute([msg], [ClockAction("return_decided", T0 + 48 * H)])["x"]
    assert (decided.state, decided.satisfied_by) == ("met", "return_decided")
    assert compute([msg, reply("r", T0 + 49 * H)])["x"].state == "met_late"


@pytest.mark.parametrize("kind", ["claim", "chargeback"])
def test_claims_and_chargebacks_have_72_hours_and_end_by_responded_elsewhere(kind):
    o = compute([inbound("x", T0, kind=kind)], now=T0 + 72 * H)["x"]
    assert (o.kind, o.due_at, o.state, o.claim_risk) == (kind, T0 + 72 * H, "at_risk", False)
    done = compute([inbound("x", T0, kind=kind)], [ClockAction("responded_elsewhere", T0 + 72 * H)])
    assert (done["x"].state, done["x"].satisfied_by) == ("met", "responded_elsewhere")
    wrong = compute([inbound("x", T0, kind=kind)], [ClockAction("return_decided", T0 + H)], T0 + H)
    assert wrong["x"].state == "pending"


def test_a_claim_follow_up_opens_no_second_obligation_even_after_the_response():
    msgs = [
        inbound("c1", T0, kind="claim"),
        inbound("c2", T0 + H, kind="claim"),
        inbound("decision", T0 + 100 * H, kind="claim"),
    ]
    assert list(compute(msgs, [ClockAction("responded_elsewhere", T0 + 2 * H)])) == ["c1"]


@pytest.mark.parametrize("kind", ["claim", "chargeback"])
@pytest.mark.parametrize("mail", ["seller_reply", "reply_confirmation"])
def test_no_mail_ends_a_claim_or_chargeback_only_responded_in_seller_central(kind, mail):
    # A mail to Amazon's guarantee address, or to the buyer, answers no claim.
    msgs = [inbound("x", T0, kind=kind), reply("r", T0 + H, kind=mail)]
    o = compute(msgs, now=T0 + 73 * H)["x"]
    assert (o.state, o.breached, o.satisfied_by) == ("overdue", True, None)
    done = compute(msgs, [ClockAction("responded_elsewhere", T0 + 2 * H, note="Proof sent")])
    assert (done["x"].state, done["x"].satisfied_at) == ("met", T0 + 2 * H)
    assert done["x"].satisfied_by == "responded_elsewhere"


def test_one_reply_ends_the_buyers_clocks_but_not_the_claim_beside_them():
    msgs = [inbound("q", T0), inbound("x", T0, kind="return_request"),
            inbound("c", T0, kind="claim"), reply("r", T0 + H)]
    got = compute(msgs, now=T0 + 2 * H)
    assert {k: o.state for k, o in got.items()} == {"q": "met", "x": "met", "c": "pending"}


def test_a_return_request_in_the_second_the_last_was_decided_opens_a_new_one():
    msgs = [inbound("x1", T0, kind="return_request"), inbound("x2", T0 + H, kind="return_request")]
    got = compute(msgs, [ClockAction("return_decided", T0 + H)], now=T0 + 2 * H)
    assert {k: o.state for k, o in got.items()} == {"x1": "met", "x2": "met"}


def test_a_return_request_after_the_last_was_decided_opens_a_new_one():
    msgs = [
        inbound("x1", T0, kind="return_request"),
        inbound("x2", T0 + H, kind="return_request"),  # follow-up while x1 is open
        inbound("x3", T0 + 10 * H, kind="return_request"),
    ]
    got = compute(msgs, [ClockAction("return_decided", T0 + 5 * H)], now=T0 + 11 * H)
    assert {k: o.state for k, o in got.items()} == {"x1": "met", "x3": "pending"}


# ---------------------------------------------------------------- open states


def test_at_risk_boundary_is_less_than_a_sixth_of_the_limit_left():
    def state(now):
        return compute([inbound("q", T0)], now=now)["q"].state

    assert state(T0 + 20 * H) == "pending"  # exactly 4 h left
    assert state(T0 + 20 * H + S) == "at_risk"
    assert state(T0 + 24 * H) == "at_risk"  # due now: not yet overdue
    assert state(T0 + 24 * H + S) == "overdue"


def test_claim_risk_after_48_hours_unanswered_only_while_open():
    def risk(now, *extra):
        return compute([inbound("q", T0), *extra], now=now)["q"].claim_risk

    assert not risk(T0 + 48 * H - S)
    assert risk(T0 + 48 * H)
    assert not risk(T0 + 60 * H, reply("r", T0 + 50 * H))


def test_a_deadline_already_set_stands_whatever_the_policy_says_now():
    """The limit was 24 h when "q" arrived; the seller has since set 48 h. "q" keeps its
    deadline (answered at 30 h: late), the new "q2" gets 48 h."""
    result = obligations_compute(
        messages=[inbound("q", T0), reply("r", T0 + 30 * H), inbound("q2", T0 + 40 * H)],
        actions=[], policy=Policy(buyer_reply_hours=48), now=T0 + 50 * H,
        deadlines={("q", "buyer_reply"): T0 + 24 * H},
    )
    got = {o.key: (o.state, o.due_at) for o in result}
    assert got == {"q": ("met_late", T0 + 24 * H), "q2": ("pending", T0 + 88 * H)}


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        inbound("q", datetime(2026, 1, 1))


# ---------------------------------------------------------------- daylight saving


@pytest.mark.parametrize(
    ("local", "zone", "due_local"),
    [
        (datetime(2026, 3, 28, 12), BERLIN, datetime(2026, 3, 29, 13)),  # CET -> CEST
        (datetime(2026, 3, 7, 12), NEW_YORK, datetime(2026, 3, 8, 13)),  # EST -> EDT
        (datetime(2026, 10, 31, 12), NEW_YORK, datetime(2026, 11, 1, 11)),  # EDT -> EST
        (datetime(2026, 10, 24, 12), BERLIN, datetime(2026, 10, 25, 11)),  # CEST -> CET
    ],
)
def test_24_hours_are_24_elapsed_hours_across_dst(local, zone, due_local):
    o = compute([inbound("q", local.replace(tzinfo=zone))])["q"]
    assert o.due_at - o.starts_at == 24 * H
    assert o.starts_at.tzinfo == UTC and o.due_at.tzinfo == UTC
    assert o.due_at.astimezone(zone).replace(tzinfo=None) == due_local


WEEKDAYS_9_TO_17 = {d: (time(9), time(17)) for d in range(5)}
EASTER = frozenset({date(2026, 4, 3), date(2026, 4, 6)})


def test_business_calendar_skips_the_weekend_and_holidays():
    cal = BusinessCalendar("Europe/Berlin", WEEKDAYS_9_TO_17, EASTER)
    start = datetime(2026, 4, 2, 15, tzinfo=BERLIN)  # Thursday before Good Friday
    # Thu 2 h, Fri + Sat + Sun + Easter Monday 0, Tue 8, Wed 8, Thu 6 h -> 15:00.
    assert cal.add_hours(start, 24) == datetime(2026, 4, 9, 15, tzinfo=BERLIN)
    o = compute([inbound("q", start)], policy=Policy(calendar=cal), now=start)["q"]
    assert (o.due_at, o.state) == (datetime(2026, 4, 9, 13, tzinfo=UTC), "pending")


def test_business_calendar_starts_counting_at_the_next_opening_and_across_dst():
    cal = BusinessCalendar("Europe/Berlin", WEEKDAYS_9_TO_17)
    assert cal.add_hours(datetime(2026, 3, 28, 12, tzinfo=BERLIN), 1) == datetime(
        2026, 3, 30, 10, tzinfo=BERLIN
    )
    friday = datetime(2026, 3, 27, 15, tzinfo=BERLIN)  # CET; due on Monday in CEST
    assert cal.add_hours(friday, 8) == datetime(2026, 3, 30, 13, tzinfo=UTC)
    sunday = BusinessCalendar("Europe/Berlin", {6: (time(0), time(23))})
    midnight = datetime(2026, 3, 29, 0, tzinfo=BERLIN)
    assert sunday.add_hours(midnight, 22) == datetime(2026, 3, 29, 23, tzinfo=BERLIN)
    assert sunday.add_hours(midnight, 22.5) == datetime(2026, 4, 5, 0, 30, tzinfo=BERLIN)


def test_a_calendar_without_working_time_raises():
    with pytest.raises(ValueError):
        BusinessCalendar("UTC", {}).add_hours(T0, 1)


# ---------------------------------------------------------------- the reference


REPLY_KINDS = ("seller_reply", "reply_confirmation")
ENDS = {"no_response_required": "buyer_reply", "responded_elsewhere": "claim chargeback"}
ENDS["return_decided"] = "return_request"


def reference(messages, actions, policy, now) -> list[Obligation]:
    """The rules written out by brute force, independently of the module."""
    limits = {"buyer_reply": policy.buyer_reply_hours, "return_request": policy.return_hours}
    limits["claim"] = limits["chargeback"] = policy.claim_hours
    done: list[Obligation] = []
    for m in sorted(messages, key=lambda m: (m.sent_at, m.key)):
        if m.direction != "in":
            continue
        if m.kind in ("buyer_message", "cancellation") and not m.is_auto:
            kind = "buyer_reply"
        elif m.kind in ("return_request", "claim", "chargeback"):
            kind = m.kind
            earlier = [o for o in done if o.kind == kind]
            if kind != "return_request" and earlier:
                continue
            if any(o.satisfied_at is None or o.satisfied_at > m.sent_at for o in earlier):
                continue
        else:
            continue
        start = m.sent_at
        if policy.calendar:
            due = policy.calendar.add_hours(start, limits[kind])
        else:
            due = start + timedelta(hours=limits[kind])
        candidates = []
        for r in messages:
            real = r.kind in REPLY_KINDS and not r.is_auto and not r.failed
            by_mail = kind in ("buyer_reply", "return_request")
            if r.direction == "out" and real and by_mail and r.sent_at >= start:
                candidates.append((r.sent_at, 0, r.key, r.key))
        for i, a in enumerate(actions):
            aimed = a.obligation_key is None or a.obligation_key == m.key
            if a.at >= start and kind in ENDS[a.kind].split() and aimed:
                candidates.append((a.at, 1, i, a.kind))
        if candidates:
            at, rank, _, by = min(candidates)
            late = at > due
            state = "met_late" if late else "met"
            if rank == 1 and by == "no_response_required":
                state = "no_response_required"
            risk = False
        else:
            at = by = None
            late = now > due
            state = "overdue" if late else "pending"
            if not late and due - now < timedelta(hours=limits[kind] * policy.at_risk_share):
                state = "at_risk"
            risk = kind == "buyer_reply" and (now - start) >= timedelta(
                hours=policy.claim_risk_hours
            )
        done.append(
            Obligation(m.key, kind, start, due, at, by, state, late, due if late else None, risk)
        )
    return done


def utc(o: Obligation) -> tuple:
    """An obligation with every datetime as a UTC instant, for comparing."""
    return tuple(v.astimezone(UTC) if isinstance(v, datetime) else v for v in vars(o).values())


# ---------------------------------------------------------------- random threads

# UTC instants near daylight-saving changes in several zones.
ANCHORS = [
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # Europe/Berlin spring forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # Europe/Berlin fall back
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # America/New_York spring forward
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # America/New_York fall back
    datetime(2026, 12, 31, 15, tzinfo=UTC),  # Asia/Tokyo new year
]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]
IN_KINDS = ["buyer_message"] * 4 + [
    "cancellation", "return_request", "return_request", "claim", "chargeback",
    "feedback", "opt_out", "notice", "other", "auto_reply", "seller_reply",
]  # fmt: skip
OUT_KINDS = ["seller_reply"] * 3 + ["reply_confirmation", "auto_reply", "notice"]
POLICIES = [
    Policy(),
    Policy(buyer_reply_hours=48, at_risk_share=0.25),
    Policy(calendar=BusinessCalendar("Europe/Berlin", WEEKDAYS_9_TO_17, EASTER)),
    Policy(
        calendar=BusinessCalendar("America/New_York", {d: (time(0), time(23)) for d in range(7)})
    ),
]


def flips(policy: Policy) -> list[float]:
    """Hours after a start at which something changes: due, at risk, claim risk."""
    hours = {0.0, float(policy.claim_risk_hours)}
    for limit in (policy.buyer_reply_hours, policy.return_hours, policy.claim_hours):
        hours |= {float(limit), limit * (1 - policy.at_risk_share)}
    return sorted(hours)


@st.composite
def moments(draw, anchor: datetime, earlier: list[datetime], steps: list[float]) -> datetime:
    """A moment: the same second as an earlier one, exactly a step after one (+-1 s), or a
    local wall time in some zone near a DST change."""
    how = draw(st.integers(0, 3)) if earlier else 3
    if how == 0:
        return draw(st.sampled_from(earlier))
    if how < 3:
        hours, seconds = draw(st.sampled_from(steps)), draw(st.sampled_from([-1, 0, 0, 1]))
        return draw(st.sampled_from(earlier)) + timedelta(hours=hours, seconds=seconds)
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    wall = anchor.astimezone(zone).replace(tzinfo=None)
    wall += timedelta(minutes=draw(st.integers(-3 * 24 * 60, 5 * 24 * 60)))
    # A Date header as written in the sender's zone, ambiguous and missing hours included.
    return wall.replace(tzinfo=zone, fold=draw(st.integers(0, 1))).astimezone(UTC)


OPENING_KINDS = ("buyer_message", "cancellation", "return_request", "claim", "chargeback")
ACTION_KINDS = ["no_response_required", "responded_elsewhere", "return_decided"]


@st.composite
def threads(draw):
    """Random in/out messages and actions (in any input order), a policy and a `now`."""
    policy = draw(st.sampled_from(POLICIES))
    steps = flips(policy) + [4.0, 47.0]
    anchor = draw(st.sampled_from(ANCHORS))
    count = draw(st.integers(0, 10))
    keys = [f"m{i}" for i in draw(st.permutations(range(count)))]
    times: list[datetime] = []
    messages, actions = [], []
    for key in keys:
        at = draw(moments(anchor, times, steps))
        times.append(at)
        if draw(st.integers(0, 4)) == 0:
            target = draw(st.sampled_from([None, None, "nope", *keys]))
            actions.append(ClockAction(draw(st.sampled_from(ACTION_KINDS)), at, target))
            continue
        direction = draw(st.sampled_from(["in", "out"]))
        kind = draw(st.sampled_from(IN_KINDS if direction == "in" else OUT_KINDS))
        auto, failed = draw(st.booleans()) and draw(st.booleans()), draw(st.integers(0, 4)) == 0
        messages.append(ClockMessage(key, direction, kind, auto, at, failed and direction == "out"))
    now = draw(moments(anchor, times, steps))
    opening = [m for m in messages if m.direction == "in" and m.kind in OPENING_KINDS]
    if opening and draw(st.integers(0, 3)):  # mostly right at a flip of some obligation
        first = draw(st.sampled_from(opening))
        kind = (
            first.kind if first.kind in ("return_request", "claim", "chargeback") else "buyer_reply"
        )
        limit = policy.limit_hours(kind)
        hours = [limit, limit * (1 - policy.at_risk_share), policy.claim_risk_hours]
        now = first.sent_at + timedelta(hours=draw(st.sampled_from(hours)))
        now += timedelta(seconds=draw(st.sampled_from([-1, 0, 0, 1])))
    return draw(st.permutations(messages)), actions, policy, now


@settings(max_examples=400, deadline=None)
@given(threads())
def test_matches_the_reference(thread):
    messages, actions, policy, now = thread
    got = obligations_compute(messages=messages, actions=actions, policy=policy, now=now)
    assert [utc(o) for o in got] == [utc(o) for o in reference(messages, actions, policy, now)]


@settings(max_examples=300, deadline=None)
@given(threads(), st.integers(0, 200 * 3600))
def test_a_breach_is_never_erased_by_time_or_later_events(thread, seconds):
    messages, actions, policy, now = thread
    before = obligations_compute(messages=messages, actions=actions, policy=policy, now=now)
    later = now + timedelta(seconds=seconds)
    earlier_only = [m for m in messages if m.sent_at <= now]
    earlier_acts = [a for a in actions if a.at <= now]
    past = obligations_compute(messages=earlier_only, actions=earlier_acts, policy=policy, now=now)
    after = {o.key: o for o in obligations_compute(
        messages=messages, actions=actions, policy=policy, now=later
    )}  # fmt: skip
    for o in past:  # what was known at `now` can only be confirmed by what comes after
        if o.breached:
            assert after[o.key].breached and after[o.key].breached_at == o.due_at
    for o in before:
        assert o.due_at > o.starts_at
        assert o.satisfied_at is None or o.satisfied_at >= o.starts_at
        assert o.breached == (o.breached_at is not None)
        if policy.calendar is None:
            assert o.due_at - o.starts_at == timedelta(hours=policy.limit_hours(o.kind))


def brute_add_hours(cal: BusinessCalendar, start: datetime, hours: int) -> datetime:
    """Walk UTC in 5-minute steps, counting the steps whose local wall time is working time."""
    zone, step, need, t = ZoneInfo(cal.time_zone), timedelta(minutes=5), hours * 12, start
    while need:
        local = t.astimezone(zone)
        opening_closing = cal.hours.get(local.weekday())
        working_day = opening_closing and local.date() not in cal.holidays
        if working_day and opening_closing[0] <= local.time() < opening_closing[1]:
            need -= 1
        t += step
    # The due moment is the end of the last working step, not the start of the next one.
    return t


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Tokyo"]),
    st.dictionaries(
        st.integers(0, 6),
        st.tuples(st.sampled_from([0, 6, 8, 9]), st.sampled_from([13, 16, 17, 20, 23])),
        min_size=1,
    ),
    st.sets(st.integers(0, 20)),
    st.sampled_from(ANCHORS),
    st.integers(-3 * 24 * 12, 3 * 24 * 12),
    st.integers(1, 30),
)
def test_add_hours_matches_a_minute_walk(zone, hours, holidays, anchor, steps, limit):
    cal = BusinessCalendar(
        zone,
        {d: (time(a), time(b)) for d, (a, b) in hours.items()},
        frozenset(anchor.date() + timedelta(days=d - 5) for d in holidays),
    )
    start = anchor + timedelta(minutes=5 * steps)
    assert cal.add_hours(start, limit) == brute_add_hours(cal, start, limit)

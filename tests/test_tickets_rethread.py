"""Same mail, any order: tickets and clocks are a function of the mail held, not of the order
or the runs it came in (``tickets.rethread``, the replay in ``mail.batch_store``)."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_support import NOW, filed, shown_after
from mails import (
    FIXTURE_MAIL,
    amazon_body,
    build_mail,
    buyer_message,
    chargeback_notice,
    claim_notice,
    kaufland_message,
    mail_date,
    received_by_seller,
    return_request_notice,
    seller_central_copy,
    seller_reply,
)

from helpdesk.derived import tickets_derived_refresh
from helpdesk.mail.parse import parse_mail
from helpdesk.mail.services import mails_ingest
from helpdesk.mail.sources.files import mails_read, paths_expand
from helpdesk.replies.outbox import outbox_create
from helpdesk.replies.sending import outbox_mark_sent
from helpdesk.sla.actions import ticket_clock_end, ticket_resolve
from helpdesk.sla.models import Obligation, Violation
from helpdesk.sla.sweep import sla_sweep
from helpdesk.tickets.models import Message, Ticket, TicketKind, TicketStatus, TimelineEvent
from helpdesk.tickets.rethread import message_split, tickets_merge

pytestmark = pytest.mark.django_db


def fixture_mails() -> list[bytes]:
    paths = [p for p in paths_expand([FIXTURE_MAIL]) if p.suffix == ".eml"]
    return [raw for path in paths for _, raw in mails_read(path)]


def date_order(mails: list[bytes]) -> list[bytes]:
    """As written: by the Date header (mail without one last, as it is dated on arrival)."""
    def written(raw: bytes) -> datetime:
        date = parse_mail(raw).date
        return date if date is not None and date <= NOW else NOW
    return sorted(mails, key=written)


def shuffled_runs(mails: list[bytes], seed: int, runs: int) -> list[list[bytes]]:
    order = mails[:]
    random.Random(seed).shuffle(order)
    cuts = sorted(random.Random(seed + 1).sample(range(1, len(order)), runs - 1))
    return [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]


# -- every thread of fixtures/mail, in any order and any runs ---------------------------------

@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), runs=st.integers(1, 5))
def test_fixture_mail_in_any_order_and_runs_shows_what_date_order_shows(seed, runs):
    mails = fixture_mails()
    expected = filed([date_order(mails)])
    assert filed(shuffled_runs(mails, seed, runs)) == expected


# -- generated threads of every kind ------------------------------------------------------------

def conversation(n: int, start: datetime, shape: list[str]) -> list[bytes]:
    """One buyer's conversation about one order: the events of ``shape`` an hour or more
    apart (``gap`` events make a late reply; ``skew`` a reply from a computer whose clock
    runs slow, dated before the question it answers), each mail naming what real mail names."""
    alias, order = f"buyer{n:03d}", f"1{n:02d}-{n:07d}-{n:07d}"
    tld = MARKETPLACES[n % len(MARKETPLACES)]
    mails, t, last_buyer, asked = [], start, None, start
    for step, event in enumerate(shape):
        t += timedelta(hours=30 if event == "gap" else 1 + step)
        k = n * 100 + step
        if event in ("buyer", "followup"):
            refs = f"<s{k - 1}@seller.test>" if event == "followup" and step else None
            mails.append(buyer_message(k, t, alias=alias, order=order, refs=refs, tld=tld,
                                       subject="Re: Question" if event == "followup"
                                       else "Question"))
            last_buyer, asked = f"<b{k}@amazon.test>", t
        elif event in ("reply", "auto") and last_buyer:
            mails.append(seller_reply(k, t, alias=alias, refs=last_buyer, auto=event == "auto",
                                      tld=tld))
        elif event == "skew" and last_buyer:
            mails.append(seller_reply(k, asked - timedelta(minutes=10), alias=alias,
                                      refs=last_buyer, tld=tld))
        elif event == "copy":
            mails.append(seller_central_copy(k, t, order=order, name=f"Buyer {alias}"))
        elif event in ("claim", "decision"):
            mails.append(claim_notice(k, t, order=order, decision=event == "decision"))
        elif event == "return":
            mails.append(return_request_notice(k, t, order=order))
        elif event == "chargeback":
            mails.append(chargeback_notice(k, t, order=order))
        elif event == "kaufland":
            kaufland_order = f"MK{n:05d}"
            mails.append(kaufland_message(k, t, customer=alias, order=kaufland_order))
            mails.append(seller_reply(k + 50, t + timedelta(hours=20), alias=alias,
                                      to=f"kunde-{alias}@kaufland-marktplatz.de",
                                      refs=f"<k{k}@kaufland-marktplatz.de>",
                                      subject=f"Re: Bestellung {kaufland_order}"))
    return mails


# Buyers of several Amazon marketplaces (each has its own clock policy and language).
MARKETPLACES = ["com", "de", "fr", "it", "es", "co.jp", "co.uk", "ca"]
EVENTS = ["buyer", "reply", "auto", "copy", "followup", "gap", "claim", "decision", "return",
          "chargeback", "kaufland", "skew"]


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    shapes=st.lists(
        st.lists(st.sampled_from(EVENTS), min_size=1, max_size=7).map(lambda s: ["buyer", *s]),
        min_size=1, max_size=6,
    ),
    seed=st.integers(0, 10**6), runs=st.integers(1, 4),
)
def test_generated_threads_in_any_order_and_runs_show_what_date_order_shows(shapes, seed, runs):
    start = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    mails = [m for n, shape in enumerate(shapes) for m in conversation(n + 1, start, shape)]
    expected = filed([date_order(mails)])
    assert filed(shuffled_runs(mails, seed, min(runs, len(mails)))) == expected


def _swept(runs: list[tuple[datetime, list[bytes]]]) -> dict:
    """What the seller sees after filing each run at its time with the SLA sweep after it,
    then a last sweep at ``NOW``; with the breaches that stand (kind, start, due) and whether
    they are exactly the breached clocks, each once. Rolled back."""
    def file() -> None:
        for at, run in runs:
            with time_machine.travel(at, tick=False):
                mails_ingest([("files", raw) for raw in run])
                sla_sweep()
        sla_sweep()

    def breaches() -> dict:
        standing = Violation.objects.filter(withdrawn_at=None)
        breached = Obligation.objects.filter(breached=True)
        return {
            "breaches": sorted(standing.values_list("kind", "starts_at", "due_at")),
            "one per breached clock": sorted(standing.values_list("obligation_id", flat=True))
            == sorted(breached.values_list("pk", flat=True)),
        }
    return shown_after(file, also=breaches)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    shapes=st.lists(
        st.lists(st.sampled_from(EVENTS), min_size=1, max_size=6).map(lambda s: ["buyer", *s]),
        min_size=1, max_size=4,
    ),
    seed=st.integers(0, 10**6), runs=st.integers(1, 4),
    waits=st.lists(st.sampled_from([1, 10, 30]), min_size=4, max_size=4),
)
def test_threads_filed_over_days_with_the_sweep_between_show_what_date_order_shows(
    shapes, seed, runs, waits
):
    """Runs come hours or days apart and the sweep records breaches in between, some of
    which the mail of a later run disproves: in the end the breaches that stand are those
    of the clocks missed, once each, as if all mail had come at once in the order written."""
    start = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    mails = [m for n, shape in enumerate(shapes) for m in conversation(n + 1, start, shape)]
    at, timed = start, []
    for run, wait in zip(shuffled_runs(mails, seed, min(runs, len(mails))), waits, strict=False):
        at = max(at, *(parse_mail(raw).date for raw in run)) + timedelta(hours=wait)
        timed.append((min(at, NOW), run))
    expected = _swept([(NOW, date_order(mails))])
    assert expected["one per breached clock"]
    assert _swept(timed) == expected


# -- odd but real mail ----------------------------------------------------------------------------

def _relayed(n: int, date: str | None, *, alias: str = "eli", words: str = "Hello?",
             refs: str = "") -> bytes:
    """A buyer's relayed message with the Date header exactly as given (or none)."""
    headers = {"In-Reply-To": refs.split()[-1], "References": refs} if refs else {}
    return build_mail(
        message_id=f"<b{n}@amazon.test>", date=date, subject=f"Question (Order: {ORDER})",
        sender=f'"Buyer {alias} - Amazon Marketplace" <{alias}@marketplace.amazon.com>',
        body=amazon_body(words, order_id=ORDER), headers=headers,
    )


def _odd_mail(case: str) -> list[bytes]:
    hour = timedelta(hours=1)
    other = "114-7654321-7654321"
    match case:
        case "references in a cycle":
            return [buyer_message(1, T0, alias="eli", order=ORDER, refs="<b2@amazon.test>"),
                    buyer_message(2, T0 + hour, alias="fay", order=other, refs="<b1@amazon.test>"),
                    seller_reply(3, T0 + 2 * hour, alias="fay", refs="<b2@amazon.test>")]
        case "a mail referencing itself":
            return [buyer_message(1, T0, alias="eli", order=ORDER, refs="<b1@amazon.test>"),
                    seller_reply(2, T0 + hour, alias="eli", refs="<b1@amazon.test>"),
                    buyer_message(3, T0 + 30 * hour, alias="eli", order=ORDER,
                                  subject="Re: Question", refs="<b3@amazon.test>")]
        case "hundreds of references":
            many = " ".join(f"<x{i}@amazon.test>" for i in range(300))
            return [buyer_message(1, T0, alias="eli", order=ORDER),
                    seller_reply(2, T0 + hour, alias="eli", refs=f"{many} <b1@amazon.test>"),
                    buyer_message(3, T0 + 2 * hour, alias="fay", order=other,
                                  refs="<x7@amazon.test>")]
        case "a reply to another buyer's mail":
            return [buyer_message(1, T0, alias="eli", order=ORDER),
                    buyer_message(2, T0 + hour, alias="fay", order=other, refs="<b1@amazon.test>"),
                    buyer_message(3, T0 + 2 * hour, alias="fay", order=other),
                    seller_reply(4, T0 + 3 * hour, alias="fay", refs="<b3@amazon.test>")]
        case "no Date, before 1970, without a zone":
            return [_relayed(1, None), _relayed(2, "Mon, 05 Oct 1960 10:00:00 +0000"),
                    _relayed(3, "Wed, 18 Nov 2026 09:00:00", alias="fay"),
                    seller_reply(4, T0 + hour, alias="fay", refs="<b3@amazon.test>")]
        case "a reply dated before its question":
            return [buyer_message(1, T0, alias="eli", order=ORDER),
                    seller_reply(2, T0 - timedelta(minutes=10), alias="eli",
                                 refs="<b1@amazon.test>"),
                    buyer_message(3, T0 + 30 * hour, alias="eli", order=ORDER,
                                  subject="Re: Question", refs="<s2@seller.test>")]
        case "an auto-reply first":
            return [seller_reply(2, T0 + timedelta(minutes=1), alias="eli", auto=True,
                                 refs="<b1@amazon.test>"),
                    buyer_message(1, T0, alias="eli", order=ORDER),
                    seller_central_copy(3, T0 + 30 * hour, order=ORDER, name="Buyer eli")]
        case "a Kaufland follow-up naming only the order":
            return [kaufland_message(1, T0, customer="k7", order="MK00007"),
                    kaufland_message(2, T0 + 3 * hour, customer="k7", order="MK00007"),
                    seller_reply(3, T0 + 60 * hour, alias="k7",
                                 to="kunde-k7@kaufland-marktplatz.de",
                                 refs="<k1@kaufland-marktplatz.de>", subject="Re: Bestellung")]
    raise AssertionError(case)


@pytest.mark.parametrize("case", [
    "references in a cycle", "a mail referencing itself", "hundreds of references",
    "a reply to another buyer's mail", "no Date, before 1970, without a zone",
    "a reply dated before its question", "an auto-reply first",
    "a Kaufland follow-up naming only the order",
])
def test_odd_mail_in_any_order_and_runs_shows_what_date_order_shows(case):
    mails = _odd_mail(case)
    expected = filed([date_order(mails)])
    for seed in range(3):
        order = mails[:]
        random.Random(seed).shuffle(order)
        assert filed([order]) == expected
        assert filed([[mail] for mail in reversed(order)]) == expected


def test_a_question_dated_in_the_future_is_answered_alike_whenever_it_is_filed():
    """The buyer's mail carries a Date in 2099 (a sender's clock gone wrong); the seller's
    server took it in at T0 and the seller answered two hours later. Fetched at once or
    imported days later with the backlog, the answer meets the question's clock."""
    question = received_by_seller(
        _relayed(1, "Thu, 01 Jan 2099 00:00:00 +0000", alias="eli"), T0
    )
    reply = seller_reply(2, T0 + timedelta(hours=2), alias="eli", refs="<b1@amazon.test>")
    clocks = []
    for runs in ([(T0 + timedelta(minutes=1), [question]), (T0 + timedelta(hours=3), [reply])],
                 [(T0 + timedelta(days=3), [reply, question])]):
        with transaction.atomic():
            for at, run in runs:
                with time_machine.travel(at, tick=False):
                    mails_ingest([("backlog", raw) for raw in run])
            clocks.append(list(Obligation.objects.values_list("state", "starts_at")))
            transaction.set_rollback(True)
    assert clocks == [[("met", T0)], [("met", T0)]]


def test_a_question_dated_1970_by_a_dead_clock_is_answered_in_time():
    """The buyer's device has lost its clock and dates the mail 1970; the seller's server
    took it in at T0 and the seller answered an hour later: no breach, and the question
    counts in the period it came in."""
    question = received_by_seller(
        _relayed(1, "Thu, 01 Jan 1970 00:00:00 +0000", alias="eli"), T0
    )
    reply = seller_reply(2, T0 + timedelta(hours=1), alias="eli", refs="<b1@amazon.test>")
    file_in([[question], [reply]])
    assert list(Obligation.objects.values_list("state", "starts_at")) == [("met", T0)]
    with time_machine.travel(NOW, tick=False):
        sla_sweep()
    assert not Violation.objects.exists()


# -- the four causes, each with its own mails ---------------------------------------------------

T0 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
ORDER = "114-1234567-1234567"


def file_in(runs: list[list[bytes]]) -> None:
    with time_machine.travel(NOW, tick=False):
        for number, run in enumerate(runs):
            mails_ingest([(f"run{number}", raw) for raw in run])


def test_a_seller_central_copy_before_the_question_joins_its_ticket_and_stops_the_clock():
    question = buyer_message(1, T0, alias="megan", order=ORDER)
    copy = seller_central_copy(2, T0 + timedelta(hours=3), order=ORDER, name="Megan")
    file_in([[copy], [question]])
    ticket = Ticket.objects.get()
    assert ticket.kind == TicketKind.BUYER_MESSAGE
    assert ticket.messages.count() == 2
    clock = Obligation.objects.get(kind="buyer_reply")
    assert clock.state == "met" and clock.satisfied_at == T0 + timedelta(hours=3)


def test_the_sellers_reply_from_the_sent_folder_first_leaves_a_buyer_ticket_waiting():
    question = buyer_message(1, T0, alias="ana", order=ORDER)
    reply = seller_reply(2, T0 + timedelta(hours=2), alias="ana", refs="<b1@amazon.test>")
    file_in([[reply], [question]])
    ticket = Ticket.objects.get()
    assert ticket.kind == TicketKind.BUYER_MESSAGE
    assert ticket.status == TicketStatus.WAITING
    assert Obligation.objects.get().state == "met"


def test_the_buyer_writing_last_leaves_the_ticket_open_whatever_came_first():
    question = buyer_message(1, T0, alias="ana", order=ORDER)
    reply = seller_reply(2, T0 + timedelta(hours=2), alias="ana", refs="<b1@amazon.test>")
    again = buyer_message(3, T0 + timedelta(hours=5), alias="ana", order=ORDER, subject="Re: Question",
                  refs="<s2@seller.test>")
    file_in([[again], [reply], [question]])
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.OPEN
    assert sorted(Obligation.objects.values_list("state", flat=True)) == ["met", "overdue"]


def test_a_claim_decision_before_its_claim_opens_one_claim_ticket_and_one_clock():
    decision = claim_notice(2, T0 + timedelta(days=2), order=ORDER, decision=True)
    received = claim_notice(1, T0, order=ORDER)
    file_in([[decision], [received]])
    assert Ticket.objects.filter(kind=TicketKind.CLAIM).count() == 1
    assert Ticket.objects.count() == 1
    assert Obligation.objects.filter(kind="claim").count() == 1


def test_two_replies_to_a_missing_parent_join_it_when_it_arrives():
    parent = buyer_message(1, T0, alias="kai", order="", subject="Mug size")
    first = seller_reply(2, T0 + timedelta(hours=1), alias="kai", refs="<b1@amazon.test>",
                         subject="Re: Mug size")
    second = seller_reply(3, T0 + timedelta(hours=2), alias="kai", refs="<b1@amazon.test>",
                          subject="About your mug")
    file_in([[first], [second], [parent]])
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().messages.count() == 3
    assert Obligation.objects.get().satisfied_at == T0 + timedelta(hours=1)


def test_mail_answering_a_question_that_comes_last_joins_it_when_a_reply_is_dated_before_it():
    """The seller's computer clock runs ten minutes slow, so its answer is dated before the
    question; the seller also forwarded the question to the warehouse. When the question is
    filed last, the forward (which names no buyer) still joins it, as in the order written."""
    question = buyer_message(1, T0, alias="kai", order=ORDER)
    skewed = seller_reply(2, T0 - timedelta(minutes=10), alias="kai", refs="<b1@amazon.test>")
    forward = seller_reply(3, T0 + timedelta(hours=1), alias="kai", refs="<b1@amazon.test>",
                           to="warehouse@example-seller.com", subject="Fwd: Question")
    expected = filed([[question, skewed, forward]])
    assert len(expected["tickets"]) == 1
    assert filed([[skewed], [forward], [question]]) == expected


def test_a_clock_that_later_mail_no_longer_produces_is_withdrawn_and_its_breach_kept():
    question = buyer_message(1, T0, alias="lea", order=ORDER)
    file_in([[question]])
    with time_machine.travel(T0 + timedelta(hours=30), tick=False):
        sla_sweep()
    violation = Violation.objects.get()
    assert violation.withdrawn_at is None
    # The Seller Central copy of a reply sent in time arrives only now.
    copy = seller_central_copy(2, T0 + timedelta(hours=4), order=ORDER, name="Lea")
    file_in([[copy]])
    violation.refresh_from_db()
    assert violation.withdrawn_at is not None
    assert "met in time" in violation.withdrawn_reason
    assert Obligation.objects.get().state == "met"
    assert TimelineEvent.objects.filter(kind="clock_breach_withdrawn").exists()


def test_a_breach_withdrawn_then_missed_again_after_a_split_counts_once_more(agent):
    """The late copy of a reply withdrew the breach; an agent then splits that reply off as
    another conversation, so the question stands unanswered again: its breach must count."""
    question = buyer_message(1, T0, alias="lea", order=ORDER)
    file_in([[question]])
    with time_machine.travel(T0 + timedelta(hours=30), tick=False):
        sla_sweep()
    file_in([[seller_central_copy(2, T0 + timedelta(hours=4), order=ORDER, name="Lea")]])
    withdrawn = Violation.objects.get()
    assert withdrawn.withdrawn_at is not None
    reply = Message.objects.get(message_id="<c2@amazonses.test>")
    with time_machine.travel(NOW, tick=False):
        old, new = message_split(message=reply, actor=agent, reason="another order's answer")
        tickets_derived_refresh(ticket_ids={old.pk, new.pk})
        sla_sweep()
    clock = Obligation.objects.get(message__message_id="<b1@amazon.test>")
    assert clock.breached
    standing = Violation.objects.get(withdrawn_at=None)
    assert standing.ticket_id == clock.ticket_id and standing.due_at == clock.due_at
    # The withdrawn record is kept as it was.
    withdrawn.refresh_from_db()
    assert withdrawn.withdrawn_at is not None and withdrawn.due_at == standing.due_at
    assert Violation.objects.count() == 2


def test_a_copy_answers_the_same_ticket_whichever_of_two_mails_of_one_second_came_first():
    """Amazon sends a return request and the buyer's message about it in the same second;
    the Seller Central copy of the answer, an hour later, names only the order. Which ticket
    it answers (and whose clock it stops) must not follow which of the two was fetched
    first."""
    question = buyer_message(1, T0, alias="uma", order=ORDER)
    request = return_request_notice(2, T0, order=ORDER)
    copy = seller_central_copy(3, T0 + timedelta(hours=1), order=ORDER, name="Uma")
    expected = filed([[question, request, copy]])
    for runs in ([[request], [question], [copy]], [[question], [request], [copy]],
                 [[request, question], [copy]]):
        assert filed(runs) == expected


def test_a_copy_answers_the_ticket_a_late_reply_made_the_most_recent_one():
    """A buyer asks, then Amazon sends a return request for the order; the seller answers
    the question from their mail client, and later a Seller Central copy (naming only the
    order) answers too. When the Sent folder is fetched last, the copy had gone to the
    return request (then the latest activity on the order) and stopped its clock; the reply
    arriving proves the question's ticket was the latest, as in the order written."""
    question = buyer_message(1, T0, alias="ida", order=ORDER)
    request = return_request_notice(2, T0 + timedelta(hours=2), order=ORDER)
    reply = seller_reply(3, T0 + timedelta(hours=4), alias="ida", refs="<b1@amazon.test>")
    copy = seller_central_copy(4, T0 + timedelta(hours=6), order=ORDER, name="Ida")
    expected = filed([[question, request, reply, copy]])
    assert filed([[request, question], [copy], [reply]]) == expected


# -- agents correct threading by hand -----------------------------------------------------------

@pytest.fixture
def agent(django_user_model):
    return django_user_model.objects.create_user("agent7")


def test_merge_by_hand_moves_everything_and_later_mail_keeps_it(agent):
    file_in([[buyer_message(1, T0, alias="ann", order=ORDER, subject="Cup")],
             [buyer_message(2, T0 + timedelta(hours=1), alias="bob", order="", subject="Lid")]])
    older, newer = Ticket.objects.order_by("pk")
    newer.assignee = agent
    newer.save()
    survivor = tickets_merge(survivor=older, merged=newer, reason="same household", actor=agent)
    assert Ticket.objects.count() == 1
    assert survivor.messages.count() == 2
    assert survivor.assignee == agent
    assert survivor.timeline.filter(kind="merged", text__contains="same household").exists()
    # A later mail of bob's does not pull his message back out.
    file_in([[buyer_message(3, T0 - timedelta(hours=1), alias="bob", order="", subject="Lid")]])
    assert Message.objects.get(message_id="<b2@amazon.test>").ticket_id == survivor.pk


def test_split_by_hand_makes_a_ticket_that_later_mail_does_not_undo(agent):
    file_in([[buyer_message(1, T0, alias="cy", order=ORDER, subject="Cup"),
              buyer_message(2, T0 + timedelta(hours=1), alias="cy", order=ORDER, subject="Other")]])
    ticket = Ticket.objects.get()
    moved = Message.objects.get(message_id="<b2@amazon.test>")
    old, new = message_split(message=moved, actor=agent, reason="a second question")
    assert new.messages.get() == moved
    assert old.timeline.filter(kind="split").exists() and new.timeline.filter(kind="split").exists()
    file_in([[buyer_message(3, T0 - timedelta(hours=2), alias="cy", order=ORDER, subject="Cup")]])
    assert Message.objects.get(pk=moved.pk).ticket_id == new.pk
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_a_late_mail_does_not_put_back_together_what_an_agent_split(agent):
    file_in([[buyer_message(1, T0, alias="cy", order=ORDER, subject="Cup"),
              buyer_message(2, T0 + timedelta(hours=1), alias="cy", order=ORDER, subject="Other")]])
    first = Message.objects.get(message_id="<b1@amazon.test>")
    old, new = message_split(message=first, actor=agent, reason="not about the cup")
    # A mail the buyer wrote before both comes only now: the order and the buyer it names
    # are the split message's too, and must not pull the rest back to it.
    file_in([[buyer_message(3, T0 - timedelta(hours=2), alias="cy", order=ORDER, subject="Lid")]])
    by_ticket = {}
    for message_id, ticket_id in Message.objects.values_list("message_id", "ticket_id"):
        by_ticket.setdefault(ticket_id, set()).add(message_id)
    assert by_ticket[new.pk] == {"<b1@amazon.test>"}
    assert "<b2@amazon.test>" not in by_ticket[new.pk]
    assert Message.objects.get(message_id="<b2@amazon.test>").ticket_id == old.pk


def test_mail_after_a_split_or_merge_by_hand_is_threaded_alike_in_any_order(agent):
    """What an agent did by hand stays, and the mail that comes after it, in whatever order,
    makes the same tickets: a Seller Central copy that could answer either half of a split
    lands in the same one every time."""
    before = [buyer_message(1, T0, alias="cy", order=ORDER, subject="Cup"),
              buyer_message(2, T0 + timedelta(hours=1), alias="cy", order=ORDER, subject="Other"),
              buyer_message(3, T0 + timedelta(minutes=10), alias="dan", order="", subject="Lid")]
    after = [buyer_message(4, T0 - timedelta(hours=1), alias="cy", order=ORDER, subject="Cup"),
             seller_reply(5, T0 + timedelta(hours=2), alias="cy", refs="<b2@amazon.test>"),
             seller_central_copy(6, T0 + timedelta(minutes=30), order=ORDER, name="Cy"),
             buyer_message(7, T0 + timedelta(hours=3), alias="cy", order=ORDER,
                           subject="Re: Cup", refs="<b1@amazon.test>"),
             buyer_message(8, T0 - timedelta(minutes=5), alias="dan", order="", subject="Lid")]

    def by_hand() -> None:
        file_in([before])
        first = Message.objects.get(message_id="<b1@amazon.test>")
        old, new = message_split(message=first, actor=agent, reason="a second question")
        lid = Message.objects.get(message_id="<b3@amazon.test>").ticket
        tickets_merge(survivor=new, merged=lid, reason="same household", actor=agent)
        tickets_derived_refresh(ticket_ids={old.pk, new.pk})

    seen = set()
    for seed in range(6):
        order = after[:]
        random.Random(seed).shuffle(order)
        shown_now = shown_after(lambda order=order: (by_hand(), file_in([[m] for m in order])))
        together = [{m["message_id"] for m in t["messages"]} for t in shown_now["tickets"]]
        assert not any({"<b1@amazon.test>", "<b2@amazon.test>"} <= t for t in together)
        seen.add(repr(shown_now))
    assert len(seen) == 1


def test_every_kind_of_thread_with_agents_acting_between_runs_ends_alike_in_any_order(agent):
    """One order's buyer question (and the seller's auto-acknowledgement), return request and
    A-to-z claim arrive over three fetches, in any order within each and split anyhow; an agent
    answers from the product after the first, marks the buyer's "thanks" as needing no answer
    after the second; the third brings a Seller Central copy and a question the buyer wrote
    before everything, held up on its way. The sweep runs after every fetch."""
    hour = timedelta(hours=1)
    fetches = [
        (T0 + 6 * hour, [buyer_message(1, T0, alias="eli", order=ORDER),
                         seller_reply(2, T0 + timedelta(minutes=1), alias="eli",
                                      refs="<b1@amazon.test>", auto=True),
                         return_request_notice(3, T0 + hour, order=ORDER)]),
        (T0 + 8 * hour, [buyer_message(4, T0 + 7 * hour, alias="eli", order=ORDER,
                                       subject="Re: Question", words="Thanks!"),
                         claim_notice(5, T0 + 2 * hour, order=ORDER)]),
        (T0 + 30 * hour, [seller_central_copy(6, T0 + 3 * hour, order=ORDER, name="Buyer eli"),
                          buyer_message(7, T0 - hour, alias="eli", order=ORDER,
                                        words="Is it gift wrapped?")]),
    ]

    def fetch(at: datetime, mails: list[bytes], rng: random.Random) -> None:
        mails = rng.sample(mails, len(mails))
        cut = rng.randint(0, len(mails))
        with time_machine.travel(at, tick=False):
            for run in (mails[:cut], mails[cut:]):
                mails_ingest([("files", raw) for raw in run])
            sla_sweep()

    def file(rng: random.Random) -> None:
        fetch(*fetches[0], rng)
        with time_machine.travel(T0 + 6 * hour + timedelta(minutes=5), tick=False):
            ticket = Message.objects.get(message_id="<b1@amazon.test>").ticket
            reply = outbox_create(ticket=ticket, author=agent, subject="Re: Question",
                                  body="Hello Eli, it ships today.")
            outbox_mark_sent(reply, at=T0 + 6 * hour + timedelta(minutes=5), raw=None)
        fetch(*fetches[1], rng)
        with time_machine.travel(T0 + 9 * hour, tick=False):
            ticket = Message.objects.get(message_id="<b4@amazon.test>").ticket
            ticket_clock_end(ticket=ticket, actor=agent, kind="no_response_required")
        fetch(*fetches[2], rng)

    def clocks() -> dict:
        return {
            "clocks": sorted(Obligation.objects.values_list(
                "message__message_id", "kind", "state", "satisfied_at")),
            "breaches": sorted(Violation.objects.filter(withdrawn_at=None).values_list(
                "kind", "starts_at")),
        }

    seen = []
    for seed in range(5):
        shown_now = shown_after(lambda seed=seed: file(random.Random(seed)), also=clocks)
        for ticket in shown_now["tickets"]:  # the product's reply has a Message-ID of its own
            for message in ticket["messages"]:
                if message["message_id"].endswith(".reply@example-seller.com>"):
                    message["message_id"] = "<the product's reply>"
        seen.append(shown_now)
    assert all(shown_now == seen[0] for shown_now in seen)
    replied, thanked = T0 + 6 * hour + timedelta(minutes=5), T0 + 9 * hour
    assert seen[0]["clocks"] == [
        ("<b1@amazon.test>", "buyer_reply", "met", replied),  # not by the auto-acknowledgement
        ("<b4@amazon.test>", "buyer_reply", "no_response_required", thanked),
        ("<b7@amazon.test>", "buyer_reply", "met", replied),  # written before the reply
        ("<r3@amazonses.test>", "return_request", "met", T0 + 3 * hour),
        ("<z5@amazonses.test>", "claim", "pending", None),
    ]
    assert seen[0]["breaches"] == []


# -- bounded work -------------------------------------------------------------------------------

def late_merge_queries(unrelated: int) -> int:
    """Queries taken by a late question that joins two tickets, with ``unrelated`` other
    conversations in the database."""
    others = [buyer_message(1000 + n, T0, alias=f"other{n}", order=f"9{n:02d}-0000000-{n:07d}")
              for n in range(unrelated)]
    copy = seller_central_copy(2, T0 + timedelta(hours=3), order=ORDER, name="Megan")
    file_in([others, [copy]])
    with CaptureQueriesContext(connection) as queries:
        file_in([[buyer_message(1, T0, alias="megan", order=ORDER)]])
    assert Ticket.objects.filter(order__order_id=ORDER).count() == 1
    return len(queries)


def test_a_late_mail_costs_work_for_the_tickets_it_touches_not_for_the_database():
    counts = []
    for unrelated in (3, 60):
        try:
            with transaction.atomic():
                counts.append(late_merge_queries(unrelated))
                raise RuntimeError("undo")
        except RuntimeError:
            pass
    assert counts[0] == counts[1]


def test_an_agents_resolve_stands_when_late_mail_of_before_arrives(agent):
    file_in([[buyer_message(1, T0, alias="rui", order=ORDER),
              buyer_message(2, T0 + timedelta(hours=2), alias="rui", order=ORDER,
                            subject="Re: Question", words="Thanks, all good!")]])
    ticket = Ticket.objects.get()
    with time_machine.travel(NOW, tick=False):
        ticket_clock_end(ticket=ticket, actor=agent, kind="no_response_required")
        ticket_resolve(ticket=ticket, actor=agent)
    # The copy of the answer sent in between arrives only now: the buyer still wrote last,
    # but the agent resolved the ticket after reading that.
    file_in([[seller_central_copy(3, T0 + timedelta(hours=1), order=ORDER, name="Rui")]])
    assert Ticket.objects.get().status == TicketStatus.RESOLVED
    # A new question reopens it.
    file_in([[buyer_message(4, NOW + timedelta(minutes=1), alias="rui", order=ORDER,
                            subject="Re: Question")]])
    assert Ticket.objects.get().status == TicketStatus.OPEN


def test_the_tickets_marketplace_is_the_buyers_whatever_mail_came_first():
    """Amazon's Seller Central copies come from amazon.com for every marketplace: one filed
    first must not make an Italian buyer's ticket a US one."""
    question = buyer_message(1, T0, alias="gio", order=ORDER, tld="it")
    copy = seller_central_copy(2, T0 + timedelta(hours=2), order=ORDER, name="Gio")
    file_in([[copy], [question]])
    assert Ticket.objects.get().channel.code == "amazon-it"


def test_the_product_counted_for_a_ticket_is_the_first_one_asked_about_whatever_came_first():
    """Complaints are counted per product (the ticket's ASIN): a buyer asking about two items
    of one order must not move the count to the second item because its mail came first."""
    def question(n: int, t: datetime, asin: str) -> bytes:
        return build_mail(
            message_id=f"<b{n}@amazon.test>", date=mail_date(t), subject=f"Question (Order: {ORDER})",
            sender='"Ivo - Amazon Marketplace" <ivo@marketplace.amazon.com>',
            body=amazon_body("Is this the right lid?", order_id=ORDER, asin=asin),
        )
    first, second = question(1, T0, "B000000AAA"), question(2, T0 + timedelta(hours=1), "B000000BBB")
    for runs in ([[first], [second]], [[second], [first]], [[second, first]]):
        with transaction.atomic():
            file_in(runs)
            assert Ticket.objects.get().asin == "B000000AAA"
            transaction.set_rollback(True)


def test_mail_written_in_the_same_second_gives_the_same_tickets_in_any_order():
    same = T0
    mails = [buyer_message(1, same, alias="ty", order=ORDER),
             seller_central_copy(2, same, order=ORDER, name="Ty"),
             buyer_message(3, same, alias="ty", order=ORDER, subject="Re: Question"),
             seller_reply(4, same, alias="ty", refs="<b1@amazon.test>")]
    shown = set()
    for seed in range(8):
        order = mails[:]
        random.Random(seed).shuffle(order)
        shown.add(repr(filed([[mail] for mail in order])))
    assert len(shown) == 1


def test_two_mails_a_shop_system_sent_under_one_message_id_in_one_second_thread_alike_in_any_order():
    """A shop system sends "paid" and "shipped" for one order in the same second under one
    Message-ID; the buyer answers one of them. Which mail the answer is filed with, and so
    which tickets the seller sees, must not follow which of the two was fetched first."""
    def notice(subject: str, words: str) -> bytes:
        return build_mail(message_id="<n1@shop-system.example>", date=mail_date(T0),
                          sender="Shop System <noreply@shop-system.example>",
                          subject=subject, body=words)
    paid, shipped = notice("Order 4711 paid", "Paid."), notice("Order 4711 shipped", "Shipped.")
    answer = build_mail(message_id="<a1@buyer.example>", date=mail_date(T0 + timedelta(hours=1)),
                        sender="Jo <jo@buyer.example>", subject="Re: Order 4711",
                        body="When does it arrive?",
                        headers={"In-Reply-To": "<n1@shop-system.example>"})
    expected = filed([[paid], [shipped], [answer]])
    for runs in ([[shipped], [paid], [answer]], [[answer], [shipped], [paid]],
                 [[shipped, paid, answer]], [[answer, shipped], [paid]]):
        assert filed(runs) == expected



def test_an_answer_to_a_message_id_two_buyers_share_answers_its_own_buyer_in_any_order():
    """A relay reuses a Message-ID across marketplaces: a German buyer and, an hour later, a
    US buyer write under the same id. The seller answers the German buyer (to her alias, in
    reply to that id): her clock is met, the US buyer's question is still to be answered,
    whichever mail came first."""
    def question(date: datetime, alias: str, tld: str, order: str, words: str) -> bytes:
        return build_mail(
            message_id="<same@amazon.test>", date=mail_date(date),
            subject=f"Question (Order: {order})",
            sender=f'"Buyer {alias} - Amazon Marketplace" <{alias}@marketplace.amazon.{tld}>',
            body=amazon_body(words, order_id=order),
            headers={"X-Space-Notification-Type": "BBC_MESSAGE_SENT_TO_MERCHANT"},
        )
    ana = question(T0, "ana", "de", "302-1111111-1111111", "Wo ist mein Paket?")
    bob = question(T0 + timedelta(hours=1), "bob", "com", "114-2222222-2222222", "Where is it?")
    answer = seller_reply(3, T0 + timedelta(hours=3), alias="ana", tld="de",
                          refs="<same@amazon.test>")
    expected = filed([[ana, bob, answer]])
    states = {t["buyer"]: [o["state"] for o in t["obligations"]] for t in expected["tickets"]}
    assert states == {"ana@marketplace.amazon.de": ["met"],
                      "bob@marketplace.amazon.com": ["overdue"]}
    for runs in ([[answer], [bob], [ana]], [[bob], [answer], [ana]], [[answer, bob, ana]],
                 [[bob], [ana], [answer]]):
        assert filed(runs) == expected


def _clock_states() -> dict[str, str]:
    return dict(Obligation.objects.values_list("message__message_id", "state"))


def _fetched(at: datetime, mails: list[bytes]) -> None:
    with time_machine.travel(at, tick=False):
        mails_ingest([("files", raw) for raw in mails])


def test_no_response_required_on_one_ticket_ends_no_question_late_mail_merges_into_it(agent):
    """The buyer asked about a cup; the seller answered from their mail client; the buyer
    wrote back about the lid, which, the answer not yet fetched, opened a ticket of its own.
    An agent marks the cup's ticket "No response required"; then the Sent folder brings the
    answer, and the two tickets are one conversation. The lid question was never in the
    ticket the agent marked: it is still to be answered, not silently ended."""
    cup = buyer_message(1, T0, alias="ana", order="", subject="Cup")
    answer = seller_reply(2, T0 + timedelta(minutes=30), alias="ana", refs="<b1@amazon.test>",
                          subject="Re: Cup")
    lid = buyer_message(3, T0 + timedelta(hours=1), alias="ana", order="",
                        subject="And the lid?", refs="<s2@seller.test>")
    _fetched(T0 + timedelta(hours=2), [cup, lid])
    assert Ticket.objects.count() == 2
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        ticket_clock_end(ticket=Message.objects.get(message_id="<b1@amazon.test>").ticket,
                         actor=agent, kind="no_response_required")
    _fetched(T0 + timedelta(hours=4), [answer])
    assert Ticket.objects.count() == 1
    assert _clock_states() == {"<b1@amazon.test>": "met", "<b3@amazon.test>": "pending"}


def test_no_response_required_marked_before_a_merge_by_hand_ends_only_its_own_clocks(agent):
    """An agent marks the buyer's "thanks!" as needing no answer, later merges another ticket
    of the same household into it: the question that ticket held stays open."""
    _fetched(T0 + timedelta(hours=2), [
        buyer_message(1, T0, alias="ann", order=ORDER, subject="Cup", words="Thanks!"),
        buyer_message(2, T0 + timedelta(hours=1), alias="bob", order="", subject="Lid"),
    ])
    thanks, question = Ticket.objects.order_by("pk")
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        ticket_clock_end(ticket=thanks, actor=agent, kind="no_response_required")
        tickets_merge(survivor=thanks, merged=question, reason="same household", actor=agent)
        tickets_derived_refresh(ticket_ids={thanks.pk})
    assert _clock_states() == {"<b1@amazon.test>": "no_response_required",
                               "<b2@amazon.test>": "pending"}


def test_a_message_split_off_keeps_the_no_response_required_it_was_marked(agent):
    """The agent marked the buyer's two "thanks!" and then moved one to a ticket of its own:
    it still needs no answer there (the agent's action is kept)."""
    _fetched(T0 + timedelta(hours=2), [
        buyer_message(1, T0, alias="cy", order=ORDER, subject="Cup", words="Thanks!"),
        buyer_message(2, T0 + timedelta(hours=1), alias="cy", order=ORDER, subject="Other",
                      words="Thanks again!"),
    ])
    ticket = Ticket.objects.get()
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        ticket_clock_end(ticket=ticket, actor=agent, kind="no_response_required")
        old, new = message_split(message=Message.objects.get(message_id="<b2@amazon.test>"),
                                 actor=agent, reason="a second question")
        tickets_derived_refresh(ticket_ids={old.pk, new.pk})
    assert _clock_states() == {"<b1@amazon.test>": "no_response_required",
                               "<b2@amazon.test>": "no_response_required"}


def test_a_question_late_mail_merges_into_a_resolved_ticket_reopens_it(agent):
    """The buyer's lid question sat in a ticket of its own (the answer it replied to not yet
    fetched) while an agent marked the cup ticket "No response required" and resolved it.
    The Sent folder then proves both one conversation: the merged ticket holds a question
    nobody has answered, and must not stay resolved, out of the working view, while its
    clock runs out."""
    cup = buyer_message(1, T0, alias="ana", order="", subject="Cup")
    answer = seller_reply(2, T0 + timedelta(minutes=30), alias="ana", refs="<b1@amazon.test>",
                          subject="Re: Cup")
    lid = buyer_message(3, T0 + timedelta(hours=1), alias="ana", order="",
                        subject="And the lid?", refs="<s2@seller.test>")
    _fetched(T0 + timedelta(hours=2), [cup, lid])
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        resolved = Message.objects.get(message_id="<b1@amazon.test>").ticket
        ticket_clock_end(ticket=resolved, actor=agent, kind="no_response_required")
        ticket_resolve(ticket=resolved, actor=agent)
    _fetched(T0 + timedelta(hours=4), [answer])
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.OPEN
    assert _clock_states() == {"<b1@amazon.test>": "met", "<b3@amazon.test>": "pending"}


def test_a_ticket_merged_by_hand_into_a_resolved_one_stays_in_the_working_view(agent):
    _fetched(T0 + timedelta(hours=2), [
        buyer_message(1, T0, alias="ann", order=ORDER, subject="Cup", words="Thanks!"),
        buyer_message(2, T0 + timedelta(hours=1), alias="bob", order="", subject="Lid"),
    ])
    thanks, question = Ticket.objects.order_by("pk")
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        ticket_clock_end(ticket=thanks, actor=agent, kind="no_response_required")
        ticket_resolve(ticket=thanks, actor=agent)
        tickets_merge(survivor=thanks, merged=question, reason="same household", actor=agent)
        tickets_derived_refresh(ticket_ids={thanks.pk})
    assert Ticket.objects.get().status == TicketStatus.OPEN
    assert Obligation.objects.open().get().message.message_id == "<b2@amazon.test>"


def test_splitting_the_answer_off_a_resolved_ticket_reopens_its_question(agent):
    """An agent resolved an answered question, then found the answer was about another
    order and moved it to a ticket of its own: the question is unanswered again, so its
    ticket is back in the working view, not resolved with a clock running out unseen."""
    _fetched(T0 + timedelta(hours=3), [
        buyer_message(1, T0, alias="rui", order=ORDER),
        seller_reply(2, T0 + timedelta(hours=2), alias="rui", refs="<b1@amazon.test>"),
    ])
    ticket = Ticket.objects.get()
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        ticket_resolve(ticket=ticket, actor=agent)
        old, new = message_split(message=Message.objects.get(message_id="<s2@seller.test>"),
                                 actor=agent, reason="about another order")
        tickets_derived_refresh(ticket_ids={old.pk, new.pk})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.timeline.filter(kind="reopened").exists()
    assert Obligation.objects.open().get().ticket_id == ticket.pk

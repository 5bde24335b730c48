"""Same mail, any order: tickets and clocks are a function of the mail held, not of the order
or the runs it came in (``tickets.rethread``, the replay in ``mail.batch_store``)."""

import json
import random
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mails import FIXTURE_MAIL, amazon_body, build_mail

from helpdesk.mail.parse import parse_mail
from helpdesk.mail.services import mails_ingest
from helpdesk.mail.sources.files import mails_read, paths_expand
from helpdesk.sla.models import Obligation, Violation
from helpdesk.sla.sweep import sla_sweep
from helpdesk.tickets.models import Message, Ticket, TicketKind, TicketStatus, TimelineEvent
from helpdesk.tickets.rethread import message_split, tickets_merge

pytestmark = pytest.mark.django_db
# Every run of a test files its mail at this instant, so open clocks are judged alike.
NOW = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
SELLER = "support@example-seller.com"


def fixture_mails() -> list[bytes]:
    paths = [p for p in paths_expand([FIXTURE_MAIL]) if p.suffix == ".eml"]
    return [raw for path in paths for _, raw in mails_read(path)]


def date_order(mails: list[bytes]) -> list[bytes]:
    """As written: by the Date header (mail without one last, as it is dated on arrival)."""
    def written(raw: bytes) -> datetime:
        date = parse_mail(raw).date
        return date if date is not None and date <= NOW else NOW
    return sorted(mails, key=written)


def filed(runs: list[list[bytes]]) -> dict:
    """What the product shows after filing ``runs`` one after the other: the tickets export
    (ids left out) and the SLA report; then everything is rolled back."""
    class Undo(Exception):
        pass

    try:
        with time_machine.travel(NOW, tick=False), transaction.atomic():
            for number, run in enumerate(runs):
                mails_ingest([(f"run{number}", raw) for raw in run])
            raise Undo(shown())
    except Undo as undo:
        return undo.args[0]


def shown() -> dict:
    out = StringIO()
    call_command("export_tickets", stdout=out)
    tickets = []
    for line in out.getvalue().splitlines():
        ticket = json.loads(line)
        ticket.pop("id")
        # Mail written in the same second has no order of its own.
        ticket["messages"].sort(key=lambda m: (m["sent_at"], m["message_id"]))
        tickets.append(ticket)
    tickets.sort(key=lambda t: json.dumps(t["messages"], sort_keys=True))
    report = StringIO()
    call_command("sla_report", "--since", "2020-01-01", "--until", "2030-01-01", "--json",
                 stdout=report)
    return {"tickets": tickets, "report": json.loads(report.getvalue())}


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

def buyer(n: int, t: datetime, *, alias: str, order: str, subject: str = "Question",
          refs: str | None = None, words: str = "Where is my parcel?") -> bytes:
    headers = {"In-Reply-To": refs, "References": refs} if refs else {}
    headers["X-Space-Notification-Type"] = "BBC_MESSAGE_SENT_TO_MERCHANT"
    return build_mail(
        message_id=f"<b{n}@amazon.test>", date=_date(t), subject=f"{subject} (Order: {order})",
        sender=f'"Buyer {alias} - Amazon Marketplace" <{alias}@marketplace.amazon.com>',
        body=amazon_body(words, order_id=order), headers=headers,
    )


def seller_reply(n: int, t: datetime, *, alias: str, refs: str, subject: str = "Re: Question",
                 auto: bool = False) -> bytes:
    headers = {"In-Reply-To": refs, "References": refs}
    if auto:
        headers["Auto-Submitted"] = "auto-replied"
    return build_mail(message_id=f"<s{n}@seller.test>", date=_date(t), sender=SELLER,
                      to=f"{alias}@marketplace.amazon.com", subject=subject,
                      body="Thank you, it is on its way.", headers=headers)


def seller_central_copy(n: int, t: datetime, *, order: str, name: str) -> bytes:
    return build_mail(
        message_id=f"<c{n}@amazonses.test>", date=_date(t), sender='"Amazon.com" <donotreply@amazon.com>',
        subject=f"Your e-mail to {name}",
        body=amazon_body("We shipped it today.", order_id=order),
        headers={"X-Space-Notification-Type": "BBC_MESSAGE_CONFIRMATION_TO_MERCHANT"},
    )


def claim(n: int, t: datetime, *, order: str, decision: bool = False) -> bytes:
    subject = f"Claim Decision on Order {order}" if decision else f"Claim received on order {order}"
    return build_mail(
        message_id=f"<z{n}@amazonses.test>", date=_date(t),
        sender='"Amazon A-to-z Guarantee" <atoz-guarantee-no-reply@amazon.com>',
        subject=subject, body=f"Order ID: {order}\nA-to-z Guarantee claim.",
        headers={"X-Space-Notification-Type": "A_Z_CLAIM_RESPONDENT_NOTIFY"},
    )


def return_request(n: int, t: datetime, *, order: str) -> bytes:
    return build_mail(
        message_id=f"<r{n}@amazonses.test>", date=_date(t),
        sender='"Amazon.com" <order-update@amazon.com>',
        subject=f"Return authorization request for order # {order}",
        body=f"Order ID: # {order}\nItem: Travel Mug\nQuantity: 1\nReturn reason: Defective\n",
        headers={"X-Space-Notification-Type": "RETURN_REQUEST"},
    )


def _date(t: datetime) -> str:
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def conversation(n: int, start: datetime, shape: list[str]) -> list[bytes]:
    """One buyer's conversation about one order: the events of ``shape`` an hour or more
    apart (``gap`` events make a late reply), each mail naming what real mail names."""
    alias, order = f"buyer{n:03d}", f"1{n:02d}-{n:07d}-{n:07d}"
    mails, t, last_buyer = [], start, None
    for step, event in enumerate(shape):
        t += timedelta(hours=30 if event == "gap" else 1 + step)
        k = n * 100 + step
        if event in ("buyer", "followup"):
            refs = f"<s{k - 1}@seller.test>" if event == "followup" and step else None
            mails.append(buyer(k, t, alias=alias, order=order, refs=refs,
                               subject="Re: Question" if event == "followup" else "Question"))
            last_buyer = f"<b{k}@amazon.test>"
        elif event in ("reply", "auto") and last_buyer:
            mails.append(seller_reply(k, t, alias=alias, refs=last_buyer, auto=event == "auto"))
        elif event == "copy":
            mails.append(seller_central_copy(k, t, order=order, name=f"Buyer {alias}"))
        elif event in ("claim", "decision"):
            mails.append(claim(k, t, order=order, decision=event == "decision"))
        elif event == "return":
            mails.append(return_request(k, t, order=order))
    return mails


EVENTS = ["buyer", "reply", "auto", "copy", "followup", "gap", "claim", "decision", "return"]


@settings(max_examples=15, deadline=None,
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


# -- the four causes, each with its own mails ---------------------------------------------------

T0 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
ORDER = "114-1234567-1234567"


def file_in(runs: list[list[bytes]]) -> None:
    with time_machine.travel(NOW, tick=False):
        for number, run in enumerate(runs):
            mails_ingest([(f"run{number}", raw) for raw in run])


def test_a_seller_central_copy_before_the_question_joins_its_ticket_and_stops_the_clock():
    question = buyer(1, T0, alias="megan", order=ORDER)
    copy = seller_central_copy(2, T0 + timedelta(hours=3), order=ORDER, name="Megan")
    file_in([[copy], [question]])
    ticket = Ticket.objects.get()
    assert ticket.kind == TicketKind.BUYER_MESSAGE
    assert ticket.messages.count() == 2
    clock = Obligation.objects.get(kind="buyer_reply")
    assert clock.state == "met" and clock.satisfied_at == T0 + timedelta(hours=3)


def test_the_sellers_reply_from_the_sent_folder_first_leaves_a_buyer_ticket_waiting():
    question = buyer(1, T0, alias="ana", order=ORDER)
    reply = seller_reply(2, T0 + timedelta(hours=2), alias="ana", refs="<b1@amazon.test>")
    file_in([[reply], [question]])
    ticket = Ticket.objects.get()
    assert ticket.kind == TicketKind.BUYER_MESSAGE
    assert ticket.status == TicketStatus.WAITING
    assert Obligation.objects.get().state == "met"


def test_the_buyer_writing_last_leaves_the_ticket_open_whatever_came_first():
    question = buyer(1, T0, alias="ana", order=ORDER)
    reply = seller_reply(2, T0 + timedelta(hours=2), alias="ana", refs="<b1@amazon.test>")
    again = buyer(3, T0 + timedelta(hours=5), alias="ana", order=ORDER, subject="Re: Question",
                  refs="<s2@seller.test>")
    file_in([[again], [reply], [question]])
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.OPEN
    assert sorted(Obligation.objects.values_list("state", flat=True)) == ["met", "overdue"]


def test_a_claim_decision_before_its_claim_opens_one_claim_ticket_and_one_clock():
    decision = claim(2, T0 + timedelta(days=2), order=ORDER, decision=True)
    received = claim(1, T0, order=ORDER)
    file_in([[decision], [received]])
    assert Ticket.objects.filter(kind=TicketKind.CLAIM).count() == 1
    assert Ticket.objects.count() == 1
    assert Obligation.objects.filter(kind="claim").count() == 1


def test_two_replies_to_a_missing_parent_join_it_when_it_arrives():
    parent = buyer(1, T0, alias="kai", order="", subject="Mug size")
    first = seller_reply(2, T0 + timedelta(hours=1), alias="kai", refs="<b1@amazon.test>",
                         subject="Re: Mug size")
    second = seller_reply(3, T0 + timedelta(hours=2), alias="kai", refs="<b1@amazon.test>",
                          subject="About your mug")
    file_in([[first], [second], [parent]])
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().messages.count() == 3
    assert Obligation.objects.get().satisfied_at == T0 + timedelta(hours=1)


def test_a_clock_that_later_mail_no_longer_produces_is_withdrawn_and_its_breach_kept():
    question = buyer(1, T0, alias="lea", order=ORDER)
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


# -- agents correct threading by hand -----------------------------------------------------------

@pytest.fixture
def agent(django_user_model):
    return django_user_model.objects.create_user("agent7")


def test_merge_by_hand_moves_everything_and_later_mail_keeps_it(agent):
    file_in([[buyer(1, T0, alias="ann", order=ORDER, subject="Cup")],
             [buyer(2, T0 + timedelta(hours=1), alias="bob", order="", subject="Lid")]])
    older, newer = Ticket.objects.order_by("pk")
    newer.assignee = agent
    newer.save()
    survivor = tickets_merge(survivor=older, merged=newer, reason="same household", actor=agent)
    assert Ticket.objects.count() == 1
    assert survivor.messages.count() == 2
    assert survivor.assignee == agent
    assert survivor.timeline.filter(kind="merged", text__contains="same household").exists()
    # A later mail of bob's does not pull his message back out.
    file_in([[buyer(3, T0 - timedelta(hours=1), alias="bob", order="", subject="Lid")]])
    assert Message.objects.get(message_id="<b2@amazon.test>").ticket_id == survivor.pk


def test_split_by_hand_makes_a_ticket_that_later_mail_does_not_undo(agent):
    file_in([[buyer(1, T0, alias="cy", order=ORDER, subject="Cup"),
              buyer(2, T0 + timedelta(hours=1), alias="cy", order=ORDER, subject="Other")]])
    ticket = Ticket.objects.get()
    moved = Message.objects.get(message_id="<b2@amazon.test>")
    old, new = message_split(message=moved, actor=agent, reason="a second question")
    assert new.messages.get() == moved
    assert old.timeline.filter(kind="split").exists() and new.timeline.filter(kind="split").exists()
    file_in([[buyer(3, T0 - timedelta(hours=2), alias="cy", order=ORDER, subject="Cup")]])
    assert Message.objects.get(pk=moved.pk).ticket_id == new.pk
    assert Ticket.objects.filter(pk=ticket.pk).exists()

"""The batch ingest (``manage.py ingest``) stores exactly what ``mail_ingest`` stores one mail
after the other, with a bounded number of queries per batch."""

import mailbox
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from faults_support import needs_postgresql
from ingest_support import NOW as NOW_SHOWN
from ingest_support import filed, shown, shown_after
from mails import CORPORA, FIXTURE_MAIL, amazon_body, build_mail, buyer_message, seller_reply

from helpdesk.mail import batch
from helpdesk.mail import services as ingest_service
from helpdesk.mail.backlog import backlog_process, mail_receive
from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.mail.raw_store import RawStoreError, _path, blob_key
from helpdesk.mail.records import raw_mail_quarantine
from helpdesk.mail.services import (
    IngestResult,
    Outcome,
    mail_ingest,
    mails_ingest,
    quarantine_retry,
    raw_mail_process,
)
from helpdesk.mail.sources.files import mails_read, paths_expand
from helpdesk.marketplaces.models import Buyer, Order, OrderItem
from helpdesk.sla.models import Obligation
from helpdesk.sla.services import obligations_recompute
from helpdesk.tickets.export import ticket_export_rows
from helpdesk.tickets.models import Attachment, Message, MessageReference, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TABLES = [RawMail, Buyer, Order, OrderItem, Ticket, Message, MessageReference, Attachment,
          TimelineEvent]
SELLER = "support@example-seller.com"


def buyer_mail(n: int, words: str, *, alias: str = "abc123xyz", name: str = "Jane Doe",
               order: str = "111-7366207-0755439", subject: str = "Question", **kw) -> bytes:
    sender = f'"{name} - Amazon Marketplace" <{alias}@marketplace.amazon.com>' if name else (
        f"{alias}@marketplace.amazon.com")
    body = amazon_body(words, order_id=order) if order else words
    return build_mail(message_id=f"<t{n}@x>", sender=sender, subject=subject, body=body, **kw)


def seller_mail(n: int, to: str, refs: str | None, *, subject: str = "Re: Question",
                body: str = "We are on it.", **kw) -> bytes:
    headers = {"In-Reply-To": refs, "References": refs} if refs else {}
    return build_mail(message_id=f"<t{n}@x>", sender=SELLER, to=f"{to}@marketplace.amazon.com",
                      subject=subject, body=body, headers=headers, **kw)


def refund_notice(n: int, order: str) -> bytes:
    """A marketplace notice naming an order but no buyer."""
    return build_mail(message_id=f"<t{n}@x>", sender="no-reply@amazon.com",
                      subject=f"Refund issued for order {order}",
                      body=amazon_body("Refund issued", order_id=order))


def with_attachment(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "att@marketplace.amazon.com"
    msg["To"] = SELLER
    msg["Subject"] = "Photo of the damage"
    msg["Message-ID"] = f"<t{n}@x>"
    msg.set_content("See the photo.")
    msg.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="crack.png")
    return msg.as_bytes()


def tricky_mails() -> list[bytes]:
    """Every threading rule, within one batch and across batches, and the odd cases."""
    order2, order3, order4 = "222-0000000-0000002", "333-0000000-0000003", "444-0000000-0000004"
    return [
        buyer_mail(1, "Where is my order?"),
        seller_mail(2, "abc123xyz", "<t1@x>"),  # In-Reply-To a mail of the same batch
        seller_mail(3, "late9", "<t4@x>"),  # a reply before the mail it answers ...
        buyer_mail(4, "Hello?", alias="late9", order="", subject="Late"),  # ... arrives
        buyer_mail(5, "Still nothing!", subject="Something else"),  # order with buyer
        buyer_mail(6, "Is it blue?", alias="col7", order="", subject="Question about colours"),
        buyer_mail(7, "Hello?", alias="col7", order="", subject="RE: AW: Question about colours"),
        buyer_mail(8, "Other", alias="col7", order="", subject="Another topic"),
        # Names no buyer: joins the order's ticket of a fitting kind, or opens its own.
        refund_notice(9, "111-7366207-0755439"),
        refund_notice(10, order2),
        buyer_mail(11, "Now with a buyer", alias="own11", order=order2),  # claims the order
        # The order's tickets are of no kind a notice joins: it opens one more.
        refund_notice(26, order2),
        buyer_mail(12, "No name yet", alias="anon12", name="", order=order3),
        buyer_mail(13, "Now named", alias="anon12", name="Ana García", order=order3),
        buyer_mail(14, "Same bytes twice"),
        buyer_mail(14, "Same bytes twice"),
        buyer_mail(15, "first body"),
        buyer_mail(15, "a different mail reusing the Message-ID"),
        build_mail(message_id=None, body="no id"),
        build_mail(message_id=None, body="no id"),
        build_mail(message_id=None, body="no id, other text"),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00binary outlook msg",
        with_attachment(16),
        build_mail(message_id="<t17@x>", sender="someone@example.org", subject="Out of office",
                   headers={"Auto-Submitted": "auto-replied"}),
        # A Message-ID longer than a header line: no id (PostgreSQL refused it, and the batch
        # fell back to one mail at a time).
        build_mail(message_id=f"<{'x' * 1200}@x>", body="long id"),
        # Names two tickets with the same last message time: the older one wins.
        seller_mail(18, "col7", "<t8@x> <t6@x>", subject="Re: colours"),
        buyer_mail(19, "Body with a \x00 NUL", alias="nul19", order=""),
        # A ticket that gains its buyer and order from a reply is then found by them.
        build_mail(message_id="<t20@x>", sender="someone@example.org", subject="Hello"),
        buyer_mail(21, "Re", alias="fill21", order=order4, subject="Re: Hello",
                   headers={"In-Reply-To": "<t20@x>"}),
        buyer_mail(22, "More", alias="fill21", order=order4, subject="Other"),
        # Two replies to a mail not seen yet open two tickets; it joins the first one's.
        seller_mail(23, "refa23", "<t25@x>"),
        seller_mail(24, "refb24", "<t25@x>"),
        buyer_mail(25, "The question", alias="refb24", order=""),
    ]


def later_mails() -> tuple[list[bytes], list[bytes]]:
    """(stored first, then in a batch): the batch names a stored buyer, gives a stored ticket
    its buyer and order, and a stored order its buyer."""
    order5, order6 = "555-0000000-0000005", "666-0000000-0000006"
    first = [
        buyer_mail(30, "No name yet", alias="anon30", name="", order=""),
        build_mail(message_id="<t31@x>", sender="someone@example.org", subject="Hi there"),
        refund_notice(32, order5),
        seller_mail(36, "refa36", "<t38@x>"),
        seller_mail(37, "refb37", "<t38@x>"),
    ]
    then = [
        buyer_mail(33, "Named now", alias="anon30", name="Max Mustermann", order=""),
        buyer_mail(34, "Re", alias="fill34", order=order6, subject="Re: Hi there",
                   headers={"In-Reply-To": "<t31@x>"}),
        buyer_mail(35, "Mine", alias="claim35", order=order5),
        buyer_mail(38, "The question", alias="refb37", order=""),
    ]
    return first, then


def generated_mails(count: int) -> list[bytes]:
    """Bench-like mail: buyer messages, seller replies by In-Reply-To and buyer follow-ups by
    order id onto random earlier threads; two by two in the same minute, so some tie."""
    rng = random.Random(7)
    mails, threads = [], []
    for n in range(1000, 1000 + count):
        date = format_datetime(NOW - timedelta(days=30) + timedelta(minutes=n // 2))
        roll = rng.random()
        if threads and roll < 0.25:
            alias, order, first = rng.choice(threads)
            mails.append(seller_mail(n, alias, first, date=date))
        elif threads and roll < 0.5:
            alias, order, _ = rng.choice(threads)
            mails.append(buyer_mail(n, f"Any news? {n}", alias=alias, order=order, date=date,
                                    subject=f"Follow-up {n % 3}"))
        else:
            alias, order = f"gen{rng.randrange(40)}", f"{rng.randrange(100, 999)}-0000000-0000001"
            mails.append(buyer_mail(n, f"Question {n}", alias=alias, order=order, date=date,
                                    subject=f"Order inquiry {n % 5}"))
            threads.append((alias, order, f"<t{n}@x>"))
    return mails


def real_mails() -> list[bytes]:
    """The fixture mail and the shared real-world corpora, where present."""
    paths = [p for p in (FIXTURE_MAIL, CORPORA) if p.is_dir()]
    return [raw for path in paths_expand(paths) for _, raw in mails_read(path)]


@pytest.fixture
def frozen(monkeypatch) -> None:
    """One clock for both ways, so that received and processed times compare equal."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def snapshot(results: list[IngestResult]) -> tuple[list, dict]:
    """The results and every row, with each key replaced by its row's place in its table: the
    same rows written in the same order compare equal, whatever the primary keys."""
    places = {model: _places(model) for model in TABLES}
    rows = {}
    for model in TABLES:
        relations = [f for f in model._meta.concrete_fields if f.related_model in places]
        rows[model.__name__] = table = []
        for row in model.objects.order_by("pk").values():
            if model is TimelineEvent and row["kind"] == "clock_breached":
                # Breaches are recorded by the clock once per mail one at a time and once per
                # batch the batch way: the same lines, in another order (compared below).
                continue
            row["id"] = places[model][row["id"]]
            for field in relations:
                value = row[field.attname]
                row[field.attname] = None if value is None else places[field.related_model][value]
            if model is TimelineEvent and "message" in row["data"]:
                row["data"] = {"message": places[Message][row["data"]["message"]]}
            table.append(row)
    rows["breaches"] = sorted(
        (places[Ticket][ticket_id], at, text)
        for ticket_id, at, text in TimelineEvent.objects.filter(kind="clock_breached")
        .values_list("ticket_id", "at", "text")
    )
    outcomes = [
        (r.outcome, places[RawMail].get(r.raw_mail_id), places[Message].get(r.message_pk),
         r.ticket_created, r.reason)
        for r in results
    ]
    return outcomes, rows


def shown_tickets() -> list[dict]:
    tickets = []
    for row in ticket_export_rows():
        row.pop("id")
        tickets.append(row)
    return sorted(tickets, key=lambda t: repr(t["messages"]))


def _places(model) -> dict[int, int]:
    pks = model.objects.order_by("pk").values_list("pk", flat=True)
    return {pk: place for place, pk in enumerate(pks)}


class _Undo(Exception):
    pass


def stored_by(ingest: Callable[[], list[IngestResult]]) -> tuple[list, dict]:
    """What ``ingest`` files, as the product shows it (each mail's outcome, the tickets with
    their messages and clocks, ids left out: a batch files in the order mail was written, so
    rows may come out in another order); then it is rolled back."""
    try:
        with transaction.atomic():
            results = ingest()
            raise _Undo(([(r.outcome, r.reason) for r in results], shown_tickets()))
    except _Undo as undo:
        return undo.args[0]


def one_by_one(mails: list[bytes]) -> list[IngestResult]:
    return [mail_ingest(raw=raw, source=f"test#{n}") for n, raw in enumerate(mails)]


def in_batches(mails: list[bytes], size: int) -> list[IngestResult]:
    sources = [(f"test#{n}", raw) for n, raw in enumerate(mails)]
    return [r for i in range(0, len(sources), size) for r in mails_ingest(sources[i : i + size])]


@pytest.mark.parametrize("size", [200, 7])
def test_the_batch_way_stores_exactly_what_one_mail_at_a_time_stores(frozen, size, caplog):
    generated, real, (first, then) = generated_mails(200), real_mails(), later_mails()
    # Some is in the database before: the batches thread onto it, and repeat some of it.
    stored = generated[:60] + first + real[::2]
    one_by_one(stored)
    mails = generated[60:130] + tricky_mails() + then + generated[130:] + real[1::2] + stored[::5]
    expected = stored_by(lambda: one_by_one(mails))
    assert stored_by(lambda: in_batches(mails, size)) == expected
    # No value is refused by one database and stored by the other: no batch fails to store.
    assert not [r for r in caplog.records if "in halves" in r.getMessage()]


def test_a_mail_that_cannot_be_stored_is_quarantined_alone_and_its_batch_filed(
    frozen, monkeypatch
):
    """The batch is halved down to the mail that fails; the rest is filed as one at a time
    would file it."""
    mails = generated_mails(20)
    poison = mails[13]
    real = batch.mails_store

    def store(kept: list) -> list:
        if any(mail.raw == poison for mail in kept):
            raise ValueError("a value the database refuses")
        return real(kept)

    monkeypatch.setattr(batch, "mails_store", store)
    results = in_batches(mails, 20)
    assert [r.outcome for r in results] == [Outcome.STORED] * 13 + [Outcome.QUARANTINED] + [
        Outcome.STORED] * 6
    assert results[13].reason == "could not be stored: ValueError: a value the database refuses"


def test_mails_threading_onto_each_other_in_one_batch_land_in_one_ticket():
    results = mails_ingest([
        ("a", seller_mail(1, "zz9", "<t2@x>", subject="Re: Late")),  # answers the next one
        ("b", buyer_mail(2, "Question", alias="zz9", order="", subject="Late")),
        ("c", buyer_mail(3, "Follow-up", alias="zz9", order="", subject="Re: Late")),
        ("d", seller_mail(4, "zz9", "<t3@x>", subject="Re: Late")),
    ])
    assert [r.outcome for r in results] == [Outcome.STORED] * 4
    assert [r.ticket_created for r in results] == [True, False, False, False]
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(ticket=Ticket.objects.get()).count() == 4


def test_a_batch_takes_a_bounded_number_of_queries(django_assert_max_num_queries):
    mails_ingest([(f"g{n}", raw) for n, raw in enumerate(generated_mails(30))])  # some to find
    mails = [(f"m{n}", raw) for n, raw in enumerate(generated_mails(230)[30:])]
    # About 20 per batch however many mails it holds, where one at a time takes ~20 per mail
    # (on PostgreSQL one of them waits for the threads' lock; one finds the other tickets of
    # the orders a reply to stored mail names).
    with django_assert_max_num_queries(36):
        results = mails_ingest(mails)
    assert {r.outcome for r in results} == {Outcome.STORED}


def test_a_batch_recomputes_the_obligations_of_every_ticket_it_touched(frozen):
    def obligations() -> list[tuple]:
        return sorted(Obligation.objects.values_list(
            "ticket_id", "message_id", "kind", "state", "starts_at", "due_at", "satisfied_at"
        ))

    mails_ingest([(f"m{n}", raw) for n, raw in enumerate(generated_mails(150))])
    assert Obligation.objects.exists()
    after_batch = obligations()
    Obligation.objects.all().delete()
    obligations_recompute(ticket_ids=Ticket.objects.values_list("pk", flat=True))
    assert obligations() == after_batch


def test_a_duplicate_stored_meanwhile_by_another_process_is_caught_by_the_constraint(
    monkeypatch,
):
    stored = mail_ingest(raw=buyer_mail(1, "first"), source="other process")
    monkeypatch.setattr(batch, "_holders", lambda mails: {})  # the look missed it
    results = mails_ingest([("a", buyer_mail(2, "new")), ("b", buyer_mail(1, "first"))])
    assert [r.outcome for r in results] == [Outcome.STORED, Outcome.DUPLICATE]
    assert results[1].raw_mail_id == stored.raw_mail_id
    assert RawMail.objects.count() == 2 and Message.objects.count() == 2


def test_a_raw_store_that_cannot_keep_mail_stops_the_command_before_any_row(tmp_path, settings):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    settings.RAW_MAIL_DIR = blocked
    (tmp_path / "one.eml").write_bytes(build_mail())
    with pytest.raises(RawStoreError):
        call_command("ingest", str(tmp_path / "one.eml"), "--json", stdout=StringIO())
    assert not RawMail.objects.exists()


def test_the_command_reading_ahead_stores_what_one_mail_at_a_time_stores(frozen, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(ingest_service, "BATCH", 40)  # many batches, read ahead in a child
    box = mailbox.mbox(tmp_path / "mails.mbox")
    for raw in generated_mails(250) + tricky_mails():
        box.add(raw)
    box.close()
    mails = list(mails_read(tmp_path / "mails.mbox"))
    expected = stored_by(lambda: [mail_ingest(raw=raw, source=source) for source, raw in mails])

    def command() -> list[IngestResult]:
        call_command("ingest", str(tmp_path / "mails.mbox"), "--json", stdout=StringIO())
        return []

    assert stored_by(command)[1] == expected[1]


def opt_out_notice(n: int, refs: str, name: str, order: str) -> bytes:
    """Amazon's word that a seller's message was not delivered: it names the buyer."""
    return build_mail(message_id=f"<t{n}@x>", sender='"Amazon.com" <auto-communication@amazon.com>',
                      subject=f"Your message to {name} was not delivered (Order: {order})",
                      body="The buyer has opted out of receiving unsolicited messages.",
                      headers={"In-Reply-To": refs,
                               "X-Space-Notification-Type": "BUYER_OPTED_OUT_BSM_MESSAGES"})


@pytest.mark.parametrize("at_once", [False, True], ids=["one at a time", "in a batch"])
def test_a_notice_naming_the_buyer_names_the_alias_the_seller_wrote_to(at_once):
    order = "112-9938471-2260519"
    mails = [
        seller_mail(1, "0r78ayorsoyvvf7", None, subject=f"Care tips (Order: {order})"),
        opt_out_notice(2, "<t1@x>", "Megan Lowe", order),
    ]
    if at_once:
        mails_ingest([(f"m{n}", raw) for n, raw in enumerate(mails)])
    else:
        for raw in mails:
            mail_ingest(raw=raw, source="file")
    ticket = Ticket.objects.select_related("buyer").get()
    assert ticket.buyer.alias == "0r78ayorsoyvvf7@marketplace.amazon.com"
    assert ticket.buyer.name == "Megan Lowe"
    assert ticket.messages.count() == 2


def test_a_notice_does_not_rename_a_buyer_who_has_a_name():
    mail_ingest(raw=buyer_mail(1, "Where is it?", alias="0r78ayorsoyvvf7", name="Meg L."),
                source="file")
    mail_ingest(raw=opt_out_notice(2, "<t1@x>", "Megan Lowe", "111-7366207-0755439"),
                source="file")
    assert Buyer.objects.get().name == "Meg L."


def test_a_reply_the_webhook_brought_first_counts_once_the_operators_files_bring_it_too():
    """Trust is the mail's, not its first copy's: the seller's reply, posted by the webhook
    (which cannot vouch for it) before the seller's Sent-folder export is ingested, ends the
    clock as it does when the export comes first."""
    t = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    question = buyer_message(1, t, alias="noor", order="114-1234567-1234567")
    reply = seller_reply(2, t + timedelta(hours=2), alias="noor", refs="<b1@amazon.test>")

    def webhook_first() -> None:
        for raw in (question, reply):
            mail_receive(raw=raw, source="http")
        backlog_process()
        assert mails_ingest([("Sent.mbox", reply)])[0].outcome == Outcome.DUPLICATE

    shown = shown_after(webhook_first)
    assert shown == filed([[question, reply]])
    assert [o["state"] for o in shown["tickets"][0]["obligations"]] == ["met"]


def _waiting_on_a_lock(timeout: float = 5.0) -> bool:
    """Whether another connection of this database comes to wait for a lock within
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                           " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("first", ["question", "reply"])
def test_two_processes_filing_a_question_and_its_answer_at_once_file_one_conversation(first):
    """Two workers (the webhook's backlog and an IMAP fetch) each file one mail of the same
    conversation at the same moment: neither may thread its mail without seeing the other's,
    or the answered question opens a clock of its own that never stops."""
    t = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    earlier = buyer_message(1, t - timedelta(days=20), alias="noor", order="114-7654321-7654321")
    mails = {"question": buyer_message(2, t, alias="noor", order="114-1234567-1234567"),
             "reply": seller_reply(3, t + timedelta(hours=2), alias="noor", refs="<b2@amazon.test>")}
    second = "reply" if first == "question" else "question"
    expected = filed([[earlier, mails[first], mails[second]]])
    mails_ingest([("earlier", earlier)])  # the buyer is known: no new row for both to wait on

    filed_first, commit = threading.Event(), threading.Event()

    def filing(name: str, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                mails_ingest([(name, mails[name])])
                if hold:  # the first worker's transaction is still open when the second files
                    filed_first.set()
                    commit.wait(timeout=30)
        finally:
            filed_first.set()
            connection.close()  # this thread's own

    workers = [threading.Thread(target=filing, args=(first,), kwargs={"hold": True})]
    workers[0].start()
    assert filed_first.wait(timeout=30)
    workers.append(threading.Thread(target=filing, args=(second,), kwargs={"hold": False}))
    workers[1].start()
    _waiting_on_a_lock()  # the second waits for the first, or has filed already
    commit.set()
    for worker in workers:
        worker.join(timeout=30)
    with time_machine.travel(NOW_SHOWN, tick=False):
        assert shown() == expected


@pytest.mark.parametrize("door", ["files", "webhook", "Sent folder"])
def test_a_mail_whose_first_copy_was_quarantined_is_filed_when_it_comes_again(door):
    """The buyer's question came by the webhook, but its bytes were lost from the store (a
    restore from an older backup) and the backlog set it aside; the seller's answer was filed
    meanwhile. The same question then comes again, from the operator's files or a mailbox:
    it is filed, and the seller sees what filing both at once shows, not an answer to
    nothing."""
    t = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    question = buyer_message(1, t, alias="ines", order="114-1234567-1234567",
                             words="Does the lid of order 114-1234567 fit the 450 ml mug?")
    reply = seller_reply(2, t + timedelta(hours=2), alias="ines", refs="<b1@amazon.test>")

    def lost_then_again() -> None:
        first = mail_receive(raw=question, source="http")
        _path(RawMail.objects.get(pk=first.raw_mail_id).sha256).unlink()
        backlog_process()
        assert RawMail.objects.get(pk=first.raw_mail_id).status == RawMailStatus.QUARANTINED
        mails_ingest([("Sent.mbox", reply)])
        if door == "files":
            mails_ingest([("backup.mbox", question)])
        else:
            mail_receive(raw=question, source=f"imap:shop/{door}/7", trusted=door != "webhook")
            backlog_process()
        assert RawMail.objects.get(pk=first.raw_mail_id).status == RawMailStatus.STORED

    shown_now = shown_after(lost_then_again)
    assert shown_now == filed([[question, reply]])
    assert [o["state"] for o in shown_now["tickets"][0]["obligations"]] == ["met"]


def test_bytes_that_are_no_mail_sent_again_stay_quarantined_once():
    garbage = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00an Outlook .msg, posted twice"
    first = mail_receive(raw=garbage, source="http")
    backlog_process()
    assert mail_receive(raw=garbage, source="http").outcome == Outcome.DUPLICATE
    assert mails_ingest([("files", garbage)])[0].outcome == Outcome.DUPLICATE
    backlog_process()
    row = RawMail.objects.get()
    assert row.pk == first.raw_mail_id and row.status == RawMailStatus.QUARANTINED
    assert "binary" in row.quarantine_reason
    assert not Message.objects.exists()


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reply_the_mailbox_keeps_while_the_operators_files_bring_it_too_ends_the_clock():
    """The IMAP fetch keeps the seller's reply from INBOX (a copy the seller sent themselves,
    which cannot vouch for it) in the same moment as the operator's Sent-folder export is
    filed: the export's copy finds the fetch's row only when it stores its own. It is the
    same mail, and the trusted copy vouches for it as when it comes second."""
    t = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    question = buyer_message(1, t, alias="noor", order="114-1234567-1234567")
    reply = seller_reply(2, t + timedelta(hours=2), alias="noor", refs="<b1@amazon.test>")
    expected = filed([[question, reply]])
    mails_ingest([("files", question)])
    kept, commit = threading.Event(), threading.Event()

    def fetch() -> None:
        try:
            with transaction.atomic():  # as the fetch keeps a mail and its UID together
                mail_receive(raw=reply, source="imap:shop/INBOX/7")
                kept.set()
                commit.wait(timeout=30)
        finally:
            kept.set()
            connection.close()

    def export() -> None:
        try:
            mails_ingest([("Sent.mbox", reply)])
        finally:
            connection.close()

    workers = [threading.Thread(target=fetch)]
    workers[0].start()
    assert kept.wait(timeout=30)
    workers.append(threading.Thread(target=export))
    workers[1].start()
    assert _waiting_on_a_lock()  # the export waits on the fetch's row
    commit.set()
    for worker in workers:
        worker.join(timeout=30)
    backlog_process()
    with time_machine.travel(NOW_SHOWN, tick=False):
        assert shown() == expected
    assert RawMail.objects.get(sha256=blob_key(reply)).source_trusted


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_quarantined_mail_processed_again_twice_at_once_is_filed_once_and_stays_filed():
    """An admin clicks "process again" on a quarantined mail while the operator's
    ``ingest --retry-quarantined`` runs: the second, which read the mail before the first
    filed it, must not find it a failure and put a mail that is in its ticket back in
    quarantine."""
    question = buyer_message(1, datetime(2026, 11, 18, 9, 0, tzinfo=UTC), alias="ana",
                             order="114-1234567-1234567")
    kept = mail_receive(raw=question, source="http")
    raw_mail_quarantine(RawMail.objects.get(pk=kept.raw_mail_id), "no channel configured")
    filed_first, commit = threading.Event(), threading.Event()
    outcomes = {}

    def admin() -> None:
        try:
            with transaction.atomic():  # the first is still committing when the second reads
                outcomes["admin"] = raw_mail_process(raw_mail_id=kept.raw_mail_id).outcome
                filed_first.set()
                commit.wait(timeout=30)
        finally:
            filed_first.set()
            connection.close()

    def command() -> None:
        try:
            outcomes["command"] = [r.outcome for r in quarantine_retry()]
        finally:
            connection.close()

    workers = [threading.Thread(target=admin)]
    workers[0].start()
    assert filed_first.wait(timeout=30)
    workers.append(threading.Thread(target=command))
    workers[1].start()
    _waiting_on_a_lock()
    commit.set()
    for worker in workers:
        worker.join(timeout=30)
    assert outcomes == {"admin": Outcome.STORED, "command": [Outcome.DUPLICATE]}
    row = RawMail.objects.get(pk=kept.raw_mail_id)
    assert (row.status, row.quarantine_reason) == (RawMailStatus.STORED, "")
    assert Message.objects.get().raw_id == row.pk


def test_no_response_required_marked_while_a_question_sat_in_quarantine_leaves_it_open(
    django_user_model,
):
    """The buyer asked a question, then wrote "Grazie!"; the question could not be filed (no
    marketplace was set up for it yet) and waited in quarantine while an agent marked the
    thanks "No response required". Filed once the admin processes it again, the question
    was never seen by the agent: it still needs an answer."""
    from helpdesk.marketplaces.defaults import channels_install_defaults
    from helpdesk.marketplaces.models import Channel
    from helpdesk.sla.actions import ticket_clock_end

    agent = django_user_model.objects.create_user("agent7")
    t = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    question = buyer_message(1, t, alias="ines", order="114-1234567-1234567", tld="it",
                             words="Il coperchio è compreso?")
    thanks = buyer_message(2, t + timedelta(minutes=20), alias="ines",
                           order="114-1234567-1234567", subject="Re: Question",
                           words="Grazie!", tld="it")
    Channel.objects.all().delete()
    with time_machine.travel(t + timedelta(minutes=1), tick=False):
        assert mails_ingest([("files", question)])[0].outcome == Outcome.QUARANTINED
    channels_install_defaults()
    with time_machine.travel(t + timedelta(minutes=21), tick=False):
        mails_ingest([("files", thanks)])
    with time_machine.travel(t + timedelta(hours=1), tick=False):
        ticket = Message.objects.get(message_id="<b2@amazon.test>").ticket
        ticket_clock_end(ticket=ticket, actor=agent, kind="no_response_required")
    with time_machine.travel(t + timedelta(hours=2), tick=False):
        [retried] = ingest_service.quarantine_retry()
    assert retried.outcome == Outcome.STORED
    states = dict(Obligation.objects.values_list("message__message_id", "state"))
    assert states == {"<b1@amazon.test>": "pending", "<b2@amazon.test>": "no_response_required"}

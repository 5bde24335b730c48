"""The backlog job: a mail that kills or stalls its run is found, set aside with the reason,
and holds up none of the mail behind it."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from ingest_support import filed, shown_after
from mails import (
    amazon_body,
    build_mail,
    buyer_message,
    claim_notice,
    seller_central_copy,
    seller_reply,
)

from helpdesk.mail import backlog
from helpdesk.mail import batch as filing
from helpdesk.mail.backlog import MAX_ATTEMPTS, backlog_process, mail_receive
from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.mail.services import mails_ingest
from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Message, Ticket, TicketStatus

pytestmark = pytest.mark.django_db


def small(n: int) -> bytes:
    return build_mail(message_id=f"<small{n}@t>", body=amazon_body(f"Question {n}"))


def test_the_mail_that_killed_most_runs_is_taken_last_and_then_set_aside(monkeypatch):
    for n in range(4):
        mail_receive(raw=small(n), source="http")
    # Runs died holding these: the first one killed two of them, the others one.
    RawMail.objects.update(attempts=1)
    poison = RawMail.objects.order_by("pk").first()
    RawMail.objects.filter(pk=poison.pk).update(attempts=MAX_ATTEMPTS - 1)
    order = []
    real = backlog.kept_ingest
    monkeypatch.setattr(backlog, "kept_ingest",
                        lambda kept: order.extend(k.raw_mail.pk for k in kept) or real(kept))
    backlog_process()
    assert order[-1] == poison.pk and len(order) == 4  # the others first, one at a time


def test_mail_left_by_a_run_that_died_is_taken_alone_and_counted(monkeypatch):
    for n in range(3):
        mail_receive(raw=small(n), source="http")
    # A run took them and died before it finished (its attempt was counted, nothing filed).
    RawMail.objects.update(attempts=1)
    taken = []
    real = backlog.kept_ingest
    monkeypatch.setattr(backlog, "kept_ingest", lambda kept: taken.append(len(kept)) or real(kept))
    backlog_process()
    assert taken == [1, 1, 1]
    assert Message.objects.count() == 3


def test_a_backlog_of_large_mails_is_filed_a_bounded_number_of_bytes_at_a_time(monkeypatch):
    # Buyers' photos through the webhook: 200 mails a batch of a few MB each were gigabytes.
    monkeypatch.setattr(filing, "BATCH_BYTES", 200_000)
    photo = "A photo of the crack: " + "x" * 60_000
    for n in range(7):
        mail_receive(raw=build_mail(message_id=f"<photo{n}@t>", body=amazon_body(photo)),
                     source="http")
    held = []
    real = backlog.kept_ingest
    monkeypatch.setattr(backlog, "kept_ingest",
                        lambda kept: held.append(sum(len(k.raw) for k in kept)) or real(kept))
    backlog_process()
    assert len(held) == 3 and max(held) <= 200_000
    assert Message.objects.count() == 7


def test_a_mail_that_killed_its_runs_too_often_is_quarantined_untouched():
    mail_receive(raw=small(1), source="http")
    RawMail.objects.update(attempts=MAX_ATTEMPTS)
    backlog_process()
    row = RawMail.objects.get()
    assert row.status == RawMailStatus.QUARANTINED and "killed or timed out" in row.quarantine_reason
    assert not Message.objects.exists()


def test_a_reply_fetched_from_inbox_first_counts_once_the_sent_folder_gives_it():
    """A seller who copies themselves has each reply in INBOX (which cannot vouch for it) and
    in the Sent folder (which can); INBOX is usually fetched first."""
    t = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    reply = seller_reply(2, t + timedelta(hours=2), alias="noor", refs="<b1@amazon.test>")
    mail_receive(raw=buyer_message(1, t, alias="noor", order="114-1234567-1234567"),
                 source="imap:INBOX")
    mail_receive(raw=reply, source="imap:INBOX")
    backlog_process()
    assert Obligation.objects.get().state != "met"
    assert mail_receive(raw=reply, source="imap:Sent", trusted=True).outcome == "duplicate"
    clock = Obligation.objects.get()
    assert clock.state == "met" and clock.satisfied_at == t + timedelta(hours=2)
    assert Ticket.objects.get().status == TicketStatus.WAITING
    assert Message.objects.get(message_id="<s2@seller.test>").untrusted_reason == ""


def test_a_reply_the_sent_folder_gives_while_a_run_reads_it_counts(monkeypatch):
    """A run reads its mail before it files it, so that runs of several workers read side by
    side; the Sent folder's copy of a reply can come in that moment, and is not lost."""
    t = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    reply = seller_reply(2, t + timedelta(hours=2), alias="noor", refs="<b1@amazon.test>")
    mail_receive(raw=buyer_message(1, t, alias="noor", order="114-1234567-1234567"),
                 source="imap:INBOX")
    mail_receive(raw=reply, source="imap:INBOX")
    real_read = backlog._read

    def read_then_sent_folder(rows, ruleset):
        read = real_read(rows, ruleset)
        assert mail_receive(raw=reply, source="imap:Sent", trusted=True).outcome == "duplicate"
        return read

    monkeypatch.setattr(backlog, "_read", read_then_sent_folder)
    backlog_process()
    clock = Obligation.objects.get()
    assert clock.state == "met" and clock.satisfied_at == t + timedelta(hours=2)
    assert Message.objects.get(message_id="<s2@seller.test>").untrusted_reason == ""


def test_mail_from_the_webhook_and_files_in_any_order_shows_what_files_in_date_order_show():
    """Each mail comes by the webhook, by the operator's files, or both (the duplicate from
    either side first), in any order and batches: what the seller sees is that of the mail
    held, as long as every mail also came once from a source that vouches for it."""
    t = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    order = "114-1234567-1234567"
    mails = [buyer_message(1, t, alias="ivy", order=order),
             seller_reply(2, t + timedelta(hours=1), alias="ivy", refs="<b1@amazon.test>"),
             buyer_message(3, t + timedelta(hours=30), alias="ivy", order=order,
                           subject="Re: Question"),
             seller_central_copy(4, t + timedelta(hours=31), order=order, name="Ivy"),
             claim_notice(5, t + timedelta(hours=40), order=order)]
    expected = filed([mails])
    rng = random.Random(7)
    for _ in range(12):
        arriving = mails + [rng.choice(mails), rng.choice(mails)]
        rng.shuffle(arriving)
        plan = []
        while arriving:
            size = rng.randint(1, 3)
            plan.append((rng.choice(["file", "http"]), arriving[:size]))
            arriving = arriving[size:]
        filed_once = {raw for source, batch in plan if source == "file" for raw in batch}
        for raw in mails:
            if raw not in filed_once:
                plan.insert(rng.randint(0, len(plan)), ("file", [raw]))

        def file(plan=plan) -> None:
            for source, batch in plan:
                if source == "file":
                    mails_ingest([("Sent.mbox", raw) for raw in batch])
                    continue
                for raw in batch:
                    mail_receive(raw=raw, source="http")
                backlog_process()
        assert shown_after(file) == expected

"""The ingest service: store, dedupe, quarantine, thread, sent time, sanitising."""

import base64
import hashlib
import quopri
from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest
import time_machine
from django.utils import timezone
from ingest_support import filed, shown_after
from mails import amazon_body, build_mail, buyer_message, seller_reply

from helpdesk.mail.backlog import mail_receive
from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.mail.raw_store import blob_get
from helpdesk.mail.records import raw_mail_quarantine
from helpdesk.mail.services import Outcome, mail_ingest, mails_ingest, quarantine_retry
from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def ingest(raw: bytes):
    return mail_ingest(raw=raw, source="test")


def test_a_buyer_message_becomes_a_ticket_with_the_buyers_words():
    result = ingest(build_mail(
        subject="Product details inquiry from Amazon customer Jane Doe (Order: 111-7366207-0755439)",
        body=amazon_body("Does the mug fit a car cup holder?"),
    ))
    assert result.outcome == Outcome.STORED and result.ticket_created
    message = Message.objects.get(pk=result.message_pk)
    ticket = message.ticket
    assert ticket.kind == "buyer_message" and ticket.channel.code == "amazon-com"
    assert ticket.order.order_id == "111-7366207-0755439"
    assert ticket.order.items.get().asin == "B01FCAWEYM"
    assert ticket.buyer.alias == "abc123xyz@marketplace.amazon.com"
    assert ticket.buyer.name == "Jane Doe"
    assert message.buyer_text == "Does the mug fit a car cup holder?"
    assert "commMgrTok" in message.quoted_text and "commMgrTok" not in message.buyer_text
    assert message.direction == "in" and not message.is_auto
    assert ticket.timeline.filter(kind="message_in").exists()


def test_raw_bytes_are_kept_exactly():
    raw = build_mail(body="keep me")
    result = ingest(raw)
    assert blob_get(RawMail.objects.get(pk=result.raw_mail_id).sha256) == raw


def test_mail_kept_by_an_earlier_version_of_the_store_is_still_read(settings):
    import hashlib
    from pathlib import Path

    raw = build_mail(body="kept under <2>/<2>/<key> before")
    key = hashlib.sha256(raw).hexdigest()
    before = Path(settings.RAW_MAIL_DIR) / key[:2] / key[2:4] / key
    before.parent.mkdir(parents=True)
    before.write_bytes(raw)
    result = mail_ingest(raw=raw, source="test")
    (Path(settings.RAW_MAIL_DIR) / key[:2] / key).unlink(missing_ok=True)  # kept anew, or not
    assert blob_get(RawMail.objects.get(pk=result.raw_mail_id).sha256) == raw


def test_the_same_mail_twice_changes_nothing():
    raw = build_mail(body=amazon_body("Where is my order?"))
    assert ingest(raw).outcome == Outcome.STORED
    counts = (Ticket.objects.count(), Message.objects.count(), RawMail.objects.count())
    again = ingest(raw)
    assert again.outcome == Outcome.DUPLICATE
    assert (Ticket.objects.count(), Message.objects.count(), RawMail.objects.count()) == counts


def test_same_message_id_with_other_transport_headers_is_a_duplicate():
    raw = build_mail(body=amazon_body("Where is my order?"))
    assert ingest(raw).outcome == Outcome.STORED
    relayed = b"Received: from mx.example.test; Mon, 05 Oct 2026 10:00:05 +0000\r\n" + raw
    assert ingest(relayed).outcome == Outcome.DUPLICATE


def test_a_buyer_mail_a_server_re_encoded_on_the_way_is_one_message_with_one_clock():
    """The seller's mail provider passes a buyer's message on as base64 where the copy in the
    seller's mailbox export has it quoted-printable (a server that takes no 8-bit text
    re-encodes it): the same words, one message, one clock."""
    quoted = buyer_message(1, datetime(2026, 11, 18, 9, 0, tzinfo=UTC), alias="eli",
                           order="114-1234567-1234567", words="Wo ist mein Paket? Grüße")
    head, _, body = quoted.replace(b"\r\n", b"\n").partition(b"\n\n")
    assert b"quoted-printable" in head
    as_base64 = (head.replace(b"quoted-printable", b"base64") + b"\n\n"
                 + base64.encodebytes(quopri.decodestring(body)))
    assert ingest(quoted).outcome == Outcome.STORED
    assert ingest(as_base64).outcome == Outcome.DUPLICATE
    assert mail_receive(raw=as_base64, source="webhook").outcome == Outcome.DUPLICATE
    assert Message.objects.count() == 1
    assert Ticket.objects.get().obligations.count() == 1


def test_a_different_mail_reusing_a_message_id_is_kept():
    ingest(build_mail(body="first"))
    result = ingest(build_mail(body="a different mail, same id"))
    assert result.outcome == Outcome.STORED
    assert ingest(build_mail(body="a different mail, same id")).outcome == Outcome.DUPLICATE


def test_two_mails_with_one_message_id_and_one_text_but_other_subjects_are_both_shown():
    """A ticket system that copies its notification under one Message-ID ("Incident
    assigned", then "Work notes added", the same footer text): two mails, each shown with
    its own subject and date, whichever was fetched first. The one fetched second was
    taken for a repeat of the first, so which of them the seller saw followed the order
    of fetching."""
    assigned = build_mail(subject="Incident 678439 assigned", body="See the portal.",
                          date="Mon, 05 Oct 2026 10:00:00 +0000")
    noted = build_mail(subject="Incident 678439: work notes added", body="See the portal.",
                       date="Mon, 05 Oct 2026 11:00:00 +0000")
    shown = filed([[assigned], [noted]])
    assert sorted(m["subject"] for t in shown["tickets"] for m in t["messages"]) == [
        "Incident 678439 assigned", "Incident 678439: work notes added"]
    assert filed([[noted], [assigned]]) == shown
    assert filed([[noted, assigned, noted], [assigned]]) == shown


def test_the_same_mail_sent_again_with_another_date_is_one_message_with_one_clock():
    """A relay retrying a delivery (or the demo loaded again) dates the same mail anew: as
    a second message it opened a second clock on the buyer's question."""
    first = build_mail(subject="Where is my parcel?", body=amazon_body("Where is it?"),
                       date="Mon, 05 Oct 2026 10:00:00 +0000")
    again = build_mail(subject="Where is my parcel?", body=amazon_body("Where is it?"),
                       date="Mon, 05 Oct 2026 10:20:00 +0000")
    shown = filed([[first], [again]])
    ticket, = shown["tickets"]
    assert len(ticket["messages"]) == 1 and len(ticket["obligations"]) == 1
    reversed_ticket, = filed([[again], [first]])["tickets"]
    assert len(reversed_ticket["messages"]) == 1 and len(reversed_ticket["obligations"]) == 1


def test_a_mail_kept_as_a_second_under_its_message_id_by_an_earlier_version_is_not_filed_again():
    """Mail filed before the subject counted in telling two mails under one
    Message-ID apart keeps its key: imported again (from the file, or posted by the
    webhook), it is a repeat, not a second message in the ticket."""
    ingest(build_mail(body="first"))
    second = build_mail(body="a different mail, same id")
    row = RawMail.objects.get(pk=ingest(second).raw_mail_id)
    body = second.replace(b"\r\n", b"\n").partition(b"\n\n")[2].strip()
    row.dedup_key = f"mid:<m1@example.test>#{hashlib.sha256(body).hexdigest()[:16]}"
    row.save(update_fields=["dedup_key"])
    assert ingest(second).outcome == Outcome.DUPLICATE
    assert mail_receive(raw=second, source="webhook").outcome == Outcome.DUPLICATE
    assert Message.objects.count() == 2


def test_without_message_id_identical_bytes_are_a_duplicate():
    raw = build_mail(message_id=None, body="no id")
    assert ingest(raw).outcome == Outcome.STORED
    assert ingest(raw).outcome == Outcome.DUPLICATE
    assert ingest(build_mail(message_id=None, body="no id, other text")).outcome == Outcome.STORED


def test_a_forward_without_a_message_id_posted_and_imported_from_a_file_is_one_message():
    """A colleague forwards a buyer's mail as an attachment from a client that writes no
    Message-ID; the mail service posts it to the webhook and the seller's export has it too.
    The webhook took the forwarded mail's Message-ID for the forward's own, so the file's
    copy was a second message."""
    forward = (
        b"From: Mira <mira@example-seller.com>\r\nTo: support@example-seller.com\r\n"
        b"Subject: Fwd: Question\r\nDate: Mon, 05 Oct 2026 10:00:00 +0000\r\n"
        b"Content-Type: message/rfc822\r\n\r\n"
        b"Message-ID: <original@amazon.test>\r\nFrom: buyer@marketplace.amazon.com\r\n"
        b"Subject: Question\r\n\r\nWhere is my parcel?\r\n"
    )
    assert mail_receive(raw=forward, source="webhook").outcome == Outcome.QUEUED
    assert ingest(forward).outcome == Outcome.DUPLICATE
    assert RawMail.objects.count() == 1


def test_unparsable_mail_is_quarantined_whole_with_its_reason():
    raw = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00binary outlook msg"
    result = ingest(raw)
    assert result.outcome == Outcome.QUARANTINED
    raw_mail = RawMail.objects.get(pk=result.raw_mail_id)
    assert raw_mail.status == RawMailStatus.QUARANTINED
    assert "not an RFC 822 mail" in raw_mail.quarantine_reason
    assert blob_get(raw_mail.sha256) == raw
    assert not Message.objects.exists()
    assert ingest(raw).outcome == Outcome.DUPLICATE


def test_quarantined_mail_can_be_retried_once_it_can_be_stored():
    from helpdesk.marketplaces.defaults import channels_install_defaults
    from helpdesk.marketplaces.models import Channel

    # No marketplace configured yet: the mail cannot be filed, so it waits in quarantine.
    Channel.objects.all().delete()
    result = ingest(build_mail(body="fine mail"))
    assert result.outcome == Outcome.QUARANTINED
    assert "no channel configured" in RawMail.objects.get(pk=result.raw_mail_id).quarantine_reason
    channels_install_defaults()
    [retried] = quarantine_retry()
    assert retried.outcome == Outcome.STORED
    assert RawMail.objects.get(pk=result.raw_mail_id).status == RawMailStatus.STORED
    assert Message.objects.get(raw_id=result.raw_mail_id).ticket.channel.code == "amazon-com"


def test_sent_time_from_the_date_header_in_utc():
    result = ingest(build_mail(date="Mon, 05 Oct 2026 12:30:00 +0200"))
    assert Message.objects.get(pk=result.message_pk).sent_at == datetime(2026, 10, 5, 10, 30, tzinfo=UTC)



@pytest.mark.parametrize("written", [
    "Mon, 30 Mar 2026 08:40:00 +02:00", "Mon, 30 Mar 2026 08:40:00 CEST",
    "Mon, 30 Mar 2026 08:40:00 MESZ", "Mon, 30 Mar 2026 08:40:00 GMT+2",
    "Mon, 30 Mar 2026 08:40:00 GMT+0200", "Mon, 30 Mar 2026 08:40:00 +0200 (CEST)",
])
def test_a_reply_dated_in_the_sellers_summer_time_written_another_way_is_on_time(written):
    """The buyer wrote on the Sunday Berlin's clocks went forward; a German shop system sent
    the answer the next morning, 23 h 40 min later, its Date in summer time but not written
    as RFC 5322 wants ("+02:00", "CEST", "GMT+2"). Read as UTC it was two hours later than
    sent, and late."""
    question = buyer_message(1, datetime(2026, 3, 29, 7, 0, tzinfo=UTC), alias="jana",
                             order="302-1234567-1234567", tld="de")
    reply = f"Date: {written}\n".encode() + build_mail(
        message_id="<s2@seller.test>", date=None, subject="Re: Question",
        sender="Mugshop <service@mugshop.de>", to="jana@marketplace.amazon.de",
        headers={"In-Reply-To": "<b1@amazon.test>"}, body="Ist unterwegs.",
    )
    with time_machine.travel(datetime(2026, 3, 30, 12, 0, tzinfo=UTC), tick=False):
        mails_ingest([("files", question), ("Sent.mbox", reply)])
    assert Message.objects.get(message_id="<s2@seller.test>").sent_at == datetime(
        2026, 3, 30, 6, 40, tzinfo=UTC)
    clock = Obligation.objects.get()
    assert (clock.state, clock.satisfied_at) == ("met", datetime(2026, 3, 30, 6, 40, tzinfo=UTC))

def test_sent_time_falls_back_to_the_newest_received_header():
    raw = (
        b"Received: from b by c; Tue, 06 Oct 2026 09:00:00 +0000\r\n"
        b"Received: from a by b; Tue, 06 Oct 2026 08:59:00 +0000\r\n"
        + build_mail(date="not a date at all")
    )
    result = ingest(raw)
    assert Message.objects.get(pk=result.message_pk).sent_at == datetime(2026, 10, 6, 9, 0, tzinfo=UTC)


def test_a_buyer_whose_clock_is_years_behind_opens_no_clock_already_overdue():
    """A phone set to 2016: the Date header said ten years ago, the ticket's 24-hour clock
    was overdue on arrival and a violation in the report. The seller's own server wrote when
    the mail arrived (the topmost Received header): the clock starts then."""
    raw = (
        b"Received: from mx by mx1.example-seller.com; Tue, 06 Oct 2026 09:00:00 +0000\r\n"
        + build_mail(body=amazon_body("Where is my parcel?"),
                     date="Sat, 01 Oct 2016 09:00:00 +0000")
    )
    with time_machine.travel(datetime(2026, 10, 6, 9, 5, tzinfo=UTC), tick=False):
        result = ingest(raw)
    message = Message.objects.get(pk=result.message_pk)
    assert message.sent_at == datetime(2026, 10, 6, 9, 0, tzinfo=UTC)
    clock = message.ticket.obligations.get()
    assert clock.due_at == datetime(2026, 10, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("date", [
    "Thu, 01 Jan 1970 00:00:00 +0000",  # a device's clock reset to zero
    "Mon, 01 Jan 1900 00:00:00 +0000",
    "Mon, 01 Jan 0001 00:00:00 +0000",  # a zeroed date; the email package reads it as 2001
    "Fri, 31 Dec 99 23:59:59 +0000",
])
def test_a_date_from_before_any_marketplace_mail_without_a_received_header_is_no_date(date):
    """Taken at its word with no Received header to correct it, the buyer's question was
    overdue, and a missed answer on record, decades before it came in."""
    at = datetime(2026, 10, 6, 9, 5, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        # Written as it came: EmailMessage would write "0001" back as 2001.
        raw = f"Date: {date}\n".encode() + build_mail(body=amazon_body("Where is my parcel?"),
                                                       date=None)
        result = ingest(raw)
        message = Message.objects.get(pk=result.message_pk)
        assert message.sent_at == at
        clock = message.ticket.obligations.get()
        assert (clock.state, clock.due_at) == ("pending", at + timedelta(hours=24))


def test_a_date_minutes_before_its_arrival_is_the_sent_time():
    raw = (
        b"Received: from mx by mx1.example-seller.com; Tue, 06 Oct 2026 09:40:00 +0000\r\n"
        + build_mail(date="Tue, 06 Oct 2026 09:00:00 +0000")
    )
    result = ingest(raw)
    assert Message.objects.get(pk=result.message_pk).sent_at == datetime(
        2026, 10, 6, 9, 0, tzinfo=UTC)


def test_sent_time_falls_back_to_the_ingest_time():
    before = timezone.now()
    result = ingest(build_mail(date=None))
    sent_at = Message.objects.get(pk=result.message_pk).sent_at
    assert before <= sent_at <= timezone.now()


def test_a_date_in_the_future_is_clamped_to_the_ingest_time():
    result = ingest(build_mail(date="Thu, 01 Jan 2032 00:00:00 +0000"))
    message = Message.objects.get(pk=result.message_pk)
    assert message.sent_at == message.received_at


def test_script_in_buyer_html_never_reaches_the_stored_html():
    html = ('<p>Hello <b>there</b></p><script>alert("x")</script>'
            '<img src="x" onerror="alert(1)"><a href="javascript:alert(2)">link</a>')
    result = ingest(build_mail(body="Hello there", html=html))
    stored = Message.objects.get(pk=result.message_pk).body_html
    assert "<b>there</b>" in stored
    for bad in ("<script", "onerror", "javascript:", "alert(\"x\")"):
        assert bad not in stored


def test_a_reply_threads_by_in_reply_to():
    first = ingest(build_mail(message_id="<q1@x>", subject="Help", body=amazon_body("Help?")))
    reply = ingest(build_mail(
        message_id="<r1@x>", subject="Re: Help", sender="support@example-seller.com",
        to="abc123xyz@marketplace.amazon.com", body="We are on it.",
        headers={"In-Reply-To": "<q1@x>", "References": "<q1@x>"},
    ))
    assert not reply.ticket_created
    message = Message.objects.get(pk=reply.message_pk)
    assert message.ticket_id == Message.objects.get(pk=first.message_pk).ticket_id
    assert message.direction == "out" and message.kind == "seller_reply"
    assert message.ticket.status == "waiting"


def test_a_reply_to_a_mail_whose_id_is_utf8_joins_that_mail_not_another_buyers():
    """RFC 6532 allows UTF-8 in a Message-ID. Read as U+FFFD for each byte, the ids of two
    buyers' mails were one, and the seller's answer to the first buyer joined the second
    buyer's ticket: the first stayed unanswered, the second showed a stranger's reply."""
    t0 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    def utf8_id(raw: bytes, written: str) -> bytes:
        return raw.replace(b"<b1@amazon.test>", written.encode()).replace(
            b"<b2@amazon.test>", written.encode())

    alice = utf8_id(buyer_message(1, t0, alias="alice", order="114-1111111-1111111"),
                    "<ü1@shop.de>")
    bob = utf8_id(buyer_message(2, t0 + timedelta(minutes=5), alias="bob",
                                order="114-2222222-2222222"), "<ö1@shop.de>")
    answer = utf8_id(seller_reply(3, t0 + timedelta(hours=1), alias="alice",
                                  refs="<b1@amazon.test>", subject="Re: Hello"), "<ü1@shop.de>")
    results = mails_ingest([("file:a", alice), ("file:b", bob), ("file:c", answer)])
    reply = Message.objects.get(pk=results[2].message_pk)
    assert reply.ticket.buyer.alias == "alice@marketplace.amazon.com"
    assert reply.ticket_id == Message.objects.get(pk=results[0].message_pk).ticket_id
    assert Message.objects.get(pk=results[1].message_pk).ticket.messages.count() == 1
    # Imported again, nothing changes.
    assert [r.outcome for r in mails_ingest([("file:a", alice), ("file:b", bob),
                                             ("file:c", answer)])] == ["duplicate"] * 3


def test_a_mail_with_a_utf8_id_kept_by_an_earlier_version_is_not_filed_again():
    """Its key held the id as read then (U+FFFD for each byte), and still does."""
    raw = build_mail(message_id=None, body="Hello").replace(
        b"From:", "Message-ID: <ü7@shop.de>\nFrom:".encode(), 1)
    row = RawMail.objects.get(pk=ingest(raw).raw_mail_id)
    assert row.dedup_key == "mid:<\ufffd\ufffd7@shop.de>"
    assert ingest(raw).outcome == Outcome.DUPLICATE
    assert mail_receive(raw=raw, source="webhook").outcome == Outcome.DUPLICATE
    assert Message.objects.get().message_id == "<ü7@shop.de>"


def test_a_reply_stored_before_the_mail_it_answers_still_threads():
    reply = ingest(build_mail(
        message_id="<r2@x>", subject="Re: Late", sender="support@example-seller.com",
        to="zz9@marketplace.amazon.com", body="Answer", headers={"In-Reply-To": "<q2@x>"},
    ))
    question = ingest(build_mail(message_id="<q2@x>", subject="Late", sender="zz9@marketplace.amazon.com",
                                 body="Question"))
    assert not question.ticket_created
    assert Ticket.objects.count() == 1
    assert reply.ticket_created


def test_a_follow_up_without_references_threads_by_order_and_buyer():
    ingest(build_mail(message_id="<a@x>", subject="Order delivery inquiry", body=amazon_body("Where?")))
    follow = ingest(build_mail(message_id="<b@x>", subject="Something else entirely",
                               body=amazon_body("Still nothing!")))
    assert not follow.ticket_created
    assert Ticket.objects.count() == 1


def test_without_order_id_threads_by_buyer_and_normalised_subject():
    ingest(build_mail(message_id="<c@x>", subject="Question about colours", body="Is it blue?"))
    follow = ingest(build_mail(message_id="<d@x>", subject="RE: AW: Question about colours",
                               body="Hello?"))
    assert not follow.ticket_created
    other = ingest(build_mail(message_id="<e@x>", subject="Another topic", body="Hi"))
    assert other.ticket_created


@pytest.mark.parametrize(("tld", "subject", "reply"), [
    ("fr", "Question sur la taille", "RE : TR : Question sur la taille"),
    ("fr", "Question sur la taille", "Réf : Question sur la taille"),
    ("it", "Domanda sul colore", "R: I: RIF: Domanda sul colore"),
    ("es", "Pregunta sobre el color", "RE: RV: Pregunta sobre el color"),
    ("de", "Frage zur Größe", "Antw: WG: AW: Frage zur Größe"),
    ("co.jp", "商品について", "Ｒｅ：商品について"),
    ("co.jp", "商品について", "返信: 転送: 商品について"),
    ("com", "Question about colours", "[External] RE: Question about colours"),
    ("com", "Question about colours", "RE: Question about colours [EXTERNAL]"),
    ("com", "Question about colours", "Re[2]: [EXT] Re: Question about colours"),
])
def test_a_reply_in_the_buyers_language_threads_by_subject_without_references(
    tld, subject, reply
):
    """A pre-sale question names no order: a buyer's answer without In-Reply-To joins it only
    by the subject, whatever the buyer's mail program put before (or after) it."""
    sender = f'"Léa Martin - Amazon Marketplace" <lea7x@marketplace.amazon.{tld}>'
    ingest(build_mail(message_id="<q@x>", sender=sender, subject=subject, body="Bonjour ?"))
    follow = ingest(build_mail(message_id="<r@x>", sender=sender, subject=reply, body="Alors ?",
                               date="Mon, 05 Oct 2026 12:00:00 +0000"))
    assert not follow.ticket_created
    assert Ticket.objects.count() == 1


def test_auto_replies_are_flagged():
    result = ingest(build_mail(sender="someone@example.org", subject="Out of office",
                               headers={"Auto-Submitted": "auto-replied"}))
    message = Message.objects.get(pk=result.message_pk)
    assert message.is_auto and message.kind == "auto_reply"


@pytest.mark.parametrize("header", [("X-Autoreply", "yes"), ("Precedence", "auto_reply")])
def test_other_auto_reply_headers(header):
    result = ingest(build_mail(headers=dict([header])))
    assert Message.objects.get(pk=result.message_pk).is_auto


def test_unknown_mail_becomes_an_other_ticket():
    result = ingest(build_mail(sender="supplier@example.org", subject="Invoice 4711"))
    ticket = Message.objects.get(pk=result.message_pk).ticket
    assert ticket.kind == "other" and ticket.channel.is_default


def test_a_question_retried_from_quarantine_after_its_replies_joins_them_as_if_it_came_first():
    """The replies to a quarantined question each opened a ticket of their own; once the
    question is filed again it links them: one ticket, the clock met by the first reply,
    exactly what filing all of it in the order written shows."""
    t = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    question = buyer_message(1, t, alias="ola", order="", subject="Mug")
    replies = [
        seller_reply(2, t + timedelta(hours=1), alias="ola", refs="<b1@amazon.test>",
                     subject="Re: Mug"),
        seller_reply(3, t + timedelta(hours=2), alias="ola", refs="<b1@amazon.test>",
                     subject="Your parcel"),
        buyer_message(4, t + timedelta(hours=3), alias="ola", order="", subject="Re: Mug",
                      refs="<s3@seller.test>"),
    ]
    expected = filed([[question, *replies]])
    assert len(expected["tickets"]) == 1

    for rest in permutations(replies):
        def file(rest=rest) -> None:
            kept = mail_receive(raw=question, source="http")
            raw_mail_quarantine(RawMail.objects.get(pk=kept.raw_mail_id), "no channel configured")
            mails_ingest([("run0", rest[0])])
            mails_ingest([("run1", raw) for raw in rest[1:]])
            assert len(Ticket.objects.all()) > 1  # the replies alone do not know they belong
            assert [r.outcome for r in quarantine_retry()] == [Outcome.STORED]
        assert shown_after(file) == expected

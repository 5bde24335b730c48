"""`manage.py ingest`: files, directories, mbox, Maildir, the JSON summary, exit codes."""

import json
import mailbox
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from mails import amazon_body, build_mail

from helpdesk.mail import batch as filing
from helpdesk.mail import services as ingest_service
from helpdesk.mail.models import RawMail
from helpdesk.tickets.models import Message

pytestmark = pytest.mark.django_db


def run_ingest(*args) -> dict:
    out = StringIO()
    call_command("ingest", *map(str, args), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_eml_files_and_directories_recursively(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "one.eml").write_bytes(build_mail(message_id="<1@x>", body=amazon_body("One")))
    (tmp_path / "a" / "b" / "two.eml").write_bytes(
        build_mail(message_id="<2@x>", sender="other@marketplace.amazon.com", body="Two")
    )
    (tmp_path / "a" / "notes.txt").write_text("just some notes, not a mail")
    summary = run_ingest(tmp_path)
    assert summary == {"read": 3, "stored": 2, "duplicates": 0, "quarantined": 1,
                       "tickets_created": 2}
    assert run_ingest(tmp_path) == {"read": 3, "stored": 0, "duplicates": 3, "quarantined": 0,
                                    "tickets_created": 0}


def test_a_folder_of_large_mails_is_read_in_batches_of_bounded_bytes(tmp_path, monkeypatch):
    # Buyers' photos: a few MB a mail made batches of gigabytes, three held at a time.
    monkeypatch.setattr(filing, "BATCH_BYTES", 200_000)
    photo = "A photo of the crack: " + "x" * 60_000
    for n in range(10):
        (tmp_path / f"{n:02}.eml").write_bytes(build_mail(
            message_id=f"<photo{n}@x>", sender=f"p{n}@marketplace.amazon.com", body=photo))
    (tmp_path / "10.eml").write_bytes(build_mail(  # larger than a batch on its own
        message_id="<video@x>", sender="v@marketplace.amazon.com", body="y" * 300_000))
    batches = list(ingest_service._batches(sorted(tmp_path.iterdir()), None))
    assert [len(batch) for batch in batches] == [3, 3, 3, 1, 1]
    assert all(sum(len(raw) for _, raw in batch) <= 200_000 for batch in batches[:-1])
    assert run_ingest(tmp_path)["stored"] == 11


def test_mbox_file(tmp_path):
    box = mailbox.mbox(tmp_path / "mails.mbox")
    for n in range(3):
        box.add(build_mail(message_id=f"<mb{n}@x>", sender=f"b{n}@marketplace.amazon.com",
                           body=f"Mail {n}"))
    box.close()
    assert run_ingest(tmp_path / "mails.mbox")["stored"] == 3
    assert Message.objects.filter(buyer_text="Mail 2").exists()


def test_a_buyers_line_starting_with_from_reads_as_written_from_an_mbox(tmp_path):
    """An mbox writes a body line "From the photos…" as ">From the photos…" (its own
    separator is "From "). Read back as written, the buyer's words from there on were folded
    away as quoted history, and the mail, fetched once more from the mailbox, was a second
    message in the ticket (its body differed)."""
    words = "The mug came broken.\nFrom the photos you can see the crack.\nPlease refund."
    mail = build_mail(message_id="<from-line@x>", body=amazon_body(words))
    box = mailbox.mbox(tmp_path / "export.mbox")
    box.add(mail)
    box.close()
    assert b"\n>From the photos" in (tmp_path / "export.mbox").read_bytes()
    assert run_ingest(tmp_path / "export.mbox")["stored"] == 1
    assert Message.objects.get().buyer_text == words
    from helpdesk.mail.services import mail_ingest

    assert mail_ingest(raw=mail, source="imap:INBOX").outcome == "duplicate"


def mbox_of(path, mails: list[bytes]):
    box = mailbox.mbox(path)
    for raw in mails:
        box.add(raw)
    box.close()
    return path


def test_a_backlog_of_a_thousand_mails_imported_again_stores_nothing_and_keeps_its_figures(
    tmp_path, django_assert_max_num_queries
):
    """An operator runs the same import twice (or a mailbox export overlaps the last one):
    every mail is a repeat. A second import of 1,000 mails stopped with "Expression tree is
    too large" on SQLite, the mails after it unread."""
    mails = [build_mail(message_id=f"<backlog{n}@x>", sender=f"b{n % 50}@marketplace.amazon.com",
                        subject=f"Question {n}", body=amazon_body(f"Mail {n}")) for n in range(1000)]
    box = mbox_of(tmp_path / "backlog.mbox", mails)
    assert run_ingest(box)["stored"] == 1000
    with django_assert_max_num_queries(60):
        again = run_ingest(box)
    assert again == {"read": 1000, "stored": 0, "duplicates": 1000, "quarantined": 0,
                     "tickets_created": 0}


def test_a_thousand_other_mails_reusing_message_ids_are_each_kept_once_over_two_imports(
    tmp_path,
):
    """A broken shop system that gives every mail of a day the same few Message-IDs: each
    different mail is kept under a key of its own, and importing them all again keeps none
    twice."""
    first = [build_mail(message_id=f"<reused{n % 600}@x>", subject=f"First {n}",
                        sender=f"b{n % 50}@marketplace.amazon.com", body=f"Mail {n}")
             for n in range(600)]
    other = [build_mail(message_id=f"<reused{n % 600}@x>", subject=f"Other {n}",
                        sender=f"b{n % 50}@marketplace.amazon.com", body=f"Mail {n}")
             for n in range(600)]
    assert run_ingest(mbox_of(tmp_path / "first.mbox", first))["stored"] == 600
    both = mbox_of(tmp_path / "both.mbox", first + other)
    assert run_ingest(both)["stored"] == 600
    assert run_ingest(both)["duplicates"] == 1200
    assert RawMail.objects.count() == 1200


def test_maildir_folder(tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for n in range(2):
        box.add(build_mail(message_id=f"<md{n}@x>", sender=f"m{n}@marketplace.amazon.de",
                           body=f"Maildir {n}"))
    summary = run_ingest(tmp_path / "Maildir")
    assert summary["read"] == 2 and summary["stored"] == 2
    assert Message.objects.get(buyer_text="Maildir 1").ticket.channel.code == "amazon-de"


def test_retry_quarantined_reports_what_it_did(tmp_path):
    (tmp_path / "bad.eml").write_bytes(b"\x00\x01 not a mail")
    assert run_ingest(tmp_path)["quarantined"] == 1
    out = StringIO()
    call_command("ingest", "--retry-quarantined", "--json", stdout=out)
    assert json.loads(out.getvalue())["quarantined"] == 1
    assert RawMail.objects.get().quarantine_reason


def test_readable_summary_without_json(tmp_path):
    (tmp_path / "one.eml").write_bytes(build_mail())
    out = StringIO()
    call_command("ingest", str(tmp_path), stdout=out)
    assert "read 1, stored 1" in out.getvalue()


def test_usage_errors_exit_non_zero(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("ingest", str(tmp_path / "missing"))
    with pytest.raises(CommandError, match="at least one path"):
        call_command("ingest")


@pytest.mark.parametrize("content", [
    b"From a@x Mon Oct  5 10:00:00 2026\nSubject: one\n\nbody\n\nFrom b@x Mon Oct  5 10:01:00 2026\n"
    b"Subject: two\n\n>From quoted\nlast line\n",
    # a From line without the blank line before it, CRLF lines, trailing blank lines
    b"From a@x\r\nSubject: one\r\n\r\nbody\r\nFrom b@x\r\nSubject: two\r\n\r\nbody\r\n\r\n\n",
    b"From only@x\nSubject: alone\n\nno newline at the end",
    b"From a@x\n\n\nFrom b@x\n",
])
def test_an_mbox_is_read_as_a_stream_into_the_same_mails_as_the_standard_library(
    tmp_path, content
):
    from helpdesk.mail.sources.files import mbox_mails

    path = tmp_path / "box"
    path.write_bytes(content)
    box = mailbox.mbox(path, factory=None, create=False)
    # ... but for the body's quoted ">From " lines, which it leaves and we unquote.
    assert list(mbox_mails(path)) == [re.sub(rb"(?m)^>(>*From )", rb"\1", box.get_bytes(key))
                                      for key in box.iterkeys()]

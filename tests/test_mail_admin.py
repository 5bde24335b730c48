"""The rule lists in admin: what an admin types is checked where it is typed, a row that
fails anyway is skipped (the mail is still filed) and shown, and any row can be tried on a
stored mail without changing anything."""

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from mails import build_mail

from helpdesk.mail.models import (
    BodyMarker,
    ExtractionPattern,
    Mailbox,
    RawMail,
    RecognitionRule,
)
from helpdesk.mail.parse import parse_mail
from helpdesk.mail.recognise import Ruleset, recognise
from helpdesk.patterns import MATCH_TIMEOUT_SECONDS
from helpdesk.tickets.models import MessageKind, Ticket

pytestmark = pytest.mark.django_db

RULE = {"name": "Typo", "platform": "amazon", "language": "", "field": "subject",
        "pattern": "^Delivery question", "message_kind": "buyer_message", "priority": "5",
        "active": "on"}
LIEFERUNG = "amazon-de/lieferung_01_kaeufer.eml"


def _errors(page) -> str:
    assert page.status_code == 200, "a refused form is shown again, not saved"
    return page.content.decode()


@pytest.mark.parametrize("typo, message", [
    ({"message_kind": "buyer-mesage"}, "Select a valid choice"),
    ({"platform": "amazn"}, "Select a valid choice"),
    ({"pattern": "(unclosed"}, "Not a valid regular expression"),
    ({"pattern": "(a|aa)+:"}, "exponential time"),
    ({"pattern": "Claim received|"}, "matches an empty text"),
    # Recursion into the whole pattern (the regex module's (?R)) runs without end on any text.
    ({"pattern": "(?R)"}, "exponential time"),
    ({"pattern": "claim|(?R)x"}, "exponential time"),
    ({"language": "deutsch"}, "Select a valid choice"),
])
def test_a_recognition_rule_typo_is_refused_on_its_field(admin_client, typo, message):
    page = admin_client.post("/admin/mail/recognitionrule/add/", {**RULE, **typo})
    assert message in _errors(page)
    assert not RecognitionRule.objects.filter(name="Typo").exists()


def test_the_rule_form_offers_the_kinds_and_platforms_to_pick_from(admin_client):
    page = admin_client.get("/admin/mail/recognitionrule/add/").content.decode()
    assert '<select name="message_kind"' in page and 'value="return_request"' in page
    assert '<select name="platform"' in page and 'value="kaufland"' in page


def test_extraction_patterns_and_body_markers_refuse_a_bad_pattern(admin_client):
    extraction = {"platform": "amazon", "what": "order_id", "field": "subject",
                  "priority": "5", "active": "on"}
    page = admin_client.post("/admin/mail/extractionpattern/add/",
                             {**extraction, "pattern": "(unclosed"})
    assert "Not a valid regular expression" in _errors(page)
    page = admin_client.post("/admin/mail/extractionpattern/add/",
                             {**extraction, "pattern": r"\d{3}-\d{7}-\d{7}"})
    assert "(?P&lt;value&gt;" in _errors(page)  # nothing named to take
    marker = {"platform": "amazon", "language": "de", "end": "", "active": "on"}
    page = admin_client.post("/admin/mail/bodymarker/add/", {**marker, "begin": "(unclosed"})
    assert "Not a valid regular expression" in _errors(page)
    page = admin_client.post("/admin/mail/bodymarker/add/", {**marker, "begin": "^-+ Anfang",
                                                              "language": "klingon"})
    assert "Select a valid choice" in _errors(page)
    assert ExtractionPattern.objects.filter(priority=5).count() == 0
    assert not BodyMarker.objects.filter(begin="(unclosed").exists()


def test_every_installed_rule_passes_the_checks_the_admin_applies():
    for model in (RecognitionRule, ExtractionPattern, BodyMarker):
        rows = list(model.objects.all())
        assert rows
        for row in rows:
            row.full_clean()


def test_bad_rows_written_around_the_form_are_skipped_shown_and_the_mail_is_filed(
    admin_client, ingest_file
):
    rule = RecognitionRule.objects.filter(active=True).first()
    marker = BodyMarker.objects.filter(active=True).first()
    extraction = ExtractionPattern.objects.filter(active=True).first()
    RecognitionRule.objects.filter(pk=rule.pk).update(pattern="(unclosed")
    BodyMarker.objects.filter(pk=marker.pk).update(begin="(unclosed")
    ExtractionPattern.objects.filter(pk=extraction.pk).update(pattern="[unclosed")

    result = ingest_file(LIEFERUNG)

    raw = RawMail.objects.get(pk=result.raw_mail_id)
    assert raw.status == "stored"
    ticket = Ticket.objects.get()
    assert ticket.kind == MessageKind.BUYER_MESSAGE and ticket.order.order_id
    for model, pk in ((RecognitionRule, rule.pk), (BodyMarker, marker.pk),
                      (ExtractionPattern, extraction.pk)):
        assert "Not a valid regular expression" in model.objects.get(pk=pk).last_error
    page = admin_client.get("/admin/mail/recognitionrule/").content.decode()
    assert "row(s) are skipped when mail is read" in page
    assert f"#{rule.pk}: Not a valid regular expression" in page


def test_a_rule_matching_every_mail_written_around_the_form_does_not_turn_mail_into_claims(
    ingest_file
):
    """A trailing | (a typo the form refuses) in a rule written by a queryset update: the
    rule is skipped and noted, and a buyer's question stays a buyer message."""
    rule = RecognitionRule.objects.create(name="Claims", field="subject", message_kind="claim",
                                          pattern="^Claim received", priority=1)
    RecognitionRule.objects.filter(pk=rule.pk).update(pattern="^Claim received|")
    ingest_file(LIEFERUNG)
    assert Ticket.objects.get().kind == MessageKind.BUYER_MESSAGE
    assert "matches an empty text" in RecognitionRule.objects.get(pk=rule.pk).last_error


@pytest.mark.parametrize("pattern", [".", r"\S", ".+", r"[\s\S]", r"[^\n]"])
def test_a_recognition_rule_that_matches_any_text_is_refused_and_skipped(
    admin_client, ingest_file, pattern
):
    """"." (a dot typed alone, or a rule tried out) saved at priority 1 made every mail,
    buyer questions included, a claim on its 72-hour clock."""
    page = admin_client.post("/admin/mail/recognitionrule/add/", {
        **RULE, "pattern": pattern, "message_kind": "claim", "priority": "1"})
    assert "matches any text" in _errors(page)
    assert not RecognitionRule.objects.filter(name="Typo").exists()

    rule = RecognitionRule.objects.create(name="Claims", field="subject", priority=1,
                                          message_kind="claim", pattern=pattern)
    ingest_file(LIEFERUNG)
    assert Ticket.objects.get().kind == MessageKind.BUYER_MESSAGE
    assert "matches any text" in RecognitionRule.objects.get(pk=rule.pk).last_error


def test_a_backtracking_rule_costs_a_mail_its_budget_and_no_more(ingest_file):
    RecognitionRule.objects.create(name="Nested", field="subject", pattern=r"^(\w+\s?)+:",
                                   message_kind="claim", priority=1)
    mail = parse_mail(build_mail(subject="a" * 33 + "!"))
    rules = Ruleset()  # (loading the tables is not the match's time)
    started = time.monotonic()
    found = recognise(mail, rules)
    assert time.monotonic() - started < MATCH_TIMEOUT_SECONDS
    assert found.kind == MessageKind.BUYER_MESSAGE  # the nested rule does not match

    slow = RecognitionRule.objects.create(name="Slow", field="subject", pattern="x",
                                          message_kind="claim", priority=2)
    # Written around the form, which would refuse it.
    RecognitionRule.objects.filter(pk=slow.pk).update(pattern="(a|aa)+:")
    mail = parse_mail(build_mail(subject="a" * 60 + "!"))
    rules = Ruleset()
    started = time.monotonic()
    found = recognise(mail, rules)
    # The slow rule is tried on the hostile probes when the rules are compiled, skipped,
    # and noted for the admin; the mail is read without it.
    assert time.monotonic() - started < 3 * MATCH_TIMEOUT_SECONDS + 0.5
    assert found.kind == MessageKind.BUYER_MESSAGE
    assert "exponential time" in RecognitionRule.objects.get(pk=slow.pk).last_error
    result = ingest_file(LIEFERUNG)
    assert RawMail.objects.get(pk=result.raw_mail_id).status == "stored"


def test_saving_a_row_clears_its_last_error(admin_client):
    rule = RecognitionRule.objects.first()
    RecognitionRule.objects.filter(pk=rule.pk).update(last_error="Skipped on a mail: slow")
    rule.refresh_from_db()
    rule.save()
    assert RecognitionRule.objects.get(pk=rule.pk).last_error == ""


def test_the_dry_run_shows_what_a_rule_matches_and_what_the_mail_becomes(
    admin_client, ingest_file
):
    raw_id = ingest_file(LIEFERUNG).raw_mail_id
    rule = RecognitionRule.objects.create(
        name="Lieferung is a claim", platform="amazon", field="subject", pattern="Lieferung",
        message_kind="claim", priority=0, active=False,
    )
    before = (Ticket.objects.count(), RawMail.objects.count())
    page = admin_client.post("/admin/mail/recognitionrule/",
                             {"action": "trial", "_selected_action": [rule.pk]})
    assert page.status_code == 302 and page["Location"].endswith(f"/{rule.pk}/test/")

    page = admin_client.get(page["Location"], {"raw_mail": raw_id}).content.decode()
    assert "<strong>Lieferung" in page
    # The inactive rule tried as if active; a buyer's relayed message stays a message.
    assert "inactive" in page
    assert "Buyer message (buyer_message)" in page
    assert "comes through the buyer&#x27;s relay address" in page
    assert "amazon.de" in page.lower()
    assert (Ticket.objects.count(), RawMail.objects.count()) == before
    assert Ticket.objects.get().kind != "claim"


def test_the_dry_run_shows_the_kind_a_rule_gives_a_relayed_message(admin_client, ingest_file):
    raw_id = ingest_file(LIEFERUNG).raw_mail_id
    rule = RecognitionRule.objects.create(
        name="Lieferung is a cancellation", platform="amazon", field="subject",
        pattern="Lieferung", message_kind="cancellation", priority=0, active=False,
    )
    page = admin_client.get(f"/admin/mail/recognitionrule/{rule.pk}/test/",
                            {"raw_mail": raw_id}).content.decode()
    assert "Cancellation request (cancellation)" in page


def test_the_dry_run_of_an_extraction_pattern_shows_the_value_taken(admin_client, ingest_file):
    raw_id = ingest_file(LIEFERUNG).raw_mail_id
    pattern = ExtractionPattern.objects.filter(what="order_id", field="body").first()
    url = f"/admin/mail/extractionpattern/{pattern.pk}/test/"
    page = admin_client.get(url, {"raw_mail": raw_id}).content.decode()
    order_id = Ticket.objects.get().order.order_id
    assert f"value “{order_id}”" in page

    page = admin_client.get(url, {"raw_mail": 10**12}).content.decode()
    assert "There is no stored mail with this id" in page
    page = admin_client.get(url, {"raw_mail": "abc"})
    assert page.status_code == 200 and "Enter a whole number" in page.content.decode()


def test_the_dry_run_of_a_body_marker_shows_the_line_it_finds(admin_client, ingest_file):
    raw_id = ingest_file(LIEFERUNG).raw_mail_id
    marker = BodyMarker.objects.filter(platform="amazon", language="de").first()
    page = admin_client.get(f"/admin/mail/bodymarker/{marker.pk}/test/",
                            {"raw_mail": raw_id}).content.decode()
    assert "Begin line" in page and "line " in page and "no match" not in page.split(
        "Begin line")[1].split("</tr>")[0]


def test_a_rule_with_a_kind_no_form_offers_is_skipped_and_shown(admin_client, ingest_file):
    # Saved before kinds were choices: mail it matched became a kind the product does not
    # know, a ticket with no clock.
    rule = RecognitionRule.objects.create(name="Typo", platform="amazon", field="subject",
                                          pattern="Lieferung", message_kind="claim",
                                          priority=0)
    RecognitionRule.objects.filter(pk=rule.pk).update(message_kind="buyer-mesage")
    ingest_file(LIEFERUNG)
    assert Ticket.objects.get().kind == MessageKind.BUYER_MESSAGE
    assert "Unknown message kind 'buyer-mesage'" in RecognitionRule.objects.get(
        pk=rule.pk).last_error
    page = admin_client.get("/admin/mail/recognitionrule/").content.decode()
    assert f"#{rule.pk}: Unknown message kind" in page


MAILBOX = {"name": "shop", "host": "imap.example-seller.com", "port": "993", "use_tls": "on",
           "username": "support@example-seller.com", "password_env": "SHOP_IMAP_PASSWORD",
           "folders": "INBOX,Sent", "sent_folders": "Sent", "active": "on",
           "folder_states-TOTAL_FORMS": "0", "folder_states-INITIAL_FORMS": "0",
           "folder_states-MIN_NUM_FORMS": "0", "folder_states-MAX_NUM_FORMS": "1000"}


@pytest.mark.parametrize("typo, message", [
    ({"host": "imap..example-seller.com"}, "Type the server&#x27;s name alone"),
    ({"host": "imaps://imap.example-seller.com"}, "Type the server&#x27;s name alone"),
    ({"host": "imap.example-seller.com:993"}, "Type the server&#x27;s name alone"),
    ({"port": "0"}, "greater than or equal to 1"),
    ({"port": "70000"}, "less than or equal to 65535"),
    ({"password_env": "hunter2!Secret"}, "Name the environment variable"),
    ({"folders": " , "}, "Name at least one folder"),
    ({"folders": "INBOX,Gesendet"}, "Sent is not one of the folders fetched"),
])
def test_a_mailbox_typo_is_refused_on_its_field(admin_client, typo, message):
    """Saved, "imap..example-seller.com" stopped fetch_mail with a UnicodeError before any
    mailbox after it was polled; a sent folder not fetched meant the seller's own replies
    never reached the product and stopped no clock; a password typed where its variable's
    name goes was printed in the mailbox's error."""
    page = admin_client.post("/admin/mail/mailbox/add/", {**MAILBOX, **typo})
    assert message in _errors(page)
    assert not Mailbox.objects.exists()


def test_a_mailbox_as_servers_name_themselves_is_saved(admin_client):
    for name, host in [("shop", "IMAP.Example-Seller.com"), ("local", "127.0.0.1"),
                       ("six", "::1"), ("dev", "localhost")]:
        page = admin_client.post("/admin/mail/mailbox/add/", {
            **MAILBOX, "name": name, "host": host, "folders": "INBOX, Gesendete Objekte",
            "sent_folders": "gesendete objekte"})
        assert page.status_code == 302, page.content.decode()
    assert Mailbox.objects.count() == 4


def test_a_mailbox_host_saved_around_the_form_is_its_own_error_not_the_fetchs(
    monkeypatch,
):
    """Saved by a script, a host the form refuses failed fetch_mail with a UnicodeError:
    the mailboxes after it went unpolled and nothing said which one was wrong."""
    monkeypatch.setenv("SHOP_IMAP_PASSWORD", "x")
    Mailbox.objects.create(name="a-typo", host="imap..example-seller.com", use_tls=False,
                           username="x", password_env="SHOP_IMAP_PASSWORD")
    with pytest.raises(CommandError) as failure:
        call_command("fetch_mail", stdout=StringIO())
    assert "a-typo (could not connect to imap..example-seller.com:993" in str(failure.value)
    assert "label empty" in Mailbox.objects.get().last_error

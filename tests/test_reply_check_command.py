"""``manage.py reply_check``: the composer's check on a text from a file or stdin, as JSON;
exit 0 whatever it finds, a clear error for bad arguments."""

import io
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from helpdesk.marketplaces.models import Channel, Order

pytestmark = pytest.mark.django_db
ORDER = "171-1234567-7654321"
ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("reply_check", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def text_file(tmp_path, text: str) -> str:
    path = tmp_path / "reply.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_template_file_that_breaks_a_rule_is_reported_blocked(tmp_path):
    name = text_file(tmp_path, "Subject: Votre commande\n\nMerci ! Laissez-nous un avis 5 étoiles.")
    report = run("--channel", "amazon-fr", "--language", "fr", name)
    assert report["blocked"] is True
    assert [(f["rule"], f["severity"], f["language"], f["quote"]) for f in report["findings"]] == [
        ("Positive review or feedback asked for, or a change to one (fr)", "block", "fr",
         "avis 5 étoiles"),
    ]


def test_a_clean_text_is_not_blocked(tmp_path):
    name = text_file(tmp_path, "Bonjour, votre colis arrive demain. Cordialement")
    assert run("--channel", "amazon-fr", name) == {"blocked": False, "findings": []}


def test_stdin_is_read_and_the_marketplace_language_is_the_default(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Bitte bewerten Sie uns mit 5 Sternen."))
    report = run("--channel", "amazon-de", "-")
    assert [(f["language"], f["quote"]) for f in report["findings"]] == [
        ("de", "bewerten Sie uns mit 5 Sternen")]


def test_a_seller_initiated_message_follows_amazons_rules(tmp_path):
    name = text_file(tmp_path, "Subject: [Important] News\n\nOur new mugs are here 🎉")
    report = run("--channel", "amazon-com", "--seller-initiated", name)
    assert report["blocked"] is True
    assert {f["rule"]: f["quote"] for f in report["findings"]} == {
        "Emoji or GIF in a seller-initiated message": "🎉",
        "Order ID missing in a seller-initiated message": "no order ID in the message",
        "[Important] in the subject without a critical reason": "[Important]",
    }
    # The same text as a reply to the buyer: only the tag stays a finding.
    report = run("--channel", "amazon-com", name)
    assert [f["rule"] for f in report["findings"]] == [
        "[Important] in the subject without a critical reason"]


def test_the_order_given_must_be_named_and_inside_its_window(tmp_path):
    Order.objects.create(order_id=ORDER, channel=Channel.objects.get(code="amazon-com"),
                         delivered_at=timezone.now() - timedelta(days=40))
    name = text_file(tmp_path, f"About your order {ORDER}: how do you like the mug?")
    report = run("--channel", "amazon-com", "--seller-initiated", "--order-id", ORDER, name)
    assert [f["quote"] for f in report["findings"]] == ["the order was completed 40 days ago"]
    report = run("--channel", "amazon-com", "--seller-initiated", "--order-id",
                 "171-0000000-0000000", name)
    assert [f["quote"] for f in report["findings"]] == [
        "order ID 171-0000000-0000000 not in the message"]


def test_a_text_too_long_to_check_is_a_blocking_finding(tmp_path):
    name = text_file(tmp_path, "x" * 40_000)
    report = run("--channel", "amazon-com", name)
    assert report["blocked"] is True
    assert "too long to check" in report["findings"][0]["message"]


@pytest.mark.parametrize(("args", "error"), [
    (["--channel", "amazon-xx", "-"], "Unknown channel 'amazon-xx'; known: amazon-ca"),
    (["--channel", "amazon-de", "--language", "german", "-"], "two-letter code"),
    (["--channel", "amazon-de", "--order-id", "1; drop", "-"], "not an order ID"),
    (["--channel", "amazon-de", "/nonexistent/reply.txt"], "Cannot read /nonexistent/reply.txt"),
])
def test_bad_arguments_are_refused_with_the_reason(args, error):
    with pytest.raises(CommandError, match=error.replace("(", r"\(")):
        call_command("reply_check", *args, "--json", stdout=io.StringIO())


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Grüße".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("reply_check", "--channel", "amazon-de", str(path), stdout=io.StringIO())


def test_bad_arguments_exit_non_zero_from_the_shell():
    done = subprocess.run(
        [sys.executable, "manage.py", "reply_check", "--json", "-"], cwd=ROOT,
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    assert "--channel" in done.stderr


def test_a_file_saved_on_windows_keeps_its_subject(tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes("Subject: [Wichtig] Neuigkeiten\r\n\r\nUnsere neuen Becher sind da.".encode(
        "utf-8-sig"))
    report = run("--channel", "amazon-de", str(path))
    assert [(f["rule"], f["quote"]) for f in report["findings"]] == [
        ("[Important] in the subject without a critical reason", "[Wichtig]")]


def test_without_json_the_findings_are_listed_one_a_line(tmp_path):
    name = text_file(tmp_path, "Recensione a 5 stelle, grazie!")
    out = io.StringIO()
    call_command("reply_check", "--channel", "amazon-it", name, stdout=out)
    assert out.getvalue().splitlines() == [
        "BLOCK  Positive review or feedback asked for, or a change to one (it): "
        "Recensione a 5 stelle",
        "Blocked.",
    ]

"""Every real-world mail in ../shared/corpora goes through: stored, or quarantined with a
reason; none crashes the run; a second ingest stores nothing. Without the corpora (a clone on
its own) these tests are skipped, except under CI where that fails (the ``corpora`` fixture)."""

import json
import os
import random
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from ingest_support import filed

from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.mail.raw_store import blob_get
from helpdesk.mail.sources.files import mails_read, paths_expand

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def run_ingest(path: Path) -> dict:
    out = StringIO()
    call_command("ingest", str(path), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_every_corpus_mail_is_stored_or_quarantined_and_a_second_run_stores_nothing(corpora):
    mails = [m for path in paths_expand([corpora]) for m in mails_read(path)]
    assert len(mails) >= 282

    first = run_ingest(corpora)
    assert first["read"] == len(mails)
    assert first["read"] == first["stored"] + first["duplicates"] + first["quarantined"]
    assert first["stored"] >= 250  # every real mail; what is left are READMEs and indexes

    # Each mail is accounted for: its bytes are kept, and it is stored or quarantined with
    # a reason, or it repeats a mail that is (same Message-ID and same body).
    assert RawMail.objects.filter(status=RawMailStatus.RECEIVED).count() == 0
    for raw_mail in RawMail.objects.filter(status=RawMailStatus.QUARANTINED):
        assert raw_mail.quarantine_reason
        assert blob_get(raw_mail.sha256)
    stored = RawMail.objects.filter(status=RawMailStatus.STORED)
    assert all(hasattr(r, "message") for r in stored.select_related("message"))

    second = run_ingest(corpora)
    assert second == {"read": len(mails), "stored": 0, "duplicates": len(mails),
                      "quarantined": 0, "tickets_created": 0}


def test_the_corpus_in_shuffled_runs_and_again_shows_the_tickets_of_one_run_in_file_order(
    corpora,
):
    """Real reply chains, repeats under one Message-ID, mail without a Message-ID or a Date
    and broken mail: fetched in another order, split over several runs and then all again,
    the tickets, their clocks and the report are those of one run in file order."""
    mails = [raw for path in paths_expand([corpora]) for _, raw in mails_read(path)]
    expected = filed([mails])
    order = mails[:]
    random.Random(7).shuffle(order)
    runs = [order[:40], order[40:41], order[41:200], order[200:]]
    assert filed([*runs, mails[::-1]]) == expected


def test_the_outlook_msg_file_is_quarantined_with_a_reason(corpora):
    run_ingest(corpora / "mail-parser-tests-mails")
    reasons = list(RawMail.objects.filter(status=RawMailStatus.QUARANTINED)
                   .values_list("source", "quarantine_reason"))
    assert any("mail_outlook_1" in source and "Outlook" in reason for source, reason in reasons)


def run_these_tests_without_the_corpora(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """This file's corpus tests in a pytest of their own, the corpora pointed at a place that
    does not exist (a clone without ../shared), on SQLite."""
    environ = {k: v for k, v in os.environ.items()
               if k not in {"CI", "DATABASE_URL", "REDIS_URL"}}
    environ.update(CORPORA_DIR=str(tmp_path / "no-corpora"), **env)
    tests = [f"tests/test_corpora.py::{name}" for name in (
        "test_every_corpus_mail_is_stored_or_quarantined_and_a_second_run_stores_nothing",
        "test_the_outlook_msg_file_is_quarantined_with_a_reason")]
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *tests],
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300)


def test_without_the_corpora_a_clone_skips_them_saying_why(tmp_path):
    run = run_these_tests_without_the_corpora(tmp_path)
    assert run.returncode == 0, run.stdout
    assert "2 skipped" in run.stdout
    assert f"the shared mail corpora are not at {tmp_path / 'no-corpora'}" in run.stdout


def test_without_the_corpora_ci_fails(tmp_path):
    run = run_these_tests_without_the_corpora(tmp_path, CI="true")
    assert run.returncode == 1, run.stdout
    assert "2 errors" in run.stdout  # failed in their set-up, before any mail is read
    assert "CI: the shared mail corpora are not at" in run.stdout

"""Every real-world mail in ../shared/corpora goes through: stored, or quarantined with a
reason; none crashes the run; a second ingest stores nothing."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from mails import CORPORA

from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.mail.raw_store import blob_get
from helpdesk.mail.sources.files import mails_read, paths_expand

pytestmark = pytest.mark.django_db


def run_ingest(path: Path) -> dict:
    out = StringIO()
    call_command("ingest", str(path), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_every_corpus_mail_is_stored_or_quarantined_and_a_second_run_stores_nothing():
    assert CORPORA.is_dir(), f"the shared corpora are expected at {CORPORA}"
    mails = [m for path in paths_expand([CORPORA]) for m in mails_read(path)]
    assert len(mails) >= 282

    first = run_ingest(CORPORA)
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

    second = run_ingest(CORPORA)
    assert second == {"read": len(mails), "stored": 0, "duplicates": len(mails),
                      "quarantined": 0, "tickets_created": 0}


def test_the_outlook_msg_file_is_quarantined_with_a_reason():
    run_ingest(CORPORA / "mail-parser-tests-mails")
    reasons = list(RawMail.objects.filter(status=RawMailStatus.QUARANTINED)
                   .values_list("source", "quarantine_reason"))
    assert any("mail_outlook_1" in source and "Outlook" in reason for source, reason in reasons)

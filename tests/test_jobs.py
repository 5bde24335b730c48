"""Ingest through the job queue: RQ with Redis (a real worker), in-process without."""

import pytest
from django.conf import settings
from mails import amazon_body, build_mail

from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.mail.services import Outcome, mail_ingest, raw_mail_process
from helpdesk.tickets.models import Message

pytestmark = pytest.mark.django_db


def test_deferred_ingest_is_processed_by_the_job(run_jobs):
    result = mail_ingest(raw=build_mail(body=amazon_body("Queued")), source="test", defer=True)
    assert result.outcome == Outcome.QUEUED
    run_jobs()
    raw_mail = RawMail.objects.get(pk=result.raw_mail_id)
    assert raw_mail.status == RawMailStatus.STORED
    assert Message.objects.get(raw=raw_mail).buyer_text == "Queued"


def test_a_job_run_twice_stores_the_mail_once(run_jobs):
    result = mail_ingest(raw=build_mail(body="once"), source="test", defer=True)
    run_jobs()
    # A worker that died after committing is retried by RQ: the retry finds it done.
    again = raw_mail_process(raw_mail_id=result.raw_mail_id)
    assert again.outcome == Outcome.DUPLICATE
    assert Message.objects.count() == 1


def test_a_second_message_for_the_same_raw_mail_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    result = mail_ingest(raw=build_mail(body="unique"), source="test")
    message = Message.objects.get(pk=result.message_pk)
    message.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        message.save()


@pytest.mark.skipif(not settings.REDIS_URL, reason="runs when REDIS_URL names a Redis")
def test_with_redis_the_job_waits_on_the_queue_until_a_worker_runs(run_jobs):
    import django_rq

    result = mail_ingest(raw=build_mail(body="waiting"), source="test", defer=True)
    from django.db import connection

    for _sids, callback, _robust in connection.run_on_commit:
        callback()
    connection.run_on_commit = []
    assert django_rq.get_queue("ingest").count == 1
    assert RawMail.objects.get(pk=result.raw_mail_id).status == RawMailStatus.RECEIVED
    run_jobs()
    assert RawMail.objects.get(pk=result.raw_mail_id).status == RawMailStatus.STORED


def _hand_over_on_commit() -> None:
    from django.db import connection

    while connection.run_on_commit:
        pending, connection.run_on_commit = list(connection.run_on_commit), []
        for _sids, callback, _robust in pending:
            callback()


@pytest.mark.skipif(not settings.REDIS_URL, reason="runs when REDIS_URL names a Redis")
def test_a_burst_of_mail_waits_as_one_job_and_is_stored_whole(run_jobs):
    import django_rq

    results = [
        mail_ingest(raw=build_mail(message_id=f"<burst{n}@x>", body=amazon_body(f"Burst {n}")),
                    source="test", defer=True)
        for n in range(30)
    ]
    _hand_over_on_commit()
    assert django_rq.get_queue("ingest").count == 1  # not thirty
    run_jobs()
    assert set(RawMail.objects.values_list("status", flat=True)) == {RawMailStatus.STORED}
    assert sorted(Message.objects.values_list("buyer_text", flat=True)) == sorted(
        f"Burst {n}" for n in range(30))
    assert {r.raw_mail_id for r in results} == set(Message.objects.values_list("raw", flat=True))


@pytest.mark.skipif(not settings.REDIS_URL, reason="runs when REDIS_URL names a Redis")
def test_mail_arriving_while_the_backlog_runs_asks_for_another_run(run_jobs):
    import django_rq

    from helpdesk import jobs
    from helpdesk.mail.backlog import backlog_process_job

    mail_ingest(raw=build_mail(message_id="<first@x>", body="first"), source="t", defer=True)
    _hand_over_on_commit()
    jobs.once_started(backlog_process_job)  # a worker took the job and is about to look
    mail_ingest(raw=build_mail(message_id="<second@x>", body="second"), source="t", defer=True)
    _hand_over_on_commit()
    assert django_rq.get_queue("ingest").count == 2
    run_jobs()
    assert Message.objects.count() == 2


def test_a_waiting_mail_keeps_the_time_it_arrived_as_its_fallback_sent_time(run_jobs):
    from datetime import UTC, datetime

    import time_machine

    raw = build_mail(body="no date", date=None)
    with time_machine.travel(datetime(2026, 11, 3, 8, 0, tzinfo=UTC), tick=False):
        result = mail_ingest(raw=raw, source="test", defer=True)
    with time_machine.travel(datetime(2026, 11, 3, 9, 30, tzinfo=UTC), tick=False):
        run_jobs()
    message = Message.objects.get(raw_id=result.raw_mail_id)
    assert message.sent_at == datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def test_a_waiting_mail_whose_bytes_are_gone_is_quarantined_and_the_rest_go_on(run_jobs):
    from helpdesk.mail.backlog import backlog_process
    from helpdesk.mail.raw_store import _path

    lost = mail_ingest(raw=build_mail(message_id="<lost@x>", body="lost"), source="t", defer=True)
    kept = mail_ingest(raw=build_mail(message_id="<kept@x>", body="kept"), source="t", defer=True)
    _path(RawMail.objects.get(pk=lost.raw_mail_id).sha256).unlink()
    backlog_process()
    lost_row = RawMail.objects.get(pk=lost.raw_mail_id)
    assert lost_row.status == RawMailStatus.QUARANTINED
    assert "has not got its bytes" in lost_row.quarantine_reason
    assert RawMail.objects.get(pk=kept.raw_mail_id).status == RawMailStatus.STORED
    assert Message.objects.get().buyer_text == "kept"


def test_a_run_that_used_its_time_leaves_the_rest_to_the_next_run(run_jobs):
    from helpdesk.mail.backlog import backlog_process

    for n in range(3):
        mail_ingest(raw=build_mail(message_id=f"<slow{n}@x>", body=f"mail {n}"), source="t",
                    defer=True)
    done = backlog_process(batch=1, seconds=0.0)
    assert done == []  # no time at all: nothing taken, another run asked for
    assert RawMail.objects.filter(status=RawMailStatus.RECEIVED).count() == 3
    run_jobs()  # the run it asked for (and the mails' own) take them all
    assert not RawMail.objects.filter(status=RawMailStatus.RECEIVED).exists()
    assert Message.objects.count() == 3

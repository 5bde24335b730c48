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

"""Redis stopped and started while mail comes in and replies go out: jobs resume, nothing is
lost, no reply is sent twice, and the web app keeps serving and says so meanwhile.

A Redis of the test's own without persistence: started again, it has forgotten every job,
the harder case. Real ``manage.py rqworker`` processes and a real SMTP server (aiosmtpd).
The database is the record of what is still to do (a raw mail ``received``, an outbox row
``queued``); the periodic ``outbox_retry`` enqueues it again.
"""

import time

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from faults_support import (
    Workers,
    child_env,
    defaults_install,
    mails_generate,
    needs_postgresql,
    wait_for,
)
from replies_support import BUYER, buyer_ticket, smtp_server

from helpdesk import jobs
from helpdesk.context_processors import QUEUE_DOWN
from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.replies.models import Outbox, OutboxState
from helpdesk.replies.services import reply_send
from helpdesk.tickets.models import Message

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.faults]
TOKEN = "fault-token"
BANNER = "Background jobs paused: Redis unreachable"


def post_mail(client, raw: bytes):
    return client.post("/ingest/raw/", data=raw, content_type="message/rfc822",
                       headers={"Authorization": f"Bearer {TOKEN}"})


def periodic_retry() -> None:
    """What cron runs every minute, here with no wait: mail kept longer ago than 0 s."""
    from helpdesk.mail import services

    stuck_after = services.STUCK_AFTER
    services.STUCK_AFTER = services.timedelta(0)
    try:
        call_command("outbox_retry", "--json", stdout=open("/dev/null", "w"))  # noqa: SIM115
    finally:
        services.STUCK_AFTER = stuck_after


def banner_shown(client) -> bool:
    jobs.queue_reachable_forget()  # the answer is cached for a few seconds
    response = client.get("/inbox/")
    assert response.status_code == 200
    return BANNER in response.content.decode()


def test_ingest_while_redis_stops_and_starts_loses_nothing(own_redis, client, settings,
                                                           tmp_path):
    defaults_install()
    settings.INGEST_TOKEN = TOKEN
    agent = User.objects.create_user("agent", password="pw-agent-1", is_staff=False)
    agent.groups.add(Group.objects.get_or_create(name="manager")[0])
    client.force_login(agent)
    mails = list(mails_generate(150, seed=3))
    workers = Workers(tmp_path, child_env(), count=2)
    try:
        for raw in mails[:50]:
            assert post_mail(client, raw).status_code == 202
        assert not banner_shown(client)

        own_redis.stop()  # jobs waiting in it are gone for good
        for raw in mails[50:100]:
            response = post_mail(client, raw)
            assert response.status_code == 202, response.content  # kept; processed later
            assert response.json()["status"] == RawMailStatus.RECEIVED
        assert banner_shown(client)  # every page says so, and still works
        assert QUEUE_DOWN.startswith(BANNER)

        own_redis.start()  # empty
        assert not banner_shown(client)
        for raw in mails[100:]:
            assert post_mail(client, raw).status_code == 202

        def all_stored() -> bool:
            workers.revive()
            if jobs.queue_waiting("ingest") == 0:
                periodic_retry()
            return not RawMail.objects.exclude(status=RawMailStatus.STORED).exists()

        wait_for(all_stored, timeout=240, what="every mail to be stored", step=2)
    finally:
        workers.stop()
    assert RawMail.objects.count() == len(mails)
    assert Message.objects.count() == len(mails)
    assert Message.objects.values("raw_id").distinct().count() == len(mails)


def test_replies_sent_while_redis_stops_and_starts_go_out_once_each(own_redis, tmp_path):
    defaults_install()
    author = User.objects.create_user("anna", email="anna@example.test")
    ticket = buyer_ticket()
    with smtp_server() as (server, port):
        env = child_env(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                        EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port))
        workers = Workers(tmp_path, env, count=2)
        try:
            def send(n: int) -> Outbox:
                return reply_send(ticket=ticket, author=author, subject=f"Re: your order {n}",
                                  body=f"Update number {n} on your parcel.")

            replies = [send(n) for n in range(6)]
            own_redis.stop()  # some of those jobs are lost with it
            replies += [send(n) for n in range(6, 12)]  # the agent's send does not fail
            assert all(r.state == OutboxState.QUEUED for r in replies[6:])
            time.sleep(1)
            own_redis.start()
            # Cron runs the retry every minute; twice here on purpose, so that rows whose
            # first job is still waiting get a second one: the claim keeps it to one send.
            periodic_retry()
            periodic_retry()

            def all_sent() -> bool:
                workers.revive()
                if Outbox.objects.filter(state=OutboxState.SENT).count() != len(replies):
                    periodic_retry()
                    return False
                return True

            wait_for(all_sent, timeout=180, what="every reply to be sent", step=2)
            time.sleep(2)  # any job still queued for a sent row finds it sent
        finally:
            workers.stop()
        received = [m.message["Message-ID"] for m in server.to(BUYER)]
    assert sorted(received) == sorted(r.message_id for r in Outbox.objects.all())
    assert len(received) == len(set(received)) == 12  # each reply once, none twice
    assert not Outbox.objects.exclude(state=OutboxState.SENT).exists()

"""Outgoing webhooks against a real HTTP server on loopback: every event from the place it
happens, the signature checked with the recipe of docs/API.md, retries with backoff, every
attempt logged, bounded time and reading, no redirect followed, and an endpoint that keeps
failing switched off with a mail to the admins."""

import json
import time
from datetime import timedelta
from io import StringIO

import pytest
from api_support import token_client
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from inbox_support import smtp_sink, ticket_make
from replies_support import buyer_ticket, free_port, mailer_settings
from webhooks_support import verify, webhook_receiver

from helpdesk.replies.services import reply_send
from helpdesk.sla.sweep import sla_sweep
from helpdesk.webhooks import delivery as delivery_module
from helpdesk.webhooks.delivery import BACKOFF, RESPONSE_MAX, deliveries_prune, deliveries_retry
from helpdesk.webhooks.models import Attempt, Delivery, DeliveryState, Event, WebhookEndpoint

pytestmark = pytest.mark.django_db
ALL = list(Event.values)


def endpoint_for(url: str, events: list[str] = ALL) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(name="ERP", url=url, events=events)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def test_a_buyers_mail_is_delivered_signed_and_versioned(run_jobs):
    with webhook_receiver() as receiver:
        endpoint = endpoint_for(receiver.url)
        ticket = buyer_ticket(words="Where is my mug?")
        run_jobs()
    assert receiver.events() == ["ticket.opened", "message.received"]
    opened, message = receiver.received
    for request in receiver.received:
        assert verify(endpoint.secret, request.headers["X-Helpdesk-Signature"], request.body)
        assert request.headers["Content-Type"].startswith("application/json")
        assert request.headers["X-Helpdesk-Event"] == request.payload["event"]
        assert request.headers["X-Helpdesk-Delivery"] == request.payload["id"]
        assert request.payload["version"] == 1
    assert opened.payload["data"]["ticket"]["id"] == ticket.pk
    assert opened.payload["data"]["ticket"]["order"] == "111-7366207-0755439"
    assert message.payload["data"]["message"]["text"].startswith("Where is my mug?")
    # A body changed on the way, or signed with another secret, does not verify.
    assert not verify(endpoint.secret, opened.headers["X-Helpdesk-Signature"],
                      opened.body.replace(b"ticket", b"tickex"))
    assert not verify("other", opened.headers["X-Helpdesk-Signature"], opened.body)
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    assert [a.status_code for a in Attempt.objects.all()] == [200, 200]


def test_an_endpoint_gets_only_the_events_it_wants(run_jobs):
    with webhook_receiver() as receiver:
        endpoint_for(receiver.url, [Event.MESSAGE_RECEIVED])
        buyer_ticket()
        run_jobs()
    assert receiver.events() == ["message.received"]


def test_work_rolled_back_sends_nothing(run_jobs):
    with webhook_receiver() as receiver:
        endpoint_for(receiver.url)
        with pytest.raises(RuntimeError), transaction.atomic():
            buyer_ticket()
            raise RuntimeError
        run_jobs()
    assert receiver.received == [] and not Delivery.objects.exists()


def test_resolve_reply_sent_and_reply_failed_are_announced(run_jobs, agent, settings):
    ticket = ticket_make(order_id="111-1234567-1234567")
    with webhook_receiver() as receiver:
        endpoint_for(receiver.url, [Event.TICKET_RESOLVED, Event.REPLY_SENT,
                                    Event.REPLY_FAILED])
        with smtp_sink() as (_sink, mailers):
            settings.MAILERS = mailers
            reply_send(ticket=ticket, author=agent, subject="Re", body="It ships today.")
            run_jobs()
        settings.MAILERS = mailer_settings(free_port())  # nobody listens: refused
        reply_send(ticket=ticket, author=agent, subject="Re", body="One more thing.")
        run_jobs()
        api = token_client(agent)
        assert api.post(f"/api/tickets/{ticket.pk}/resolve/").status_code == 200
        run_jobs()
    assert receiver.events() == ["reply.sent", "reply.failed", "ticket.resolved"]
    sent, failed, resolved = (r.payload["data"] for r in receiver.received)
    assert sent["reply"]["state"] == "sent" and sent["reply"]["sent_at"]
    assert failed["reply"]["state"] == "failed" and failed["reply"]["next_attempt_at"]
    assert resolved["ticket"]["status"] == "resolved" and resolved["by"] == agent.username


def test_clocks_at_risk_and_breached_are_announced_once(run_jobs):
    ticket = buyer_ticket()
    with webhook_receiver() as receiver:
        endpoint_for(receiver.url, [Event.CLOCK_AT_RISK, Event.CLOCK_BREACHED])
        clock = ticket.obligations.get()
        sla_sweep(now=clock.at_risk_at + timedelta(minutes=1))
        sla_sweep(now=clock.at_risk_at + timedelta(minutes=2))
        sla_sweep(now=clock.due_at + timedelta(minutes=1))
        sla_sweep(now=clock.due_at + timedelta(minutes=2))
        run_jobs()
    assert receiver.events() == ["clock.at_risk", "clock.breached"]
    at_risk, breached = (r.payload["data"] for r in receiver.received)
    assert at_risk["clock"]["id"] == clock.pk and at_risk["clock"]["ticket"] == ticket.pk
    assert breached["violation"]["clock"] == clock.pk


def test_a_failed_delivery_is_retried_with_backoff_and_every_attempt_logged(run_jobs):
    with webhook_receiver() as receiver:
        receiver.answers = [503, 500]
        endpoint = endpoint_for(receiver.url, [Event.MESSAGE_RECEIVED])
        buyer_ticket()
        run_jobs()
        delivery = Delivery.objects.get()
        assert delivery.state == DeliveryState.FAILED
        now = timezone.now()
        # Not due yet: nothing is sent again.
        assert deliveries_retry(now=now) == 0
        assert deliveries_retry(now=delivery.next_attempt_at) == 1
        run_jobs()
        delivery.refresh_from_db()
        assert delivery.next_attempt_at - now >= BACKOFF[1] - timedelta(seconds=5)
        deliveries_retry(now=delivery.next_attempt_at)
        run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and delivery.attempts == 3
    assert [(a.status_code, a.ok, a.error) for a in delivery.attempt_rows.all()] == [
        (503, False, "HTTP 503"), (500, False, "HTTP 500"), (200, True, "")]
    # The same body, id and a fresh signature on every attempt.
    assert len({r.body for r in receiver.received}) == 1
    assert all(verify(endpoint.secret, r.headers["X-Helpdesk-Signature"], r.body)
               for r in receiver.received)
    endpoint.refresh_from_db()
    assert endpoint.failures == 0 and endpoint.active


def test_a_delivery_gives_up_after_its_last_backoff(run_jobs, settings):
    with webhook_receiver() as receiver:
        receiver.default = 500
        endpoint_for(receiver.url, [Event.MESSAGE_RECEIVED])
        buyer_ticket()
        run_jobs()
        for _ in BACKOFF:
            deliveries_retry(now=Delivery.objects.get().next_attempt_at)
            run_jobs()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.ABANDONED and delivery.attempts == len(BACKOFF) + 1
    assert deliveries_retry(now=timezone.now() + timedelta(days=30)) == 0


def test_an_endpoint_that_keeps_failing_is_switched_off_and_the_admins_told(
        run_jobs, settings, django_user_model):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 0
    django_user_model.objects.create_superuser("root", "root@example-seller.com", "pw-12345678")
    endpoint = endpoint_for(f"http://127.0.0.1:{free_port()}/hook", [Event.MESSAGE_RECEIVED])
    with smtp_sink() as (sink, mailers):
        settings.MAILERS = mailers
        for n in range(3):
            buyer_ticket(message_id=f"<b{n}@x>", words=f"Question {n}")
            run_jobs()
        run_jobs()  # the alert, queued by the last attempt's job
        endpoint.refresh_from_db()
        assert not endpoint.active and endpoint.failures == 3
        assert "ConnectionRefusedError" in endpoint.disabled_reason
        assert len(sink.mails) == 1 and b"switched off" in sink.mails[0]
        assert b"root@example-seller.com" in sink.mails[0]
        # Off: new events make no delivery, waiting ones are not tried.
        buyer_ticket(message_id="<b9@x>", words="Another")
        assert deliveries_retry(now=timezone.now() + timedelta(days=3)) == 0
    assert Delivery.objects.count() == 3
    assert list(Attempt.objects.values_list("ok", flat=True)) == [False] * 3


def test_a_short_burst_of_failures_does_not_switch_it_off(run_jobs, settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 1  # failing for an hour at least
    endpoint = endpoint_for(f"http://127.0.0.1:{free_port()}/hook", [Event.MESSAGE_RECEIVED])
    for n in range(4):
        buyer_ticket(message_id=f"<c{n}@x>", words=f"Question {n}")
        run_jobs()
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.failures == 4


def test_a_slow_receiver_times_out_and_a_huge_answer_is_read_only_in_part(run_jobs, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5

    def slow(handler) -> None:
        time.sleep(1.5)
        handler.send_response(200)
        handler.end_headers()

    def huge(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(50 * RESPONSE_MAX))
        handler.end_headers()
        try:
            for _ in range(50):
                handler.wfile.write(b"x" * RESPONSE_MAX)
        except OSError:
            pass  # the helpdesk stopped reading

    with webhook_receiver() as receiver:
        receiver.answers = [slow, huge]
        endpoint_for(receiver.url, [Event.MESSAGE_RECEIVED])
        buyer_ticket()
        run_jobs()
        deliveries_retry(now=Delivery.objects.get().next_attempt_at)
        run_jobs()
    first, second = Attempt.objects.all()
    # Each attempt as the admin sees it: the first gave up at the timeout, before the slow
    # receiver answered (1.5 s); the second read the start of 3.2 MB and did not wait for
    # the rest.
    assert not first.ok and "timed out" in first.error and first.duration_ms < 1500
    assert second.ok and len(second.response_excerpt) == 1000 and second.duration_ms < 1500


def test_a_redirect_is_not_followed(run_jobs):
    def redirect(handler) -> None:
        handler.send_response(302)
        handler.send_header("Location", "/elsewhere")
        handler.end_headers()

    with webhook_receiver() as receiver:
        receiver.answers = [redirect]
        endpoint_for(receiver.url, [Event.MESSAGE_RECEIVED])
        buyer_ticket()
        run_jobs()
    assert [r.path for r in receiver.received] == ["/hook"]
    assert Attempt.objects.get().error == "HTTP 302"


@pytest.mark.parametrize("url", [
    "ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "gopher://x",
    "http://", "https://example.com/" + "a" * 500, "not a url",
    # A port no connection can have: every delivery failed until the endpoint was switched off.
    "https://erp.example.com:99999/hook", "https://erp.example.com:0/hook",
])
def test_only_http_and_https_urls_of_bounded_length_are_accepted(url):
    with pytest.raises(Exception, match="url"):
        endpoint_for(url)
    assert not WebhookEndpoint.objects.exists()


def test_events_are_checked(client, admin_user):
    with pytest.raises(Exception, match="events"):
        endpoint = WebhookEndpoint(name="x", url="https://example.com/", events=["ticket.eaten"])
        endpoint.full_clean()
    client.force_login(admin_user)
    response = client.post("/admin/webhooks/webhookendpoint/add/", {
        "name": "ERP", "url": "ftp://example.com/", "events": ["ticket.opened"], "active": "on"})
    assert response.status_code == 200 and not WebhookEndpoint.objects.exists()
    response = client.post("/admin/webhooks/webhookendpoint/add/", {
        "name": "ERP", "url": "https://erp.example.com/hook", "events": ["ticket.opened"],
        "active": "on"})
    assert response.status_code == 302
    assert WebhookEndpoint.objects.get().events == ["ticket.opened"]


def test_the_admin_shows_each_attempt_and_switches_an_endpoint_on_again(
        client, admin_user, run_jobs, settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 1
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 0
    with webhook_receiver() as receiver:
        receiver.answers = [500]
        endpoint = endpoint_for(receiver.url, [Event.MESSAGE_RECEIVED])
        buyer_ticket()
        run_jobs()
        endpoint.refresh_from_db()
        assert not endpoint.active
        delivery = Delivery.objects.get()
        client.force_login(admin_user)
        page = client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").content.decode()
        assert "HTTP 500" in page and "thanks" in page
        client.post("/admin/webhooks/webhookendpoint/", {
            "action": "switch_on", "_selected_action": [endpoint.pk]})
        run_jobs()
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.failures == 0
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert len(receiver.received) == 2


def test_the_apps_that_announce_events_know_nothing_of_webhooks_or_the_api():
    import ast
    from pathlib import Path

    import helpdesk

    root = Path(helpdesk.__file__).parent
    lower = ["tickets", "sla", "replies", "mail", "marketplaces", "inbox", "accounts"]
    for path in (p for app in lower for p in (root / app).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.startswith(("helpdesk.webhooks", "helpdesk.api")) for n in names), path


def test_finished_deliveries_go_after_30_days_with_their_attempts_and_retries_stay(
    monkeypatch,
):
    now = timezone.now()
    endpoint = endpoint_for("http://127.0.0.1:9/hook")

    def delivery(state: str, days: int) -> Delivery:
        made = Delivery.objects.create(
            endpoint=endpoint, event=Event.MESSAGE_RECEIVED, event_id=f"{state}-{days}",
            body="{}", state=state, created_at=now - timedelta(days=days),
        )
        Attempt.objects.create(delivery=made, at=made.created_at, duration_ms=5, ok=False)
        return made

    kept = [delivery(DeliveryState.DELIVERED, 29), delivery(DeliveryState.ABANDONED, 29),
            delivery(DeliveryState.FAILED, 90), delivery(DeliveryState.PENDING, 90)]
    old = [delivery(DeliveryState.DELIVERED, 31), delivery(DeliveryState.ABANDONED, 45),
           delivery(DeliveryState.DELIVERED, 60)]
    monkeypatch.setattr(delivery_module, "PRUNE_MAX", 2)  # a run's work is bounded
    assert deliveries_prune(now=now) == 2
    assert Delivery.objects.filter(pk__in=[d.pk for d in old]).count() == 1
    out = StringIO()
    call_command("webhooks_retry", "--json", stdout=out)
    assert json.loads(out.getvalue())["pruned"] == 1
    assert set(Delivery.objects.values_list("pk", flat=True)) == {d.pk for d in kept}
    assert set(Attempt.objects.values_list("delivery_id", flat=True)) == {d.pk for d in kept}

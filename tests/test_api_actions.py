"""Agent actions and replies through the API: the ticket services the pages use, every
change on the timeline under the token's user, refusals and bad input as JSON, another
queue's ticket a 404 and untouched; a reply sent with an Idempotency-Key goes out once
however often the request is retried; the order import is all or nothing."""

from datetime import timedelta

import pytest
from api_support import token_client
from inbox_support import queue_make, smtp_sink, ticket_make, user_make
from mails import ROOT
from reports_support import manager_make

from helpdesk.api.idempotency import KEY_MISSING, KEY_REUSED
from helpdesk.api.models import ReplyRequest
from helpdesk.marketplaces.models import Order
from helpdesk.replies.models import Outbox, OutboxState, ReplyTemplate
from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Escalation, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db
REPORT = ROOT / "fixtures" / "orders" / "amazon-all-orders.txt"


@pytest.fixture
def api(agent):
    return token_client(agent, ("read", "act"))


@pytest.fixture
def ticket():
    return ticket_make(order_id="111-1234567-1234567", age=timedelta(hours=2))


def last_event(ticket: Ticket) -> TimelineEvent:
    return TimelineEvent.objects.filter(ticket=ticket).order_by("-pk").first()


def test_assign_writes_the_timeline_under_the_tokens_user(api, agent, ticket):
    response = api.post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": agent.pk},
                        format="json")
    assert response.status_code == 200 and response.json()["assignee"]["id"] == agent.pk
    event = last_event(ticket)
    assert event.kind == "assigned" and event.actor == agent
    response = api.post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": None}, format="json")
    assert response.json()["assignee"] is None


def test_assigning_someone_outside_the_queue_is_refused_as_json(api, ticket):
    outsider = user_make("outsider", queues=[queue_make("FR", ["amazon-fr"])])
    response = api.post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": outsider.pk},
                        format="json")
    assert response.status_code == 400
    assert "not a member of this ticket's queue" in response.json()["detail"]
    for bad in [{"assignee": "abc"}, {"assignee": 2**70}, {}, {"assignee": 99999}]:
        response = api.post(f"/api/tickets/{ticket.pk}/assign/", bad, format="json")
        assert response.status_code == 400 and "assignee" in response.json()["errors"], bad
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_resolve_is_refused_while_a_clock_runs_then_no_response_required_ends_it(
        api, agent, ticket):
    response = api.post(f"/api/tickets/{ticket.pk}/resolve/")
    assert response.status_code == 400 and "open clock" in response.json()["detail"]
    response = api.post(f"/api/tickets/{ticket.pk}/no-response-required/",
                        {"note": "buyer said thanks"}, format="json")
    assert response.status_code == 200 and response.json()["open_clocks"] == []
    assert last_event(ticket).actor == agent
    response = api.post(f"/api/tickets/{ticket.pk}/resolve/")
    assert response.status_code == 200 and response.json()["status"] == "resolved"
    assert last_event(ticket).kind == "resolved" and last_event(ticket).actor == agent


def test_note_and_escalate(api, agent, ticket):
    response = api.post(f"/api/tickets/{ticket.pk}/notes/", {"text": "  called the buyer "},
                        format="json")
    assert response.status_code == 201
    event = last_event(ticket)
    assert (event.kind, event.text, event.actor) == ("note", "called the buyer", agent)
    for bad in [{"text": ""}, {"text": "x" * 5001}, {}]:
        response = api.post(f"/api/tickets/{ticket.pk}/notes/", bad, format="json")
        assert response.status_code == 400 and "text" in response.json()["errors"]
    response = api.post(f"/api/tickets/{ticket.pk}/escalate/", {"case_id": "1234567"},
                        format="json")
    assert response.status_code == 201
    assert Escalation.objects.get(ticket=ticket).opened_by == agent
    assert api.post(f"/api/tickets/{ticket.pk}/escalate/", {"case_id": ""},
                    format="json").status_code == 400


def test_responded_in_seller_central_ends_a_claim_clock(api, agent):
    claim = ticket_make(kind="claim", order_id="111-7654321-7654321")
    assert Obligation.objects.open().filter(ticket=claim, kind="claim").exists()
    response = api.post(f"/api/tickets/{claim.pk}/responded-in-seller-central/",
                        {"note": "Refund offered"}, format="json")
    assert response.status_code == 200
    assert not Obligation.objects.open().filter(ticket=claim).exists()
    assert last_event(claim).actor == agent
    assert api.post(f"/api/tickets/{claim.pk}/responded-in-seller-central/", {},
                    format="json").status_code == 400


def test_another_queues_ticket_is_404_and_untouched(api, agent):
    theirs = ticket_make(channel="amazon-fr")
    before = TimelineEvent.objects.filter(ticket=theirs).count()
    posts = {"assign": {"assignee": agent.pk}, "no-response-required": {}, "notes": {"text": "x"},
             "resolve": {}, "escalate": {"case_id": "1"},
             "responded-in-seller-central": {"note": "x"},
             "replies/render": {"template": ReplyTemplate.objects.first().pk},
             "replies/check": {"body": "hi"}, "replies": {"body": "hi"}}
    for path, data in posts.items():
        response = api.post(f"/api/tickets/{theirs.pk}/{path}/", data, format="json",
                            HTTP_IDEMPOTENCY_KEY="k")
        assert response.status_code == 404, path
    assert TimelineEvent.objects.filter(ticket=theirs).count() == before
    assert not Outbox.objects.exists()


def test_render_and_check_save_nothing(api, ticket):
    template = ReplyTemplate.objects.get(name="Where is my order")
    response = api.post(f"/api/tickets/{ticket.pk}/replies/render/",
                        {"template": template.pk}, format="json")
    assert response.status_code == 200
    draft = response.json()
    assert "111-1234567-1234567" in draft["body"] and draft["blocked"] is False
    response = api.post(f"/api/tickets/{ticket.pk}/replies/check/", {
        "subject": "Your order", "body": "Please leave us a 5-star review at "
        "https://cheap-mugs.example.com"}, format="json")
    assert response.json()["blocked"] is True
    assert {f["severity"] for f in response.json()["findings"]} == {"block"}
    assert api.post(f"/api/tickets/{ticket.pk}/replies/render/", {"template": 10**9},
                    format="json").json()["errors"]["template"]
    assert not Outbox.objects.exists()


def test_a_retried_reply_is_sent_once(api, agent, ticket, settings, run_jobs):
    reply = {"subject": "Your order", "body": "Hello Jane,\n\nit ships today.\n\nBest, Ann"}
    url = f"/api/tickets/{ticket.pk}/replies/"
    with smtp_sink() as (sink, mailers):
        settings.MAILERS = mailers
        first = api.post(url, reply, format="json", HTTP_IDEMPOTENCY_KEY="order-42-reply")
        assert first.status_code == 202 and first["Idempotent-Replayed"] == "false"
        run_jobs()
        again = [api.post(url, reply, format="json", HTTP_IDEMPOTENCY_KEY="order-42-reply")
                 for _ in range(3)]
        run_jobs()
        assert len(sink.mails) == 1
    assert {r.status_code for r in again} == {200}
    assert {r.json()["id"] for r in again} == {first.json()["id"]}
    assert again[0]["Idempotent-Replayed"] == "true"
    outbox = Outbox.objects.get()
    assert outbox.state == OutboxState.SENT and outbox.author == agent
    assert TimelineEvent.objects.get(ticket=ticket, kind="reply_queued").actor == agent
    assert not Obligation.objects.open().filter(ticket=ticket).exists()
    # The same key for another text is refused; a new key is a new reply.
    response = api.post(url, {**reply, "body": "Other text"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="order-42-reply")
    assert response.status_code == 422 and response.json()["detail"] == KEY_REUSED
    assert Outbox.objects.count() == 1
    assert api.post(url, {**reply, "body": "Other text"}, format="json",
                    HTTP_IDEMPOTENCY_KEY="order-42-second").status_code == 202
    assert Outbox.objects.count() == ReplyRequest.objects.count() == 2
    assert [o["id"] for o in api.get(url).json()] == list(
        Outbox.objects.order_by("-pk").values_list("pk", flat=True))


def test_the_same_key_of_two_users_is_two_replies(api, ticket):
    other = token_client(manager_make(), ("read", "act"))
    reply = {"body": "Hello Jane, it ships today."}
    for client in (api, other):
        assert client.post(f"/api/tickets/{ticket.pk}/replies/", reply, format="json",
                           HTTP_IDEMPOTENCY_KEY="same").status_code == 202
    assert Outbox.objects.count() == 2


@pytest.mark.parametrize("key", [None, "", "   ", "x" * 201, "naïve"])
def test_a_reply_needs_a_good_idempotency_key(api, ticket, key):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    response = api.post(f"/api/tickets/{ticket.pk}/replies/", {"body": "Hello"},
                        format="json", **headers)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    if not (key or "").strip():
        assert response.json()["errors"]["Idempotency-Key"] == [KEY_MISSING]
    assert not Outbox.objects.exists()


def test_a_blocked_reply_is_refused_with_its_findings_and_a_manager_may_override(api, ticket):
    reply = {"body": "Please leave us a 5-star review!"}
    url = f"/api/tickets/{ticket.pk}/replies/"
    response = api.post(url, reply, format="json", HTTP_IDEMPOTENCY_KEY="a")
    assert response.status_code == 422 and response.json()["findings"]
    response = api.post(url, {**reply, "override_reason": "ok"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="b")
    assert response.status_code == 400 and "manager" in response.json()["detail"]
    assert not Outbox.objects.exists()
    manager = token_client(manager_make(), ("read", "act"))
    response = manager.post(url, {**reply, "override_reason": "Buyer asked how to review"},
                            format="json", HTTP_IDEMPOTENCY_KEY="c")
    assert response.status_code == 202
    assert TimelineEvent.objects.filter(ticket=ticket, kind="reply_override").exists()


def test_bad_reply_bodies_are_named(api, ticket):
    url = f"/api/tickets/{ticket.pk}/replies/"
    for bad, field in [({}, "body"), ({"body": "x" * 40_000}, "body"),
                       ({"body": "hi", "template": "x"}, "template"),
                       ({"body": "hi", "template": 10**9}, "template")]:
        response = api.post(url, bad, format="json", HTTP_IDEMPOTENCY_KEY="k")
        assert response.status_code == 400 and field in response.json()["errors"], bad
    response = api.post(url, "not json", content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400 and "detail" in response.json()
    # Nested past Python's recursion limit: a server error before.
    response = api.post(url, "[" * 100_000 + "]" * 100_000, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]
    response = api.post(url, {"body": "   "}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400
    assert not Outbox.objects.exists()


def test_order_import_needs_the_admin_scope_and_is_all_or_nothing(api):
    manager = manager_make()
    admin_api = token_client(manager, ("read", "admin"))
    with REPORT.open("rb") as report:
        assert api.post("/api/orders/import/", {"report": report},
                        format="multipart").status_code == 403
    with REPORT.open("rb") as report:
        response = admin_api.post("/api/orders/import/", {"report": report},
                                  format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["orders_created"] == 9
    with REPORT.open("rb") as report:
        assert admin_api.post("/api/orders/import/", {"report": report},
                              format="multipart").json()["orders_updated"] == 9
    count = Order.objects.count()
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("bad.txt", b"amazon-order-id\tpurchase-date\n1\tnot a date\n")
    response = admin_api.post("/api/orders/import/", {"report": bad}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"]["report"]
    assert Order.objects.count() == count
    assert admin_api.post("/api/orders/import/", {}, format="multipart").status_code == 400
    assert admin_api.post("/api/orders/import/", {"x": 1}, format="json").status_code == 415

"""Queue membership in the inbox: another queue's ticket is a 404 and stays untouched, in
the list, search and bulk actions too; the forms carry their CSRF tokens. (Login and CSRF on
every URL, and 404s for every URL naming an object, are walked in test_attack_urls.py.)"""

import pytest
from inbox_support import queue_make, ticket_make, user_make

from helpdesk.mail.raw_store import blob_put
from helpdesk.tickets.models import Attachment, Escalation, TimelineEvent

pytestmark = pytest.mark.django_db

ACTIONS = ["claim", "assign", "resolve", "reopen", "note", "clock", "escalate",
           "follow_up_done"]


@pytest.fixture
def world():
    us = queue_make("Amazon US", ["amazon-com"])
    de = queue_make("Amazon DE", ["amazon-de"])
    ticket = ticket_make(channel="amazon-de", subject="Kaputt", words="Die Tasse ist kaputt")
    message = ticket.messages.get()
    attachment = Attachment.objects.create(
        message=message, filename="photo.jpg", content_type="image/jpeg", size=3,
        sha256=blob_put(b"jpg"),
    )
    escalation = Escalation.objects.create(
        ticket=ticket, case_id="123", opened_at=ticket.created_at,
        follow_up_due_at=ticket.created_at,
    )
    return {
        "ticket": ticket, "attachment": attachment, "escalation": escalation,
        "outsider": user_make("us_agent", queues=[us]),
        "member": user_make("de_agent", queues=[de]),
    }


def get_urls(w) -> list[str]:
    t = w["ticket"].pk
    return [
        "/inbox/", f"/inbox/tickets/{t}/",
        f"/inbox/tickets/{t}/attachments/{w['attachment'].pk}/",
        f"/inbox/tickets/{t}/reply/template/?template=1",
        "/account/", "/account/password/",
    ]


def ticket_post_urls(w) -> list[tuple[str, dict]]:
    t = w["ticket"].pk
    data = {"assignee": "", "text": "note", "kind": "no_response_required", "case_id": "9",
            "escalation": w["escalation"].pk, "subject": "Re", "body": "Hello", "seen": "0.0"}
    return [
        *[(f"/inbox/tickets/{t}/do/{action}/", data) for action in ACTIONS],
        (f"/inbox/tickets/{t}/presence/", {"composing": "1"}),
        (f"/inbox/tickets/{t}/reply/check/", data),
        (f"/inbox/tickets/{t}/reply/", data),
    ]


def test_another_queues_ticket_is_not_found_anywhere(client, world):
    client.force_login(world["outsider"])
    ticket = world["ticket"]
    for url in get_urls(world)[1:4]:
        assert client.get(url).status_code == 404, url
    for url, data in ticket_post_urls(world):
        assert client.post(url, data).status_code == 404, url
    link = f'href="/inbox/tickets/{ticket.pk}/"'
    assert link not in client.get("/inbox/").content.decode()
    assert link not in client.get("/inbox/", {"q": "Kaputt"}).content.decode()
    # A bulk action naming it does nothing to it.
    client.post("/inbox/bulk/", {"action": "assign", "assignee": world["outsider"].pk,
                                 "selected": [ticket.pk]})
    ticket.refresh_from_db()
    assert ticket.assignee is None and ticket.status == "open"
    assert not TimelineEvent.objects.filter(actor=world["outsider"]).exists()


def test_a_member_reaches_every_ticket_url(client, world):
    client.force_login(world["member"])
    ticket = world["ticket"]
    for url in get_urls(world)[:3]:
        assert client.get(url).status_code == 200, url
    assert "Kaputt" in client.get("/inbox/").content.decode()
    response = client.post(f"/inbox/tickets/{ticket.pk}/do/claim/")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == world["member"]


def test_managers_and_admins_see_every_queue(client, world):
    for role in ("manager", "admin"):
        client.force_login(user_make(f"a_{role}", role=role))
        assert client.get(f"/inbox/tickets/{world['ticket'].pk}/").status_code == 200
        assert "Kaputt" in client.get("/inbox/").content.decode()


def test_a_user_without_queue_sees_nothing(client, world):
    client.force_login(user_make("loner"))
    assert client.get(f"/inbox/tickets/{world['ticket'].pk}/").status_code == 404
    assert "Kaputt" not in client.get("/inbox/").content.decode()


def test_a_queue_narrowed_to_kinds_shows_only_those(client):
    claims = queue_make("Claims", ["amazon-com"], kinds=["claim", "chargeback"])
    agent = user_make("claims_agent", queues=[claims])
    claim = ticket_make(kind="claim", subject="Claim received")
    question = ticket_make(subject="Plain question")
    client.force_login(agent)
    assert client.get(f"/inbox/tickets/{claim.pk}/").status_code == 200
    assert client.get(f"/inbox/tickets/{question.pk}/").status_code == 404


def test_the_pages_carry_the_form_tokens(client, world):
    client.force_login(world["member"])
    for url in get_urls(world)[:2]:
        page = client.get(url).content.decode()
        assert page.count('name="csrfmiddlewaretoken"') >= 2, url
        assert "X-CSRFToken" in page  # htmx requests send it as a header

"""'Mark in Seller Central too': every "No response required" is listed until someone ticks
it; the tick is on the timeline, on the ticket page and in the reconciliation's count."""

from datetime import UTC, datetime

import pytest
from inbox_support import ticket_make, user_make

from helpdesk.marketplaces.models import Channel
from helpdesk.performance.seller_central import nrr_mark_in_seller_central, nrr_unmarked
from helpdesk.sla.actions import ticket_clock_end
from helpdesk.sla.models import ClockAction
from helpdesk.tickets.models import Queue

pytestmark = pytest.mark.django_db


def _nrr(channel: str = "amazon-com", subject: str = "Thanks!"):
    ticket = ticket_make(channel=channel, subject=subject)
    return ticket, ticket_clock_end(ticket=ticket, actor=None)


def test_a_no_response_required_is_listed_until_ticked_and_the_tick_is_on_the_timeline():
    manager = user_make("mgr", role="manager")
    ticket, action = _nrr()
    assert list(nrr_unmarked(user=manager)) == [action]
    now = datetime(2026, 12, 3, 9, tzinfo=UTC)
    assert nrr_mark_in_seller_central(action=action, user=manager, now=now)
    assert list(nrr_unmarked(user=manager)) == []
    action.refresh_from_db()
    assert (action.seller_central_marked_at, action.seller_central_marked_by) == (now, manager)
    line = ticket.timeline.get(kind="nrr_seller_central")
    assert line.actor == manager and "also marked in Seller Central" in line.text
    # A second tick changes nothing and writes nothing.
    assert not nrr_mark_in_seller_central(action=action, user=user_make("other",
                                                                        role="manager"))
    assert ticket.timeline.filter(kind="nrr_seller_central").count() == 1


def test_agents_see_and_tick_only_their_queues(client):
    queue = Queue.objects.create(name="DE team")
    queue.channels.add(Channel.objects.get(code="amazon-de"))
    agent = user_make("anna", role="agent", queues=[queue])
    _mine_ticket, mine = _nrr("amazon-de", "Danke!")
    _other_ticket, other = _nrr("amazon-com", "Thanks from the US")
    client.force_login(agent)
    page = client.get("/inbox/seller-central/")
    assert page.status_code == 200
    assert "Danke!" in page.text and "Thanks from the US" not in page.text
    assert client.post(f"/inbox/tickets/{other.ticket_id}/marked-in-seller-central/"
                       ).status_code == 404
    assert ClockAction.objects.get(pk=other.pk).seller_central_marked_at is None
    done = client.post(f"/inbox/tickets/{mine.ticket_id}/marked-in-seller-central/",
                       follow=True)
    assert "marked in Seller Central" in done.text
    assert ClockAction.objects.get(pk=mine.pk).seller_central_marked_by == agent


def test_a_user_without_a_role_cannot_tick(client):
    from django.contrib.auth.models import User

    _ticket, action = _nrr()
    client.force_login(User.objects.create_user("norole"))
    assert client.get("/inbox/seller-central/").status_code == 403
    url = f"/inbox/tickets/{action.ticket_id}/marked-in-seller-central/"
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405


def test_the_ticket_page_says_it_is_not_marked_then_who_marked_it(client):
    manager = user_make("mgr", role="manager")
    ticket, action = _nrr()
    client.force_login(manager)
    page = client.get(f"/inbox/tickets/{ticket.pk}/")
    assert "is not yet marked in Seller Central" in page.text
    url = f"/inbox/tickets/{ticket.pk}/marked-in-seller-central/"
    assert f'action="{url}"' in page.text
    back = client.post(url, {"back": "ticket"})
    assert back["Location"] == f"/inbox/tickets/{ticket.pk}/"
    page = client.get(f"/inbox/tickets/{ticket.pk}/")
    assert "is not yet marked" not in page.text
    assert "also marked in Seller Central by mgr" in page.text
    assert action.ticket.timeline.filter(kind="nrr_seller_central").count() == 1
    again = client.post(url, follow=True)
    assert "nothing left to mark" in again.text

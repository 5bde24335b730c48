"""Tickets in admin are shown, not edited: what a ticket is follows from its mail and from
what agents did in the inbox, where the clocks and the timeline follow it."""

import pytest
from inbox_support import ticket_make

from helpdesk.marketplaces.models import Channel
from helpdesk.tickets.models import AgentProfile, Queue, Ticket

pytestmark = pytest.mark.django_db


def test_a_tickets_channel_or_status_cannot_be_typed_past_its_clocks(admin_client):
    """Moved to Kaufland (48 h) in the admin, the ticket kept Amazon's 24 h clock under
    Amazon in the reports; resolved there, no timeline entry and no webhook said so."""
    ticket = ticket_make(channel="amazon-com")
    url = f"/admin/tickets/ticket/{ticket.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Amazon.com" in html and '<select name="channel"' not in html
    kaufland = Channel.objects.get(code="kaufland-de")
    response = admin_client.post(url, {
        "subject": ticket.subject, "thread_subject": ticket.thread_subject,
        "kind": ticket.kind, "status": "resolved", "channel": kaufland.pk,
        "language": "en", "buyer": ticket.buyer_id})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.channel.code, ticket.status) == ("amazon-com", "open")
    assert admin_client.get("/admin/tickets/ticket/add/").status_code == 403
    assert admin_client.get("/admin/tickets/ticket/").status_code == 200
    assert Ticket.objects.count() == 1


def test_a_queue_name_that_reads_as_an_existing_one_is_refused_on_its_field(admin_client):
    """Agents see and filter by queue names: "EU Returns" beside "eu returns" looked like
    one queue listed twice."""
    Queue.objects.create(name="EU Returns")
    page = admin_client.post("/admin/tickets/queue/add/", {"name": "eu  returns"})
    assert page.status_code == 200
    assert "The queue &#x27;EU Returns&#x27; already has this name" in page.content.decode()
    assert Queue.objects.count() == 1
    assert admin_client.post("/admin/tickets/queue/add/", {"name": "EU Claims"}).status_code \
        == 302


@pytest.mark.parametrize("zone", ["localtime", "Factory"])
def test_an_agents_zone_that_is_no_place_is_refused_in_the_admin(admin_client, admin_user, zone):
    """The preferences page offers places only; the admin took "localtime", the server's
    own zone, in which the reports' days follow a setting of the machine."""
    page = admin_client.post("/admin/tickets/agentprofile/add/",
                             {"user": str(admin_user.pk), "time_zone": zone})
    assert page.status_code == 200
    assert "is no place&#x27;s time zone" in page.content.decode()
    assert not AgentProfile.objects.exists()
    page = admin_client.post("/admin/tickets/agentprofile/add/",
                             {"user": str(admin_user.pk), "time_zone": "Asia/Tokyo"})
    assert page.status_code == 302

"""The read endpoints: the inbox's views, filters and search through the API, details with
messages and clocks, and nothing of another queue (a 404, as on the pages); bad query
strings answered as JSON."""

from datetime import UTC, datetime, timedelta

import pytest
from api_support import ids, token_client
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from inbox_support import queue_make, ticket_make, user_make
from reports_support import manager_make

from helpdesk.marketplaces.models import Order
from helpdesk.sla.models import Obligation, Violation
from helpdesk.tickets.actions import ticket_assign
from helpdesk.tickets.models import AgentProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(agent):
    """``agent`` (queue: amazon-com and amazon-de) and a ticket of a queue they are not in."""
    queue_make("Amazon FR", ["amazon-fr"])
    mine = ticket_make(subject="Where is my mug", words="The mug never arrived",
                       order_id="111-0000001-0000001")
    theirs = ticket_make(channel="amazon-fr", subject="Tasse cassée", words="cassée",
                         order_id="405-0000001-0000001", language="fr")
    return {"mine": mine, "theirs": theirs, "api": token_client(agent, ("read",))}


def test_the_list_has_the_agents_tickets_only_with_their_clocks(world):
    response = world["api"].get("/api/tickets/")
    assert ids(response) == [world["mine"].pk]
    row = response.json()["results"][0]
    assert row["channel"] == "amazon-com" and row["order"] == "111-0000001-0000001"
    assert [c["kind"] for c in row["open_clocks"]] == ["buyer_reply"]
    assert row["buyer"]["name"] == "Jane Doe"


def test_the_list_takes_the_inboxs_views_and_filters(world, agent):
    other = ticket_make(subject="Broken handle", words="handle snapped")
    ticket_assign(ticket=other, assignee=agent, actor=agent)
    api = world["api"]
    assert ids(api.get("/api/tickets/", {"view": "mine"})) == [other.pk]
    assert ids(api.get("/api/tickets/", {"assignee": "none"})) == [world["mine"].pk]
    assert ids(api.get("/api/tickets/", {"q": "handle"})) == [other.pk]
    assert ids(api.get("/api/tickets/", {"q": "cassée"})) == []  # another queue's
    assert ids(api.get("/api/tickets/", {"view": "resolved"})) == []


def test_wrong_filters_are_named_in_json(world):
    response = world["api"].get("/api/tickets/", {"view": "everything", "channel": "x",
                                                  "q": "x" * 500})
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"view", "channel", "q"} and "detail" in body
    # A channel of another queue is not a choice for this agent.
    fr = world["theirs"].channel_id
    response = world["api"].get("/api/tickets/", {"channel": fr})
    assert response.status_code == 400 and "channel" in response.json()["errors"]


def test_cursor_pages_walk_every_ticket_once(agent):
    made = [ticket_make(age=timedelta(hours=h + 1)) for h in range(7)]
    api = token_client(agent, ("read",))
    seen, url = [], "/api/tickets/?page_size=3"
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [t.pk for t in made]  # newest activity first
    assert api.get("/api/tickets/?cursor=garbage").status_code == 404


def test_a_page_holds_at_most_a_hundred_tickets(agent):
    made = [ticket_make(age=timedelta(minutes=m + 1)) for m in range(101)]
    api = token_client(agent, ("read",))
    first = api.get("/api/tickets/", {"page_size": 5000})
    assert ids(first) == [t.pk for t in made[:100]]
    assert ids(api.get(first.json()["next"])) == [made[100].pk]


def test_the_list_reads_a_bounded_number_of_queries(agent):
    for _ in range(3):
        ticket_make(order_id="")
    api = token_client(agent, ("read",))
    api.get("/api/tickets/")
    with CaptureQueriesContext(connection) as few:
        api.get("/api/tickets/")
    for _ in range(10):
        ticket_make()
    with CaptureQueriesContext(connection) as many:
        assert len(ids(api.get("/api/tickets/"))) == 13
    assert len(many) == len(few)


def test_a_ticket_shows_its_messages_clocks_and_timeline(world):
    ticket = world["mine"]
    body = world["api"].get(f"/api/tickets/{ticket.pk}/").json()
    assert [m["buyer_text"] for m in body["messages"]] == ["The mug never arrived"]
    assert body["clocks"][0]["kind"] == "buyer_reply" and body["clocks"][0]["is_open"]
    assert body["timeline"]
    messages = world["api"].get(f"/api/tickets/{ticket.pk}/messages/").json()["results"]
    assert [m["id"] for m in messages] == [m["id"] for m in body["messages"]]
    message = world["api"].get(f"/api/messages/{messages[0]['id']}/").json()
    assert message["subject"] == "Where is my mug"


def test_another_queues_objects_are_404_everywhere(world):
    theirs = world["theirs"]
    clock = Obligation.objects.get(ticket=theirs)
    violation = Violation.objects.create(
        obligation=clock, ticket=theirs, channel=theirs.channel, kind=clock.kind,
        starts_at=clock.starts_at, due_at=clock.due_at, occurred_at=clock.due_at,
        recorded_at=clock.due_at)
    api = world["api"]
    for url in [f"/api/tickets/{theirs.pk}/", f"/api/tickets/{theirs.pk}/messages/",
                f"/api/messages/{theirs.messages.get().pk}/", f"/api/clocks/{clock.pk}/",
                f"/api/violations/{violation.pk}/", f"/api/buyers/{theirs.buyer_id}/",
                f"/api/orders/{theirs.order_id}/", "/api/tickets/99999999999999999/"]:
        response = api.get(url)
        assert response.status_code == 404, url
        assert "cassée" not in response.content.decode()
    for url in ["/api/clocks/", "/api/violations/", "/api/buyers/", "/api/orders/"]:
        rows = api.get(url).json()["results"]
        assert all(r.get("ticket") != theirs.pk for r in rows), url
    assert ids(api.get("/api/orders/")) == [world["mine"].order_id]
    assert ids(api.get("/api/buyers/")) == [world["mine"].buyer_id]
    assert ids(api.get("/api/clocks/", {"ticket": theirs.pk})) == []


def test_clocks_violations_buyers_and_orders_filter(world):
    mine = world["mine"]
    api = world["api"]
    assert ids(api.get("/api/clocks/", {"ticket": mine.pk, "open": "true"})) == [
        Obligation.objects.get(ticket=mine).pk]
    assert ids(api.get("/api/clocks/", {"open": "false"})) == []
    response = api.get("/api/clocks/", {"ticket": "abc", "open": "maybe"})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"ticket", "open"}
    order = Order.objects.get(pk=mine.order_id)
    assert ids(api.get("/api/orders/", {"order_id": order.order_id})) == [order.pk]
    assert ids(api.get("/api/buyers/", {"alias": mine.buyer.alias})) == [mine.buyer_id]


def test_a_manager_reaches_every_queue():
    manager = manager_make()
    theirs = ticket_make(channel="amazon-fr")
    api = token_client(manager, ("read",))
    assert api.get(f"/api/tickets/{theirs.pk}/").status_code == 200
    assert theirs.pk in ids(api.get("/api/tickets/", {"view": "all"}))


def test_the_sla_report_is_the_managers_as_on_the_pages(agent):
    ticket_make()
    since, until = datetime(2020, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    query = {"since": since.isoformat(), "until": until.isoformat()}
    assert token_client(agent, ("read",)).get("/api/reports/sla/", query).status_code == 403
    api = token_client(manager_make(), ("read",))
    body = api.get("/api/reports/sla/", query).json()
    assert body["kinds"]["buyer_reply"]["obligations"] == 1
    assert body["kinds"]["buyer_reply"]["pending"] == 1
    response = api.get("/api/reports/sla/", {"since": until.isoformat(),
                                             "until": since.isoformat()})
    assert response.status_code == 400 and "until" in response.json()["errors"]
    assert api.get("/api/reports/sla/").json()["errors"].keys() == {"since", "until"}


def test_a_report_from_the_first_day_of_the_calendar_is_out_of_range_not_a_server_error(
    client,
):
    """Midnight of 1 January of year 1 east of Greenwich has no UTC time: the browsable API
    answered 500. (Without an offset the API reads UTC, which holds it.)"""
    client.force_login(manager_make(zone="Europe/Berlin"))
    response = client.get("/api/reports/sla/", {"since": "0001-01-01T00:00:00+05:00",
                                                "until": "2026-01-01"},
                          HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"since": ["Datetime value out of range."]}


def test_the_schema_and_its_page_are_for_helpdesk_users(client, agent):
    assert client.get("/api/schema/").status_code == 200  # the agent's session
    assert client.get("/api/docs/").status_code == 200
    client.logout()
    assert client.get("/api/schema/").status_code in (401, 403)
    api = token_client(user_make("reader", queues=[]), ("read",))
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/tickets/{id}/replies/" in schema["paths"]


def test_times_are_utc_whatever_the_agents_or_the_servers_zone(client, agent, settings):
    """A script reading the API with a token, and the same agent's browser reading it with
    the session, get the same times, in UTC as docs/API.md says: not the server's zone, not
    the zone the agent chose for their pages (which only the pages follow)."""
    settings.TIME_ZONE = "Europe/Berlin"
    AgentProfile.objects.create(user=agent, time_zone="Asia/Tokyo")
    ticket = ticket_make(now=datetime(2026, 12, 1, 2, 12, tzinfo=UTC), age=timedelta(0))
    for api in (token_client(agent, ("read",)), client):
        detail = api.get(f"/api/tickets/{ticket.pk}/", HTTP_ACCEPT="application/json").json()
        assert detail["created_at"] == "2026-12-01T02:12:00Z"
        assert detail["messages"][0]["sent_at"] == "2026-12-01T02:12:00Z"
        assert detail["clocks"][0]["due_at"] == "2026-12-02T02:12:00Z"
    # A time written without its zone is read in UTC too: 1 December UTC holds the message,
    # which the manager's own 1 December (Los Angeles) would not.
    manager = manager_make(zone="America/Los_Angeles")
    browser = Client()
    browser.force_login(manager)
    query = {"since": "2026-12-01T00:00:00", "until": "2026-12-02T00:00:00"}
    for api in (token_client(manager, ("read",)), browser):
        body = api.get("/api/reports/sla/", query, HTTP_ACCEPT="application/json").json()
        assert body["kinds"]["buyer_reply"]["obligations"] == 1
    # The pages still show the agent's own zone.
    assert "2026-12-01 11:12 JST" in client.get(f"/inbox/tickets/{ticket.pk}/").content.decode()


@pytest.mark.parametrize("position", ["p=not-a-time", "p=2026-13-45", "o=-5&p=x", "r=1&p=",
                                      "p=" + "9" * 400])
def test_a_forged_cursor_is_refused_not_a_server_error(agent, position):
    import base64

    ticket_make()
    cursor = base64.b64encode(position.encode()).decode()
    response = token_client(agent, ("read",)).get("/api/tickets/", {"cursor": cursor})
    assert response.status_code in (400, 404) and "detail" in response.json()


def test_a_signed_in_browser_reads_the_api_as_pages(client, agent):
    ticket = ticket_make(subject="Lid is leaking")
    response = client.get(f"/api/tickets/{ticket.pk}/", {"format": "api"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Lid is leaking" in response.content.decode()
    other = ticket_make(channel="amazon-fr")
    assert client.get(f"/api/tickets/{other.pk}/", {"format": "api"}).status_code == 404


ENDPOINTS = ["/api/tickets/", "/api/messages/", "/api/clocks/", "/api/violations/",
             "/api/buyers/", "/api/orders/"]
ODD_VALUES = ["abc", "-1", "99999999999999999999999", "1e5", "", "\x00", "１２", "' OR 1=1"]


def test_odd_ids_and_query_values_are_a_400_or_404_never_a_server_error(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"read": None, "act": None}}
    api = world["api"]
    answers = {}
    for path in ENDPOINTS:
        for name in ["page_size", "cursor", "ticket", "open", "state", "channel", "view",
                     "assignee", "q", "buyer", "order"]:
            for value in ODD_VALUES:
                answers[path, name, value] = api.get(path, {name: value}).status_code
        for pk in ["abc", "0", "1.0", "-1", "１", "9223372036854775808", "9" * 30]:
            answers[f"{path}{pk}/", "", ""] = api.get(f"{path}{pk}/").status_code
    assert {k: v for k, v in answers.items() if v not in (200, 400, 404)} == {}
    # A huge page size is the largest page, not an error; a wrong one is the default page.
    assert api.get("/api/tickets/", {"page_size": 10**30}).status_code == 200

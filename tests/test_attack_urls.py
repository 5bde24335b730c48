"""Every URL the project serves, found by walking the URL resolver (Django admin and
django-rq included), attacked the same way:

- anonymous: a redirect to a login page (401 for the token endpoint), for GET and POST;
- an agent of queue A: 404 for every URL naming an object of queue B (and for A's ticket
  combined with B's attachment), 401/403 or the admin login for the staff-only parts
  (admin, django-rq, reports); the agent's own pages work and never show B's ticket;
- a POST without the CSRF token: 403 everywhere but the token endpoint.

The API (``api/``) authenticates each request itself (an API token, or the session with
DRF's own CSRF check): anonymous is a 401/403 there, never a login redirect.

A new URL needs no new test, but every keyword in its pattern must be known below (an
object of queue B, or a plain sample value): an unknown one fails the walk by name, so no
pattern is silently left out."""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls import converters as url_converters
from django.urls.resolvers import RegexPattern, RoutePattern
from inbox_support import queue_make, ticket_make, user_make

from helpdesk.api.tokens import token_create
from helpdesk.inbox.page import templates_fitting
from helpdesk.mail.raw_store import blob_put
from helpdesk.marketplaces.models import Order
from helpdesk.replies.models import Outbox, OutboxState
from helpdesk.sla.models import Obligation, Violation
from helpdesk.tickets.models import Attachment, Escalation, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db

# Reachable without a login: the login pages themselves, and logging out.
PUBLIC = {"login", "logout", "admin:login", "admin:logout"}
# Machine endpoints with a credential of their own: 401 without it, never a login redirect.
TOKEN = {"mail:ingest_raw"}
# The API: its own authentication (a token or the session) and its own CSRF check.
API = "api/"
# What an API route's ``pk`` names, by the route's name (the rest name a ticket).
API_OBJECTS = {"api:message-": "message", "api:clock-": "clock", "api:violation-": "violation",
               "api:buyer-": "buyer", "api:order-": "order", "tokens:": "api_token"}
# Only staff (admin, django-rq) or managers (reports) may enter; an agent is refused.
ROLE_GATED = ("admin/", "django-rq/", "reports/")
LOGIN_PAGES = ("/login/", "/admin/login/")
# The keywords that name an object: the walker fills them from queue B's objects.
OBJECT_KWARGS = {"pk": "ticket", "ticket_pk": "ticket", "ticket_id": "ticket",
                 "attachment_pk": "attachment", "escalation_pk": "escalation",
                 "outbox_pk": "outbox"}
# The keywords that name no object: sample values (several, to try each branch).
PLAIN_KWARGS = {"action": ["claim", "assign", "resolve", "reopen", "note", "clock",
                           "escalate", "follow_up_done", "no-such-action"],
                "decision": ["confirm", "again", "no-such-decision"]}
# Generic values for the staff-only parts, whose views refuse before reading them.
BY_CONVERTER = {
    url_converters.IntConverter: 1, url_converters.StringConverter: "x",
    url_converters.SlugConverter: "x", url_converters.PathConverter: "1",
    url_converters.UUIDConverter: uuid.UUID(int=1),
}
# Query strings without which a view 404s for everyone (so a 404 would prove nothing).
QUERY = {"inbox:reply_template": lambda w: {"template": w["template"]}}
# A form that would do something if it were let through.
POST_DATA = {"assignee": "", "text": "note", "kind": "no_response_required", "case_id": "9",
             "subject": "Re", "body": "Hello", "seen": "0.0", "composing": "1",
             "action": "resolve", "time_zone": "Europe/Berlin"}
# Form fields whose value must name a row for the view to act (else it 404s for everyone):
# the first row's value of that column.
POST_ROWS = {"category": ("complaints.ComplaintCategory", "code")}
SECRET_SUBJECT = "Zerbrochene Tasse QB-7731"


def post_data(world, **extra) -> dict:
    from django.apps import apps

    data = POST_DATA | {"escalation": world["escalation"].pk}
    for field, (model, column) in POST_ROWS.items():
        if apps.is_installed(f"helpdesk.{model.split('.')[0]}"):
            row = apps.get_model(model).objects.values_list(column, flat=True).first()
            data[field] = row or ""
    return data | extra


@dataclass
class Route:
    text: str  # the pattern as written, for messages
    name: str  # namespaced URL name, or the pattern text when unnamed
    pattern: URLPattern
    converters: dict  # keyword → converter, of the pattern and its includes

    @property
    def role_gated(self) -> bool:
        return self.text.startswith(ROLE_GATED)

    @property
    def kwargs(self) -> list[str]:
        if isinstance(self.pattern.pattern, RegexPattern):
            return list(re.compile(self.text).groupindex)
        return list(self.converters)


def routes(patterns=None, prefix: str = "", namespace: str = "", converters=None) -> Iterator:
    resolver_patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in resolver_patterns:
        text = prefix + str(entry.pattern)
        found = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry.url_patterns, text, ns, found)
        else:
            name = f"{namespace}{entry.name}" if entry.name else text
            yield Route(text, name, entry, found)


ALL = list(routes())


def regex_url(text: str, values: dict) -> str:
    """A URL matching a regex pattern: each group becomes its sample value (the first of
    its alternatives when it lists them)."""

    def group(match: re.Match) -> str:
        name, body = match.group(1), match.group(2)
        if name in values:
            return str(values[name])
        return body.split("|")[0] if "|" in body else "1"

    url = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)\??", group, text)
    return "/" + url.replace("^", "").replace("$", "").replace("/?", "/").replace("?", "")


def url_for(route: Route, values: dict) -> str:
    if isinstance(route.pattern.pattern, RegexPattern) or not isinstance(
        route.pattern.pattern, RoutePattern
    ):
        return regex_url(route.text, values)
    url = route.text

    def fill(match: re.Match) -> str:
        name = match.group(2)
        return route.converters[name].to_url(values[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, url)


def sample_urls(route: Route, objects: dict) -> list[str]:
    """Every URL the walk tries for a pattern: objects of queue B (and, with two objects,
    A's ticket with B's other object), plain keywords with each sample value. An unknown
    keyword in the agents' part fails here, naming the pattern."""
    choices: dict[str, list] = {}
    api_object = next((o for prefix, o in API_OBJECTS.items() if route.name.startswith(prefix)),
                      None)
    for name in route.kwargs:
        if name == "pk" and api_object:
            choices[name] = [objects[api_object].pk]
        elif name in OBJECT_KWARGS:
            choices[name] = [objects[OBJECT_KWARGS[name]].pk]
        elif name in PLAIN_KWARGS:
            choices[name] = PLAIN_KWARGS[name]
        elif route.role_gated:
            converter = route.converters.get(name)
            choices[name] = [BY_CONVERTER[type(converter)] if converter else "x"]
        else:
            pytest.fail(f"{route.text}: the walk does not know the keyword '{name}'. Add it "
                        "to OBJECT_KWARGS (an object of queue B) or PLAIN_KWARGS.")
    urls = [url_for(route, dict(zip(choices, combo, strict=True)))
            for combo in product(*choices.values())]
    object_kwargs = [k for k in route.kwargs if k in OBJECT_KWARGS]
    if len(object_kwargs) > 1:  # A's own ticket, B's attachment: still B's, still a 404
        first = object_kwargs[0]
        mixed = {k: v[0] for k, v in choices.items()} | {first: objects["own_ticket"].pk}
        urls.append(url_for(route, mixed))
    return urls


def bearing_objects(route: Route) -> bool:
    return any(k in OBJECT_KWARGS for k in route.kwargs)


@pytest.fixture
def world(settings):
    settings.INGEST_TOKEN = "walk-token"
    queue_a = queue_make("Amazon US", ["amazon-com"])
    queue_b = queue_make("Amazon DE", ["amazon-de"])
    ticket = ticket_make(channel="amazon-de", subject=SECRET_SUBJECT, words="kaputt",
                         buyer_name="Bertha Queue-B", language="de")
    attachment = Attachment.objects.create(
        message=ticket.messages.get(), filename="beweis.jpg", content_type="image/jpeg",
        size=3, sha256=blob_put(b"jpg"),
    )
    escalation = Escalation.objects.create(ticket=ticket, case_id="123",
                                           opened_at=ticket.created_at,
                                           follow_up_due_at=ticket.created_at)
    # A reply of B's that did not go: what "retry", "edit and resend" and the decisions on
    # an uncertain delivery name.
    outbox = Outbox.objects.create(
        ticket=ticket, subject="Re", body="Hallo", message_id="<walk@example-seller.com>",
        from_address="support@example-seller.com", to_address=ticket.buyer.alias,
        state=OutboxState.FAILED, last_error="refused", created_at=ticket.created_at,
    )
    order = Order.objects.create(order_id="302-7777777-7777777", channel=ticket.channel,
                                 buyer=ticket.buyer)
    Ticket.objects.filter(pk=ticket.pk).update(order=order)
    clock = Obligation.objects.get(ticket=ticket)
    violation = Violation.objects.create(
        obligation=clock, ticket=ticket, channel=ticket.channel, kind=clock.kind,
        starts_at=clock.starts_at, due_at=clock.due_at, occurred_at=clock.due_at,
        recorded_at=clock.due_at)
    agent_b = user_make("agent_b", queues=[queue_b])
    fitting = templates_fitting(ticket)
    assert fitting, "a reply template fitting queue B's ticket is needed for the composer URL"
    return {
        "ticket": ticket, "attachment": attachment, "escalation": escalation,
        "outbox": outbox, "template": fitting[0].pk,
        "message": ticket.messages.get(), "clock": clock, "violation": violation,
        "buyer": ticket.buyer, "order": order,
        "api_token": token_create(user=agent_b, name="B's sync", scopes=["read"]).token,
        "own_ticket": ticket_make(channel="amazon-com", subject="Own ticket"),
        "agent_a": user_make("agent_a", queues=[queue_a]),
        "agent_b": agent_b,
    }


def query(route: Route, world) -> dict:
    return QUERY[route.name](world) if route.name in QUERY else {}


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN_PAGES)


def b_state(world) -> tuple:
    ticket = Ticket.objects.get(pk=world["ticket"].pk)
    return (ticket.status, ticket.assignee_id, ticket.messages.count(),
            TimelineEvent.objects.filter(ticket=ticket).count(),
            Escalation.objects.filter(ticket=ticket, closed_at__isnull=True).count())


def test_the_walk_finds_the_agents_urls_and_the_staff_parts():
    names = {r.name for r in ALL}
    assert {"inbox:list", "inbox:ticket", "inbox:attachment", "inbox:reply_send",
            "mail:ingest_raw", "account:preferences"} <= names
    assert any(r.text.startswith("admin/") for r in ALL)
    assert any(r.text.startswith("django-rq/") for r in ALL)
    assert len(ALL) > 100


def test_anonymous_is_sent_to_log_in_everywhere(client, world):
    data_posted = post_data(world)
    for route in ALL:
        if route.name in PUBLIC:
            continue
        for url in sample_urls(route, world):
            for method in ("get", "post"):
                data = query(route, world) if method == "get" else data_posted
                response = getattr(client, method)(url, data)
                if route.name in TOKEN:  # (GET is not allowed at all there)
                    assert response.status_code == (401 if method == "post" else 405), url
                else:
                    assert is_login_redirect(response) or response.status_code in (401, 403), (
                        method, url, route.text, response.status_code)
                assert SECRET_SUBJECT not in response.content.decode(errors="replace"), url
    assert not TimelineEvent.objects.filter(actor__isnull=False).exists()


def test_an_agent_of_queue_a_finds_nothing_of_queue_b(client, world):
    client.force_login(world["agent_a"])
    before = b_state(world)
    # Data naming B's objects, sent to A's own ticket and everywhere else.
    data_posted = post_data(world, selected=[world["ticket"].pk],
                            assignee=world["agent_a"].pk)
    checked = 0
    for route in ALL:
        if route.name in PUBLIC | TOKEN:
            continue
        for url in sample_urls(route, world):
            statuses = set()
            for method in ("get", "post"):
                data = query(route, world) if method == "get" else data_posted
                response = getattr(client, method)(url, data)
                status = response.status_code
                statuses.add(status)
                where = (method, url, route.text, status)
                if route.role_gated:
                    assert is_login_redirect(response) or status in (401, 403, 405), where
                    if status != 405:
                        statuses.add("refused")
                elif bearing_objects(route):
                    # 405 for the method the view does not take: it says nothing either.
                    assert status in (404, 405), where
                else:  # the agent's own pages: they work, and show nothing of B's
                    assert status < 500, where
                assert SECRET_SUBJECT not in response.content.decode(errors="replace"), where
                assert "Bertha Queue-B" not in response.content.decode(errors="replace"), where
            if bearing_objects(route) and not route.role_gated:
                assert 404 in statuses, (url, route.text, statuses)
                checked += 1
            if route.role_gated:
                assert "refused" in statuses, (url, route.text, statuses)
    assert checked >= len(PLAIN_KWARGS["action"]) + 6
    assert b_state(world) == before
    assert not TimelineEvent.objects.filter(ticket=world["ticket"], actor=world["agent_a"])


def test_the_walks_urls_are_real_for_a_member_of_queue_b(client, world):
    # Otherwise a 404 for the outsider would prove nothing.
    client.force_login(world["agent_b"])
    for route in ALL:
        if not bearing_objects(route) or route.role_gated:
            continue
        url = sample_urls(route, world)[0]
        response = client.get(url, query(route, world))
        if response.status_code == 405:  # POST only
            response = client.post(url, post_data(world))
        assert response.status_code != 404 and response.status_code < 500, (url, route.text)


def test_every_post_without_the_csrf_token_is_refused(world, admin_user):
    # Logged in as a superuser, who could do anything the token would let through.
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(admin_user)
    anonymous = Client(enforce_csrf_checks=True)
    before = b_state(world)
    for route in ALL:
        if route.name in TOKEN:
            continue
        for url in sample_urls(route, world):
            response = staff.post(url, post_data(world))
            assert response.status_code == 403, (url, route.text, response.status_code)
            if route.name in PUBLIC:
                assert anonymous.post(url, {"username": "agent_a", "password": "x"}
                                      ).status_code == 403, url
    assert b_state(world) == before


def test_only_the_token_endpoint_and_the_api_are_exempt_from_djangos_csrf_check():
    # The API checks CSRF itself for a session (DRF), as the walk above shows.
    exempt = {r.name for r in ALL if getattr(r.pattern.callback, "csrf_exempt", False)
              and not r.text.startswith(API)}
    assert exempt == TOKEN


def test_only_the_login_pages_and_the_token_endpoint_skip_the_login_check():
    open_views = {r.name for r in ALL
                  if getattr(r.pattern.callback, "login_required", True) is False
                  and not r.text.startswith(API)}  # answers 401/403 itself (walked above)
    # The admin's own views check staff themselves (tested by the walk above).
    assert {n for n in open_views if not n.startswith("admin:") and not
            n.startswith("admin/")} <= PUBLIC | TOKEN

"""Every URL the project serves, found by walking the URL resolver, asked with malformed query
strings and ids (impossible and reversed dates, words for ids and page numbers, unknown
filters, huge and negative numbers, unicode, empty values) as an agent, a manager and an
admin: never a server error, and where a page takes the value (the reports, their CSV files,
the rule dry run) the wrong value is named."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from inbox_support import queue_make, ticket_make, user_make
from reports_support import manager_make

from helpdesk.mail.raw_store import blob_put
from helpdesk.tickets.models import Attachment, Escalation, Ticket

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
# Each a query string with every parameter a page of the project reads set to one kind of
# bad value; a view reads the ones it knows.
PARAMETERS = ["period", "since", "until", "shown_since", "shown_until", "channel", "kind",
              "agent", "page", "view", "language", "assignee", "q", "cursor", "selected",
              "template", "seen", "ticket", "raw_mail", "o", "p", "e", "q", "status__exact",
              "_changelist_filters", "all", "report"]
BAD_VALUES = {
    "malformed": {"since": "2026-02-30", "until": "2026-13-45", "period": "custom",
                  "default": "abc"},
    "reversed": {"since": "2026-03-10", "until": "2026-03-01", "period": "7",
                 "default": "1"},
    "huge": {"since": "99999-01-01", "until": "99999-12-31", "default": HUGE},
    "negative": {"default": "-1"},
    "zero": {"default": "0"},
    "unicode": {"default": "Straße 😀 \u202e١٢٣"},
    # Digits to str.isdigit, not to int(): "²" was a server error wherever a view read an
    # id with isdigit() (the template picker, the Amazon figures' report).
    "digits": {"default": "²"},
    "empty": {"default": ""},
    "control": {"default": "a\x00b\r\nc"},
}
# The pages that take a period: the wrong dates must be named there.
DATED = {"reports:page", "reports:violations"}
# Keyword values in URL paths: real ids from the data set below, then wrong ones.
WRONG_IDS = [HUGE, "0"]


@dataclass
class Route:
    text: str
    name: str
    converters: dict


def _routes(patterns=None, prefix: str = "", namespace: str = "", converters=None) -> Iterator:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        text = prefix + str(entry.pattern)
        found = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, text, ns, found)
        elif isinstance(entry, URLPattern):
            is_route = isinstance(entry.pattern, RoutePattern)
            yield Route(text, f"{namespace}{entry.name}" if entry.name else text,
                        found if is_route else {})


# django-rq's dashboard (its own pages and its admin entry, staff only) is a third-party view
# of Redis: it answers an unknown queue, job or worker index with a server error of its own,
# whatever the query string; the walk leaves it to its authors.
THIRD_PARTY = ("django-rq/", "admin/django_rq/")
ROUTES = [r for r in _routes()
          if r.name not in {"logout", "admin:logout"} and not r.text.startswith(THIRD_PARTY)]


@pytest.fixture
def data(settings, ingest_file):
    """A small data set: ingested mail (raw mails, tickets, clocks, orders, buyers), a ticket
    with an attachment and an escalation, an agent of its queue, a manager and an admin."""
    settings.INGEST_TOKEN = "walk-token"
    ingest_file("amazon-de/lieferung_01_kaeufer.eml")
    ingest_file("amazon-de/ruecksendeanfrage.eml")
    queue = queue_make("Amazon", ["amazon-com", "amazon-de"])
    ticket = ticket_make(channel="amazon-com", subject="Mug broken", order_id="111-1111111-1")
    attachment = Attachment.objects.create(
        message=ticket.messages.get(), filename="photo.jpg", content_type="image/jpeg",
        size=3, sha256=blob_put(b"jpg"),
    )
    escalation = Escalation.objects.create(ticket=ticket, case_id="123",
                                           opened_at=ticket.created_at,
                                           follow_up_due_at=ticket.created_at)
    admin = User.objects.create_superuser("root", "root@example.test", "root-pass-1234")
    return {
        "ticket": ticket, "attachment": attachment, "escalation": escalation,
        "users": {"agent": user_make("agent", queues=[queue]), "manager": manager_make(),
                  "admin": admin},
    }


def _real_id(route: Route, name: str, data: dict) -> str:
    """A real id for the keyword: the object the walk's data set has for it."""
    if name == "content_type_id":  # the admin's "view on site"
        return str(ContentType.objects.get_for_model(Ticket).pk)
    if name in ("pk", "ticket_pk", "ticket_id") or (name == "object_id" and
                                                     route.text.startswith("admin/r/")):
        return str(data["ticket"].pk)
    if name == "attachment_pk":
        return str(data["attachment"].pk)
    match = re.match(r"admin/(\w+)/(\w+)/", route.text)
    if name == "object_id" and match:
        model = apps.get_model(match.group(1), match.group(2))
        if not model._meta.managed:  # a model without a table (django-rq's dashboard)
            return "1"
        first = model.objects.order_by("pk").values_list("pk", flat=True).first()
        return str(first if first is not None else 1)
    return "1"


def _path(route: Route, values: dict) -> str:
    text = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: values[m.group(2)], route.text)
    # Regex patterns (the admin's app index, django-rq): their groups become a sample.
    text = re.sub(r"\(\?P<\w+>([^()]*)\)",
                  lambda m: m.group(1).split("|")[0] if "|" in m.group(1) else "1", text)
    return "/" + text.replace("^", "").replace("$", "")


def _paths(route: Route, data: dict) -> list[str]:
    names = re.findall(r"<(?:\w+:)?(\w+)>", route.text)
    if route.name == "reports:csv":
        return [_path(route, {"table": table}) for table in ("cases", "violations", "x")]
    real = {name: _real_id(route, name, data) for name in names}
    paths = [_path(route, real)]
    for name in names:
        if type(route.converters.get(name)).__name__ in ("IntConverter", "PathConverter",
                                                          "StringConverter"):
            paths += [_path(route, real | {name: wrong}) for wrong in WRONG_IDS]
    return paths


def _query(kind: str) -> dict:
    values = BAD_VALUES[kind]
    return {name: values.get(name, values["default"]) for name in PARAMETERS}


def test_the_walk_covers_the_pages_it_must():
    names = {r.name for r in ROUTES}
    assert {"inbox:list", "inbox:ticket", "reports:page", "reports:violations", "reports:csv",
            "admin:mail_recognitionrule_trial", "admin:marketplaces_channel_change"} <= names
    assert len(ROUTES) > 100


@pytest.mark.parametrize("role", ["agent", "manager", "admin"])
def test_no_url_answers_a_bad_query_with_a_server_error(data, role):
    client = Client(raise_request_exception=False)
    client.force_login(data["users"][role])
    failures = []
    for route in ROUTES:
        real, *wrong = _paths(route, data)
        # Every bad query on the real object; a wrong id needs one to show it is handled.
        tries = [(real, kind) for kind in BAD_VALUES] + [(path, "empty") for path in wrong]
        for path, kind in tries:
            response = client.get(path, _query(kind))
            if response.status_code >= 500:
                failures.append((role, kind, path, response.status_code))
    by_path: dict[str, set] = {}
    for _role, kind, path, status in failures:
        by_path.setdefault(f"{path} {status}", set()).add(kind)
    assert not by_path, "\n".join(sorted(by_path))


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_the_dated_pages_name_the_wrong_value(data, role, client):
    client.force_login(data["users"][role])
    for name in DATED:
        url = "/reports/" if name == "reports:page" else "/reports/violations/"
        for kind, message in (("malformed", "Enter a valid date."),
                              ("reversed", "The last day is before the first day."),
                              ("huge", "Enter a valid date.")):
            response = client.get(url, _query(kind))
            assert response.status_code == 200, (url, kind)
            assert message in response.content.decode(), (url, kind)
        response = client.get("/reports/csv/cases/", _query("malformed"))
        assert response.status_code == 400
        assert "Enter a valid date." in response.content.decode()


def test_the_rule_dry_run_names_a_wrong_mail_id(data, client):
    client.force_login(data["users"]["admin"])
    url = "/admin/mail/recognitionrule/1/test/"
    for value, message in (("abc", "Enter a whole number."), (HUGE, "less than or equal"),
                           ("-1", "greater than or equal"), ("999999", "no stored mail")):
        page = client.get(url, {"raw_mail": value}).content.decode()
        assert message in page, value


# What the inbox names for each kind of bad query string (every parameter set to the value).
INBOX_NAMED = {
    "malformed": ["View: Select a valid choice.", "Channel: Select a valid choice.",
                  "Page: Enter a whole number.", "Highlighted ticket: Enter a whole number.",
                  "Assignee: Select a valid choice."],
    "reversed": ["View: Select a valid choice."],
    "huge": ["Page: Ensure this value is less than or equal to 100000.",
             "Channel: Select a valid choice.", "Highlighted ticket: Ensure this value is less",
             "Selected tickets: Select a valid choice."],
    "negative": ["Page: Ensure this value is greater than or equal to 1.",
                 "Language: Enter a language code"],
    "zero": ["Page: Ensure this value is greater than or equal to 1."],
    "unicode": ["Page: Enter a whole number.", "Language: Enter a language code"],
    "control": ["Search: Null characters are not allowed.", "Page: Enter a whole number."],
}


@pytest.mark.parametrize("role", ["agent", "manager", "admin"])
def test_the_inbox_names_each_wrong_value(data, role, client):
    client.force_login(data["users"][role])
    for kind, messages in INBOX_NAMED.items():
        response = client.get("/inbox/", _query(kind))
        assert response.status_code == 200, kind
        html = response.content.decode()
        assert "the default is shown instead where a value is wrong" in html, kind
        for message in messages:
            assert message in html, (kind, message)
        # The refresh (htmx) names them too.
        refresh = client.get("/inbox/", _query(kind), headers={
            "HX-Request": "true", "HX-Target": "inbox-results"}).content.decode()
        assert messages[0] in refresh, kind
    empty = client.get("/inbox/", _query("empty")).content.decode()
    assert "the default is shown instead" not in empty


def test_a_wrong_bulk_action_is_named(data, client):
    client.force_login(data["users"]["agent"])
    ticket = data["ticket"]
    for post, message in (
        ({"action": "explode", "selected": [ticket.pk]}, "Action: Select a valid choice."),
        ({"action": "assign", "selected": ["abc"]}, "Tickets: Select a valid choice."),
        ({"action": "assign", "selected": [HUGE]}, "Tickets: Select a valid choice."),
        ({"action": "assign"}, "Tickets: Select at least one ticket."),
        ({"action": "assign", "selected": [ticket.pk], "assignee": "-1"},
         "Assign to: Enter a valid value."),
        ({"action": "no_response_required", "selected": [ticket.pk], "confirm": "maybe"},
         "Confirmation: Select a valid choice."),
    ):
        response = client.post("/inbox/bulk/", {**post, "next": "/inbox/"}, follow=True)
        assert response.status_code == 200, post
        assert message in response.content.decode(), post
    ticket.refresh_from_db()
    assert ticket.assignee is None and ticket.obligations.filter(is_open=True).exists()


def test_an_id_in_digits_int_cannot_read_is_refused_like_any_wrong_one(data, client):
    """"²" (a digit to str.isdigit, not to int) as the ticket to merge with, the message to
    split off, or what the composer saw and replaces: each was a server error."""
    client.force_login(data["users"]["agent"])
    ticket = data["ticket"]
    for action, post, message in (
        ("merge", {"other": "#²"}, "Give the number of the ticket to merge with"),
        ("split", {"message": "²"}, "That message is not in this ticket."),
    ):
        response = client.post(f"/inbox/tickets/{ticket.pk}/do/{action}/", post, follow=True)
        assert response.status_code == 200, action
        assert message in response.content.decode(), action
    reply = {"subject": "Re: Mug broken", "body": "Hello Jane, a new mug ships today."}
    for post in ({"seen": "²"}, {"seen": "1.²", "replaces": "²"}):
        response = client.post(f"/inbox/tickets/{ticket.pk}/reply/", {**reply, **post})
        assert response.status_code < 500, post

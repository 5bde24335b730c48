"""On SQLite, the embedded default, the inbox's main views read the open tickets and the
running clocks from the working-set indexes (helpdesk/inbox/migrations/0005), as they do on
PostgreSQL: SQLite's own query plans (EXPLAIN QUERY PLAN) of the queries a page really
runs, with their bound parameters, name them."""

import dataclasses

import pytest
from django.db import connection
from django.utils import timezone
from inbox_support import queue_make, ticket_make, user_make
from reports_support import manager_make

from helpdesk.inbox.filters import InboxQuery, list_plan
from helpdesk.inbox.listing import inbox_page
from helpdesk.inbox.sqlite_fts import TABLE as FTS_TABLE
from helpdesk.tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own query plans"),
]

WORKING = "inbox_ticket_working"
CLOCKS = ("inbox_obligation_open", "inbox_obligation_open_due")


def _plans(client, params: dict, url: str = "/inbox/") -> list[tuple[str, str]]:
    """(SQL, plan) of every query the page runs for ``params``."""
    seen: list[tuple[str, tuple]] = []

    def capture(execute, sql, sql_params, many, context):
        seen.append((sql, sql_params))
        return execute(sql, sql_params, many, context)

    with connection.execute_wrapper(capture):
        assert client.get(url, params).status_code == 200
    plans = []
    with connection.cursor() as cursor:
        for sql, sql_params in seen:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + sql, sql_params)
            plans.append((sql, " | ".join(row[3] for row in cursor.fetchall())))
    return plans


def _uses(plans, index: str, *, where: str) -> bool:
    return any(where in sql and f"INDEX {index} " in plan for sql, plan in plans)


@pytest.fixture
def inbox(client):
    queue = queue_make("Amazon", ["amazon-com", "amazon-de"])
    agent = user_make("agent", queues=[queue])
    manager = user_make("boss", role="manager")
    for _ in range(3):
        ticket_make()
    ticket_make(status="waiting")
    ticket_make(status="resolved")
    return {"agent": agent, "manager": manager}


@pytest.mark.parametrize("role", ["agent", "manager"])
@pytest.mark.parametrize("view", ["open", "overdue", "at_risk", "waiting", "unassigned"])
def test_the_working_views_read_the_working_set_indexes(client, inbox, role, view):
    client.force_login(inbox[role])
    plans = _plans(client, {"view": view})
    # The counts beside every view: the open tickets, grouped, from the index alone.
    assert any('"status" IN' in sql and "GROUP BY" in sql
               and f"COVERING INDEX {WORKING} " in plan for sql, plan in plans), plans
    # The running clocks: counted and read in due order from their own index.
    assert any(_uses(plans, index, where='"is_open" = %s') for index in CLOCKS), plans
    clock_reads = [(sql, plan) for sql, plan in plans
                   if '"sla_obligation"' in sql and '"is_open" = %s' in sql]
    assert clock_reads and all(
        any(f"INDEX {index} " in plan or "obligation_ticket_open" in plan for index in CLOCKS)
        for _sql, plan in clock_reads), clock_reads


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_the_open_view_lists_the_unclocked_open_tickets_from_the_index(client, inbox, role):
    client.force_login(inbox[role])
    plans = _plans(client, {"view": "open"})
    listing = [(sql, plan) for sql, plan in plans
               if '"status" IN' in sql and "ORDER BY" in sql and "NOT EXISTS" in sql]
    assert listing, plans
    assert all(f"INDEX {WORKING} " in plan for _sql, plan in listing), listing
    # No page reads the whole ticket table.
    assert not any("SCAN tickets_ticket" in plan and "INDEX" not in plan
                   for _sql, plan in plans), plans


def test_the_reports_read_the_period_from_the_window_index(client, inbox):
    client.force_login(manager_make("reader"))
    plans = _plans(client, {"period": "30"}, url="/reports/")
    window = [(sql, plan) for sql, plan in plans
              if '"sla_obligation"."starts_at" >=' in sql or "starts_at >=" in sql]
    assert len(window) >= 4, plans
    assert all("COVERING INDEX reports_obligation_window " in plan for _sql, plan in window), window


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_a_search_reads_the_words_from_the_full_text_index(client, inbox, role):
    client.force_login(inbox[role])
    hit = ticket_make(subject="Chipped lid", words="The teapot arrived broken",
                      buyer_name="Grizelda Moss")
    plans = _plans(client, {"q": "teap brok"})
    words = [(sql, plan) for sql, plan in plans if "MATCH" in sql]
    assert words, plans
    # The words' matches come from the FTS5 index, and only those tickets are read.
    assert all("VIRTUAL TABLE INDEX" in plan and f"{FTS_TABLE}" in sql for sql, plan in words)
    assert all("SEARCH t USING INTEGER PRIMARY KEY" in plan for _sql, plan in words), words
    # No part of the search scans every ticket (the buyers' names are read from the buyers).
    assert not any("SCAN tickets_ticket" in plan and "INDEX" not in plan
                   for _sql, plan in plans), plans
    assert f'data-id="{hit.pk}"' in client.get("/inbox/", {"q": "teap brok"}).content.decode()


def test_a_far_page_of_all_tickets_walks_the_tickets_newest_first(client, inbox):
    client.force_login(inbox["agent"])
    for page in ("1", "3"):
        plans = _plans(client, {"view": "all", "page": page})
        listing = [(sql, plan) for sql, plan in plans if "NOT EXISTS" in sql and "ORDER BY" in sql
                   and '"tickets_ticket"."last_message_at" DESC' in sql]
        assert listing, plans
        # Walked in order from the time index: nothing sorted, however far the page.
        assert all("INDEX inbox_ticket_recent" in plan and "TEMP B-TREE" not in plan
                   for _sql, plan in listing), listing
    # A picked channel is read from the indexes that pick it, as before.
    plans = _plans(client, {"view": "all", "language": "en"})
    assert not any("inbox_ticket_recent" in sql for sql, _plan in plans)


def test_walking_reads_the_same_pages_as_sorting(inbox):
    now = timezone.now()
    plan = list_plan(query=InboxQuery(view="all"), user=inbox["agent"], now=now)
    assert plan.walk_recent
    pages = {}
    for walk in (True, False):
        walked = dataclasses.replace(plan, walk_recent=walk)
        pages[walk] = [
            [t.pk for t in inbox_page(plan=walked, user=inbox["agent"], number=n, now=now,
                                      total=7, size=2).rows]
            for n in range(1, 5)
        ]
    assert pages[True] == pages[False]
    ids = [pk for page in pages[True] for pk in page]
    assert len(ids) == len(set(ids)) == Ticket.objects.filter(
        channel__code__in=["amazon-com", "amazon-de"]).count()

"""SQLite's full-text index of the tickets' search text stays in step with the text however
it is written (save, bulk UPDATE, delete), and comes back after a migration rebuilt the
tickets table (which drops its triggers)."""

import pytest
from django.db import connection
from inbox_support import queue_make, ticket_make, user_make

from helpdesk.inbox.apps import _search_index_ensure
from helpdesk.inbox.sqlite_fts import TABLE, TRIGGERS, fts_ensure
from helpdesk.tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index"),
]


@pytest.fixture
def agent(client):
    user = user_make("agent", queues=[queue_make("Amazon", ["amazon-com", "amazon-de"])])
    client.force_login(user)
    return user


def found(client, q: str) -> set[int]:
    html = client.get("/inbox/", {"q": q}).content.decode()
    return {t.pk for t in Ticket.objects.all() if f'data-id="{t.pk}"' in html}


def test_a_bulk_update_of_the_text_is_searchable_at_once(client, agent):
    ticket = ticket_make(subject="Lid", words="The lid is cracked")
    other = ticket_make(subject="Mug", words="Where is my mug")
    assert found(client, "crack") == {ticket.pk}
    Ticket.objects.filter(pk=ticket.pk).update(search_text="Lid\nThe zipper jammed")
    assert found(client, "crack") == set()
    assert found(client, "zipp jam") == {ticket.pk}
    assert found(client, "zipper mug") == set()  # every word is required
    other.delete()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE {TABLE} MATCH 'mug'")
        assert cursor.fetchone()[0] == 0


def test_accents_and_case_are_folded(client, agent):
    ticket = ticket_make(subject="Café au lait", words="Die Tasse kam KAPUTT an")
    assert found(client, "cafe kaputt") == {ticket.pk}


def test_the_index_comes_back_after_the_tickets_table_lost_its_triggers(client, agent):
    ticket = ticket_make(subject="Strap", words="The strap tore")
    with connection.cursor() as cursor:
        for name in TRIGGERS:  # what rebuilding the table in a migration does to them
            cursor.execute(f"DROP TRIGGER {name}")
    Ticket.objects.filter(pk=ticket.pk).update(search_text="Strap\nThe buckle broke")
    assert found(client, "buckle") == set()  # the index no longer follows the text
    _search_index_ensure(using="default")  # what every migrate ends with
    assert found(client, "buckle") == {ticket.pk} and found(client, "tore") == set()
    assert fts_ensure(connection) is False  # nothing missing: nothing rebuilt

"""Full-text search over a ticket's subject and its messages' own words (the ticket's search
text, kept as mail arrives), the order id and the buyer's name.

On PostgreSQL each part is a query over its own GIN (or unique) index, and the parts are
joined with UNION into one set of ticket ids: an OR across tables would scan every ticket.
A common word (thousands of matches) is read newest first instead, its newest matches only.
Words match as prefixes ("brok" finds "broken"). SQLite (development, tests) falls back to
``icontains``."""

import re

from django.db import connection
from django.db.models import Q

from helpdesk.marketplaces.models import Buyer, Order
from helpdesk.tickets.models import Ticket

MAX_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)
_ORDER_ID = re.compile(r"^[0-9A-Za-z]{3,}(-[0-9A-Za-z]+)*$")


def tsquery_of(text: str) -> str:
    """A to_tsquery string of prefix terms, built from word characters only, so nothing
    the agent types can change the query's syntax."""
    words = _WORD.findall(text.lower())[:MAX_WORDS]
    return " & ".join(f"{word}:*" for word in words)


def search_q(text: str) -> Q:
    """The tickets matching ``text``. On PostgreSQL the matching ids are read first (a short
    list: rare words have few matches, common ones are cut to their newest), so the
    planner never joins a guess of their number against every ticket."""
    text = text.strip()
    if not text:
        return Q()
    if connection.vendor != "postgresql":
        return _portable(text)
    sql, params = _postgres(text)
    if not sql:
        return Q(pk__in=[])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return Q(pk__in=[row[0] for row in cursor.fetchall()])


def _portable(text: str) -> Q:
    return (
        Q(search_text__icontains=text)
        | Q(order__order_id__iexact=text) | Q(buyer__name__icontains=text)
    )


# (probe: count the matches, capped; query: the ticket ids; newest first: how to read the
# newest matches of a common word by walking an index in time order).
_ARMS = [
    # search_vector: generated from search_text by the database (inbox migration 0003).
    (f"SELECT 1 FROM {Ticket._meta.db_table} "
     "WHERE search_vector @@ to_tsquery('simple', %s)",
     f"SELECT id FROM {Ticket._meta.db_table} "
     "WHERE search_vector @@ to_tsquery('simple', %s)",
     "ORDER BY last_message_at DESC, id DESC"),
    (f"SELECT 1 FROM {Buyer._meta.db_table} "
     "WHERE to_tsvector('simple', name) @@ to_tsquery('simple', %s)",
     f"SELECT t.id FROM {Ticket._meta.db_table} t JOIN {Buyer._meta.db_table} b "
     "ON b.id = t.buyer_id WHERE to_tsvector('simple', b.name) @@ to_tsquery('simple', %s)",
     "ORDER BY t.last_message_at DESC, t.id DESC"),
]
# A word with more matches than this is common: its newest matches are read by walking the
# time index (a rare word that way would read the whole table), the others from the GIN
# index (a common word that way would read every match).
COMMON = 2000
NEWEST = 1000


def _common(probe: str, terms: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({probe} LIMIT {COMMON}) p", [terms])
        return cursor.fetchone()[0] >= COMMON


def _postgres(text: str) -> tuple[str, list[str]]:
    terms = tsquery_of(text)
    parts, params = [], []
    if terms:
        for probe, query, newest_first in _ARMS:
            if _common(probe, terms):
                query = f"SELECT * FROM ({query} {newest_first} LIMIT {NEWEST}) n"
            parts.append(f"({query})")
            params.append(terms)
    if _ORDER_ID.match(text):
        parts.append(
            f"(SELECT t.id FROM {Ticket._meta.db_table} t JOIN {Order._meta.db_table} o "
            "ON o.id = t.order_id WHERE o.order_id = %s)"
        )
        params.append(text)
    return " UNION ".join(parts), params

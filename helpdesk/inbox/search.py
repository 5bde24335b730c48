"""Full-text search over a ticket's subject and its messages' own words (the ticket's search
text, kept as mail arrives), the order id and the buyer's name.

On PostgreSQL each part (the ticket's words, the buyer's name, the order id) is read on its
own, newest matches first, and their ticket ids are joined: an OR across tables would scan
every ticket. Words match as prefixes ("brok" finds "broken"), every word required. SQLite
(the embedded default) reads the ticket's words from its FTS5 index (``sqlite_fts``) the same
way; other databases fall back to ``icontains``."""

import re
import unicodedata
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q

from helpdesk.letters import digits_dashed
from helpdesk.marketplaces.models import Buyer
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import searchable

from .sqlite_fts import TABLE as FTS_TABLE

MAX_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)
_ORDER_ID = re.compile(r"^[0-9A-Za-z]{3,}(-[0-9A-Za-z]+)*$")


def order_id_of(text: str) -> str | None:
    """The order ID ``text`` may be, folded as stored (ASCII digits and dashes), or None. As
    the recognisers read one in mail: an agent pastes it from a Japanese buyer's message in
    full-width digits or with ー for "-", or from Amazon's "Order # 112-…" with its "#"."""
    text = digits_dashed(unicodedata.normalize("NFKC", text)).strip().lstrip("#").strip()
    return text if _ORDER_ID.match(text) else None


def tsquery_of(text: str, *, spaced: bool = True) -> str:
    """A to_tsquery string of prefix terms, built from word characters only, so nothing
    the agent types can change the query's syntax. With ``spaced`` (the ticket's words, held
    as ``searchable`` writes them) the words are read so too: without accents, and a
    Japanese word as its characters side by side ("破損" is ``破 <-> 損:*``)."""
    terms = []
    for word in _WORD.findall(text.lower())[:MAX_WORDS]:
        parts = searchable(word).split() if spaced else [word]
        terms.append(f"{parts[0]}:*" if len(parts) == 1 else f"({' <-> '.join(parts)}:*)")
    return " & ".join(terms)


def search_q(text: str) -> Q:
    """The tickets matching ``text``. On PostgreSQL the matching ids are read first (a short
    list: rare words have few matches, common ones are cut to their newest), so the
    planner never joins a guess of their number against every ticket."""
    text = text.strip()
    if not text:
        return Q()
    if connection.vendor == "sqlite":
        return Q(pk__in=_sqlite(text))
    if connection.vendor != "postgresql":
        return _portable(text)
    return Q(pk__in=_postgres(text))


def _portable(text: str) -> Q:
    return (
        Q(search_text__icontains=searchable(text))
        | Q(order__order_id__iexact=order_id_of(text) or text) | Q(buyer__name__icontains=text)
    )


# The newest matches a search keeps from each part.
NEWEST = 200  # as filters.SEARCH_LIMIT: what the list keeps
# A GIN index can't stop early: it returns every match at once. For a word in one ticket in
# ten of a million that is 100,000 matches, over 150 ms, where walking the time index newest
# first finds its newest 200 in some 2,000 tickets. For a rare word that walk would read the
# whole table. So the newest PROBE tickets are looked at first: terms found in at least the
# part's ``common_share`` of them are read by walking, any others from the full-text index.
# For the ticket's words 1 %: the walk then reads at most some 20,000 tickets (15 ms), and
# rarer words have about 10,000 matches in a million tickets (10 ms from the index); at 5 %,
# words in 4 % of the newest tickets and 10 % of all took 88 ms. For the buyer's name 5 %:
# its walk looks up each ticket's buyer, and "Jane Doe" (2 % of buyers) took 284 ms walking,
# 20 ms from the index. Its probe looks at fewer tickets: each needs its buyer's name read
# (10-15 ms for 5,000), and 5 % of 1,000 is as clear a sign.
PROBE = 5_000
PROBE_NAMES = 1_000
_NEWEST_FIRST = "ORDER BY t.last_message_at DESC, t.id DESC"
_TICKETS = Ticket._meta.db_table
_BUYERS = Buyer._meta.db_table


@dataclass(frozen=True)
class _Part:
    """Tickets matching the terms by one field: ``probe`` (the newest PROBE tickets), ``walk``
    (newest first, the time index) and ``indexed`` (the full-text index first: the CTE is
    materialised so that the planner can't turn it into a walk)."""

    probe: str
    walk: str
    indexed: str
    common_share: float
    probe_size: int
    spaced: bool  # whether the field is held as ``searchable`` writes it


# search_vector is generated from search_text by the database (inbox migration 0003).
_WORDS = "t.search_vector @@ to_tsquery('simple', %s)"
_NAME = "to_tsvector('simple', b.name) @@ to_tsquery('simple', %s)"
_PARTS = [
    _Part(
        probe=f"SELECT count(*) FROM (SELECT search_vector FROM {_TICKETS} t {_NEWEST_FIRST} "
        f"LIMIT {PROBE}) t WHERE {_WORDS}",
        walk=f"SELECT t.id FROM {_TICKETS} t WHERE {_WORDS} {_NEWEST_FIRST} LIMIT {NEWEST}",
        indexed=f"WITH m AS MATERIALIZED (SELECT t.id, t.last_message_at FROM {_TICKETS} t "
        f"WHERE {_WORDS}) SELECT t.id FROM m t {_NEWEST_FIRST} LIMIT {NEWEST}",
        common_share=0.01,
        probe_size=PROBE,
        spaced=True,
    ),
    _Part(
        probe=f"SELECT count(*) FROM (SELECT buyer_id FROM {_TICKETS} t {_NEWEST_FIRST} "
        f"LIMIT {PROBE_NAMES}) t JOIN {_BUYERS} b ON b.id = t.buyer_id WHERE {_NAME}",
        walk=f"SELECT t.id FROM {_TICKETS} t JOIN {_BUYERS} b ON b.id = t.buyer_id "
        f"WHERE {_NAME} {_NEWEST_FIRST} LIMIT {NEWEST}",
        indexed=f"WITH b AS MATERIALIZED (SELECT b.id FROM {_BUYERS} b WHERE {_NAME}) "
        f"SELECT t.id FROM {_TICKETS} t JOIN b ON b.id = t.buyer_id {_NEWEST_FIRST} "
        f"LIMIT {NEWEST}",
        common_share=0.05,
        probe_size=PROBE_NAMES,
        spaced=False,
    ),
]


# The walk, told to the planner: it guesses the share of tickets matching several words by
# multiplying each word's share (two words in one ticket in ten: 0.04 %, where the probe just
# counted 10 %), and then reads every match from the full-text index or the whole table and
# sorts them (125 ms on a million tickets, against 3 ms for the walk it was asked for). The
# walk's cost, guessed from that, is also high enough for JIT compilation, which took longer
# than the walk itself.
_WALK_ONLY = (
    "SELECT set_config('enable_bitmapscan', 'off', true), set_config('jit', 'off', true), "
    "set_config('enable_seqscan', 'off', true), "
    "set_config('max_parallel_workers_per_gather', '0', true)"
)


def _postgres(text: str) -> list[int]:
    found: set[int] = set()
    if tsquery_of(text):
        with connection.cursor() as cursor:
            for part in _PARTS:
                terms = tsquery_of(text, spaced=part.spaced)
                cursor.execute(part.probe, [terms])
                if cursor.fetchone()[0] >= part.probe_size * part.common_share:
                    with transaction.atomic(savepoint=False):
                        cursor.execute(_WALK_ONLY)
                        cursor.execute(part.walk, [terms])
                        rows = cursor.fetchall()
                else:
                    cursor.execute(part.indexed, [terms])
                    rows = cursor.fetchall()
                found.update(row[0] for row in rows)
    if order_id := order_id_of(text):
        found.update(Ticket.objects.filter(order__order_id=order_id).values_list("pk", flat=True))
    return sorted(found)


def fts_query_of(text: str) -> str:
    """An FTS5 query of prefix terms, every one required, built from word characters only
    (each quoted), so nothing the agent types can change the query's syntax."""
    words = _WORD.findall(text.lower())[:MAX_WORDS]
    # A Japanese word is a phrase of its characters (see ``tsquery_of``): "破 損"*.
    return " ".join(f'"{" ".join(searchable(word).split())}"*' for word in words)


# The newest matches of the ticket's words, from the FTS5 index: every match's id comes from
# the index, and only those tickets are read and sorted.
_SQLITE_WORDS = (
    f"SELECT t.id FROM {FTS_TABLE} f JOIN {_TICKETS} t ON t.id = f.rowid "
    f"WHERE {FTS_TABLE} MATCH %s {_NEWEST_FIRST} LIMIT {NEWEST}"
)


def _sqlite(text: str) -> list[int]:
    """As ``_postgres``: each part's newest matches, joined. The buyer's name is read with
    LIKE from the buyers (a fifth of the tickets' number), every word in it."""
    found: set[int] = set()
    terms = fts_query_of(text)
    if terms:
        with connection.cursor() as cursor:
            cursor.execute(_SQLITE_WORDS, [terms])
            found.update(row[0] for row in cursor.fetchall())
        names = Q()
        for word in _WORD.findall(text)[:MAX_WORDS]:
            names &= Q(name__icontains=word)
        found.update(
            Ticket.objects.filter(buyer__in=Buyer.objects.filter(names).values("pk"))
            .order_by("-last_message_at", "-pk").values_list("pk", flat=True)[:NEWEST]
        )
    if order_id := order_id_of(text):
        found.update(Ticket.objects.filter(order__order_id=order_id).values_list("pk", flat=True))
    return sorted(found)

"""Full-text search over a ticket's subject, the buyer's own words, the order id and the
buyer's name.

On PostgreSQL each part is a query over its own GIN (or unique) index, and the parts are
joined with UNION into one set of ticket ids: an OR across tables would scan every ticket.
Words match as prefixes ("brok" finds "broken"). SQLite (development, tests) falls back to
``icontains``."""

import re

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from helpdesk.marketplaces.models import Buyer, Order
from helpdesk.tickets.models import Message, Ticket

MAX_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)
_ORDER_ID = re.compile(r"^[0-9A-Za-z]{3,}(-[0-9A-Za-z]+)*$")


def tsquery_of(text: str) -> str:
    """A to_tsquery string of prefix terms, built from word characters only, so nothing
    the agent types can change the query's syntax."""
    words = _WORD.findall(text.lower())[:MAX_WORDS]
    return " & ".join(f"{word}:*" for word in words)


def search_q(text: str) -> Q:
    text = text.strip()
    if not text:
        return Q()
    if connection.vendor == "postgresql":
        return _postgres(text)
    return _portable(text)


def _portable(text: str) -> Q:
    by_message = Message.objects.filter(buyer_text__icontains=text).values("ticket_id")
    return (
        Q(subject__icontains=text) | Q(pk__in=by_message)
        | Q(order__order_id__iexact=text) | Q(buyer__name__icontains=text)
    )


def _postgres(text: str) -> Q:
    terms = tsquery_of(text)
    parts, params = [], []
    if terms:
        parts += [
            f"SELECT ticket_id FROM {Message._meta.db_table} "
            "WHERE to_tsvector('simple', buyer_text) @@ to_tsquery('simple', %s)",
            f"SELECT id FROM {Ticket._meta.db_table} "
            "WHERE to_tsvector('simple', subject) @@ to_tsquery('simple', %s)",
            f"SELECT t.id FROM {Ticket._meta.db_table} t JOIN {Buyer._meta.db_table} b "
            "ON b.id = t.buyer_id WHERE to_tsvector('simple', b.name) @@ to_tsquery('simple', %s)",
        ]
        params += [terms, terms, terms]
    if _ORDER_ID.match(text):
        parts.append(
            f"SELECT t.id FROM {Ticket._meta.db_table} t JOIN {Order._meta.db_table} o "
            "ON o.id = t.order_id WHERE o.order_id = %s"
        )
        params.append(text)
    if not parts:
        return Q(pk__in=[])
    return Q(pk__in=RawSQL(" UNION ".join(parts), params))


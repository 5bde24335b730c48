"""Putting tickets in complaint categories: by the keyword rules when messages arrive, and
by an agent's correction, which the rules never overwrite."""

import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from helpdesk.db import row_new, rows_upsert
from helpdesk.tickets.models import Direction, Message, Ticket, TicketKind, TimelineEvent

from .defaults import OTHER
from .matching import KeywordIndex, keywords_find, keywords_index
from .models import ComplaintCategory, ComplaintSource, TicketComplaint

# Marketplace notices and unrecognised mail are not a buyer's complaint.
COMPLAINT_KINDS = [k for k in TicketKind.values if k != TicketKind.OTHER]


# The keywords one text holds: (category id, the keywords found, in order) per category hit;
# a category's hits are the number of its keywords found.
TextHits = tuple[tuple[int, tuple[str, ...]], ...]
# Messages whose hits a matcher remembers (mostly no hits each): a thread's earlier messages
# are counted again with every new one, mostly soon after. A message's words never change;
# its id is remembered only once it is committed (see tickets_categorise).
MEMO_MAX = 20_000


@dataclass(frozen=True)
class Matcher:
    """The active keywords of every category, indexed per language (``matching``)."""

    indexes: dict[str, KeywordIndex]
    position: dict[int, int]  # category id → position
    other_id: int | None
    # (message id, language) → its hits
    memo: dict[tuple[int, str], TextHits] = field(default_factory=dict, compare=False)

    def text_hits(self, language: str, text: str) -> TextHits:
        """The keywords of ``language`` (and of every language) found in ``text``."""
        hits: Counter[int] = Counter()
        found: dict[int, list[str]] = defaultdict(list)
        keywords_find(self.indexes, text, language, hits, found)
        return tuple((category_id, tuple(words)) for category_id, words in found.items())

    def known_hits(self, message_id: int, language: str) -> TextHits | None:
        return self.memo.get((message_id, language))

    def remember(self, hits: dict[tuple[int, str], TextHits]) -> None:
        """Keep the hits of committed messages, by (message id, language)."""
        if len(self.memo) + len(hits) > MEMO_MAX:
            self.memo.clear()
        self.memo.update(hits)

    def categorise(self, texts: list[TextHits]) -> tuple[int | None, str]:
        """(category id, the words found) for the hits of several texts taken together:
        most hits wins, then the lower position; no hit → "other"."""
        hits: Counter[int] = Counter()
        found: dict[int, list[str]] = defaultdict(list)
        for text in texts:
            for category_id, words in text:
                hits[category_id] += len(words)
                found[category_id] += words
        if not hits:
            return self.other_id, ""
        best = min(hits, key=lambda c: (-hits[c], self.position[c]))
        return best, ", ".join(dict.fromkeys(found[best]))[:200]


def complaint_text(subject: str, buyer_text: str) -> str:
    """What the rules read of a message: its subject and the buyer's own words."""
    return f"{subject}\n{buyer_text}"


def matcher_build() -> Matcher:
    """Read the categories with their active rules (one query) and index them."""
    positions, other_id = {}, None
    rows: list[tuple[str, str, int]] = []
    for (
        category_id,
        code,
        position,
        language,
        keywords,
        active,
    ) in ComplaintCategory.objects.values_list(
        "pk", "code", "position", "rules__language", "rules__keywords", "rules__is_active"
    ):
        positions[category_id] = position
        other_id = category_id if code == OTHER else other_id
        if not active:
            continue  # no rule (the LEFT JOIN's empty row) or a switched-off one
        rows += [(language, line, category_id) for line in keywords.splitlines() if line.strip()]
    return Matcher(indexes=keywords_index(rows), position=positions, other_id=other_id)


# Compiled rules, per process: rebuilt after a minute, and at once in the process that edits
# a rule or category (signals in apps.py), like the mail recognisers.
MATCHER_TTL = 60.0
_cached: dict[str, tuple[Matcher, float]] = {}


def matcher_get() -> Matcher:
    found = _cached.get("matcher")
    if found is None or time.monotonic() - found[1] > MATCHER_TTL:
        found = (matcher_build(), time.monotonic())
        _cached["matcher"] = found
    return found[0]


def matcher_forget(**_kwargs) -> None:
    _cached.clear()


def tickets_categorise(*, tickets: Iterable[Ticket], written: Iterable[Message] = ()) -> None:
    """Set the rules' category of every ticket given from its inbound messages. Set-based
    for the batch ingest: two queries whatever the number of tickets (three when the rules
    are read again, or when messages the matcher has not seen are read for their words).
    ``written``: messages the caller has just stored, whose words need not be read back."""
    by_id = {t.pk: t for t in tickets if t.kind in COMPLAINT_KINDS}
    if not by_id:
        return
    matcher = matcher_get()
    messages: dict[int, list[tuple[int, str]]] = defaultdict(list)  # ticket → (message, lang)
    existing: dict[int, tuple[str, int, str]] = {}
    # The messages and the ticket's current category in one read; the words only of the
    # messages the matcher has not counted yet.
    for ticket_id, pk, language, source, category_id, matched in Message.objects.filter(
        ticket_id__in=list(by_id), direction=Direction.IN
    ).values_list(
        "ticket_id", "pk", "language", "ticket__complaint__source",
        "ticket__complaint__category_id", "ticket__complaint__matched",
    ):
        messages[ticket_id].append((pk, language or by_id[ticket_id].language))
        if source:
            existing[ticket_id] = (source, category_id, matched)
    todo = [pk for pk in messages if existing.get(pk, ("",))[0] != ComplaintSource.AGENT]
    if not todo:
        return
    hits: dict[int, TextHits] = {}
    unseen: dict[int, str] = {}
    for ticket_id in todo:
        for pk, language in messages[ticket_id]:
            known = matcher.known_hits(pk, language)
            if known is None:
                unseen[pk] = language
            else:
                hits[pk] = known
    fresh: dict[tuple[int, str], TextHits] = {}
    # The words of the messages just stored as the caller holds them; the rest read.
    words_of = {m.pk: (m.subject, m.buyer_text) for m in written if m.pk in unseen}
    if unread := [pk for pk in unseen if pk not in words_of]:
        words_of |= {pk: (subject, words) for pk, subject, words in Message.objects.filter(
            pk__in=unread).values_list("pk", "subject", "buyer_text")}
    for pk, (subject, words) in words_of.items():
        language = unseen[pk]
        hits[pk] = fresh[(pk, language)] = matcher.text_hits(
            language, complaint_text(subject, words))
    if fresh:
        # Remembered once committed: the ids of a batch rolled back are given again on SQLite
        # (AUTOINCREMENT's counter rolls back with it), to messages with other words.
        transaction.on_commit(partial(matcher.remember, fresh))
    now = timezone.now()
    rows = []
    for ticket_id in todo:
        # The whole thread decides: every inbound message's hits are counted together.
        category_id, matched = matcher.categorise([hits[pk] for pk, _ in messages[ticket_id]])
        if category_id is None:
            continue  # no "other" category installed: leave the ticket uncategorised
        if existing.get(ticket_id, ("",))[1:] == (category_id, matched):
            continue
        rows.append(row_new(
            TicketComplaint, ticket_id=ticket_id, category_id=category_id,
            source=ComplaintSource.RULE, matched=matched, updated_at=now,
        ))
    # New and changed rows in one upsert; agents' rows were left out above.
    rows_upsert(rows, unique=["ticket"], update=["category", "matched", "updated_at"])


@transaction.atomic
def complaint_correct(
    *, ticket: Ticket, category: ComplaintCategory, agent: AbstractBaseUser
) -> TicketComplaint:
    """An agent sets the category; the rules leave it alone from now on."""
    now = timezone.now()
    before = TicketComplaint.objects.filter(ticket=ticket).select_related("category").first()
    row, _ = TicketComplaint.objects.update_or_create(
        ticket=ticket,
        defaults={
            "category": category,
            "source": ComplaintSource.AGENT,
            "matched": "",
            "corrected_by": agent,
            "updated_at": now,
        },
    )
    was = before.category.name if before else "none"
    TimelineEvent.objects.create(
        ticket=ticket,
        at=now,
        actor=agent,
        kind="complaint_category",
        text=f"Complaint category set to {category.name} (was {was})",
        data={"category": category.code},
    )
    return row

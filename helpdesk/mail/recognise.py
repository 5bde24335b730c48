"""Recognise what a parsed mail is: its marketplace, kind, direction, order, product, buyer,
language and the buyer's own words. Every pattern comes from the rule tables (admin)."""

import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings

from helpdesk.letters import digits_dashed
from helpdesk.marketplaces.models import (
    LANGUAGE_CHOICES,
    Buyer,
    Channel,
    Order,
    OrderItem,
    Platform,
    mail_domain_normal,
)
from helpdesk.patterns import (
    ANY_TEXT_PROBLEM,
    Match,
    Pattern,
    PatternTimeout,
    pattern_problem,
    pattern_search,
    pattern_usable,
)
from helpdesk.tickets.models import Direction, MessageKind

from .language import language_written
from .models import (
    RULE_FLAGS,
    BodyMarker,
    ExtractionPattern,
    RecognitionRule,
    SellerPattern,
    kind_pattern_too_broad,
)
from .parse import ParsedMail
from .text import split_quoted

AUTO_KINDS = {MessageKind.AUTO_REPLY}
OUTBOUND_KINDS = {MessageKind.SELLER_REPLY, MessageKind.REPLY_CONFIRMATION}
# What only the marketplace itself sends, from its own addresses (order-update@,
# atoz-guarantee-no-reply@, cb-seller-notification@, donotreply@ …), never through a buyer's
# relay alias. A buyer answering "Re: About your A-to-z claim" or writing "Return request"
# in the subject is still writing a message, whose 24 h clock runs: a subject or body rule
# does not make a relayed mail one of these. Amazon's notification-type header, and a rule
# an admin wrote on the sender's address, still do.
MARKETPLACE_ONLY_KINDS = {
    MessageKind.RETURN_REQUEST, MessageKind.CLAIM, MessageKind.CHARGEBACK,
    MessageKind.FEEDBACK, MessageKind.OPT_OUT, MessageKind.REPLY_CONFIRMATION,
    MessageKind.NOTICE,
}
_WORDED_FIELDS = {"subject", "body", "from_name"}


def relay_mail_passes_over(*, kind: str, field: str) -> bool:
    """Whether a rule of ``kind`` on ``field`` is passed over for mail through a buyer's
    relay alias (``MARKETPLACE_ONLY_KINDS``)."""
    return kind in MARKETPLACE_ONLY_KINDS and field in _WORDED_FIELDS
BODY_SCAN_LIMIT = 20_000
# A text this short (a subject, an address, one line of a body) is searched without the
# time bound by a rule that passed the hostile probes when the rules were compiled: the
# bound costs more than such a search (some 2 µs a call, for some 60 lines a mail), and
# what those probes let through cannot take long on so few characters.
UNBOUNDED_TEXT = 200
RULESET_TTL_S = 60

log = logging.getLogger(__name__)


@dataclass
class Recognised:
    channel: Channel
    kind: str
    direction: str
    is_auto: bool
    order_id: str
    asin: str
    item_title: str
    buyer_alias: str
    buyer_name: str
    language: str
    buyer_text: str
    quoted_text: str


@dataclass(eq=False)
class _Row:
    """A rule row as matched: where it came from, so that a failure can be noted on it."""

    model: type[SellerPattern]
    pk: int | None

    def label(self) -> str:
        return f"{self.model._meta.verbose_name} #{self.pk}"


@dataclass(eq=False)
class _Rule(_Row):
    platform: str = ""
    language: str = ""
    field: str = ""
    regex: Pattern | None = None
    kind: str = ""


@dataclass(eq=False)
class _Marker(_Row):
    platform: str = ""
    language: str = ""
    begin: Pattern | None = None
    end: Pattern | None = None


@dataclass(eq=False)
class _Extraction(_Row):
    platform: str = ""
    field: str = ""
    regex: Pattern | None = None


def _compiled(row: SellerPattern, *sources: str, note: bool) -> list[Pattern | None] | None:
    """The row's patterns compiled, or None (logged, noted on the row) when one cannot be:
    a row saved around the admin's validation is skipped, never allowed to stop intake."""
    what = f"{row._meta.verbose_name} #{row.pk}"
    if problem := row.choice_problem():
        log.error("Skipping %s: %s", what, problem)
        if note and row.pk is not None:
            row.problem_note(pk=row.pk, reason=f"{problem} Skipped.")
        return None
    compiled = [pattern_usable(s, RULE_FLAGS, what=what) if s else None for s in sources]
    if any(c is None for c, s in zip(compiled, sources, strict=True) if s):
        if note and row.pk is not None:
            row.problem_note(pk=row.pk, reason="Not a valid regular expression: skipped.")
        return None
    # Saved around the admin's checks (a queryset update, a fixture): tried on the same
    # hostile texts now, and skipped if it would take exponential time.
    problem = next((p for s in sources if s and (p := pattern_problem(s, RULE_FLAGS))), None)
    if problem is None and isinstance(row, RecognitionRule) and kind_pattern_too_broad(
            row.pattern):
        problem = ANY_TEXT_PROBLEM
    if problem:
        log.error("Skipping %s: %s", what, problem)
        if note and row.pk is not None:
            row.problem_note(pk=row.pk, reason=f"{problem} Skipped.")
        return None
    return compiled


@dataclass
class _Skipped:
    """The rows that ran out of time on the mail being read: each is tried once per mail."""

    rows: set[int] = field(default_factory=set)


class Ruleset:
    """The rule tables compiled once; rebuilt when an admin edits them (and every minute).

    ``also`` adds one row (saved or not, active or not) to the tables, for the admin's dry
    run of a rule; ``note_problems`` False leaves the rows untouched (a dry run)."""

    def __init__(
        self, *, also: SellerPattern | None = None, note_problems: bool = True
    ) -> None:
        self.note_problems = note_problems
        self.rules: list[_Rule] = []
        for r in self._rows(RecognitionRule, also, ("priority", "pk")):
            if (c := _compiled(r, r.pattern, note=note_problems)) is not None:
                self.rules.append(_Rule(RecognitionRule, r.pk, r.platform, r.language, r.field,
                                        c[0], r.message_kind))
        self.markers: list[_Marker] = []
        for m in self._rows(BodyMarker, also, ("platform", "language", "pk")):
            if (c := _compiled(m, m.begin, m.end, note=note_problems)) is not None:
                self.markers.append(_Marker(BodyMarker, m.pk, m.platform, m.language, *c))
        self.patterns: dict[str, list[_Extraction]] = {}
        for p in self._rows(ExtractionPattern, also, ("priority", "pk")):
            if (c := _compiled(p, p.pattern, note=note_problems)) is None:
                continue
            if "value" not in c[0].groupindex:
                log.error("Skipping extraction pattern #%s: it has no group named value", p.pk)
                if note_problems and p.pk is not None:
                    p.problem_note(pk=p.pk, reason="No group named (?P<value>…): skipped.")
                continue
            self.patterns.setdefault(p.what, []).append(
                _Extraction(ExtractionPattern, p.pk, p.platform, p.field, c[0])
            )
        channels = list(Channel.objects.all())
        self.default_channel = next((c for c in channels if c.is_default), None)
        if self.default_channel is None and channels:
            # None ticked (saved around the admin's form, or the default deleted): mail that
            # names no known marketplace still becomes a ticket, on a channel for other mail.
            self.default_channel = next(
                (c for c in channels if c.platform == Platform.OTHER), channels[0])
            log.error("No default channel: mail of no known marketplace goes to %s",
                      self.default_channel.code)
        # Longest domain first so amazon.co.uk wins over a hypothetical co.uk; compared as
        # the form stores them, so a row saved around it ("Kaufland.DE") still takes its mail.
        self.channel_domains = sorted(
            ((c, mail_domain_normal(c.domain), mail_domain_normal(c.relay_domain))
             for c in channels if c.domain or c.relay_domain),
            key=lambda row: len(row[1]),
            reverse=True,
        )
        self.seller_addresses = set(settings.SELLER_ADDRESSES)
        # The markers whose begin line a short line is (see _begins): template lines repeat
        # from mail to mail, and trying every marker on every line was a fifth of reading.
        self.begins_memo: dict[str, tuple[int, ...]] = {}
        self.loaded_at = time.monotonic()

    @staticmethod
    def _rows(model: type[SellerPattern], also: SellerPattern | None,
              order: tuple[str, ...]) -> list:
        rows = list(model.objects.filter(active=True).order_by(*order))
        if isinstance(also, model):
            rows = [r for r in rows if r.pk != also.pk or also.pk is None] + [also]
            rows.sort(key=lambda r: tuple(
                (r.pk is None, r.pk or 0) if key == "pk" else getattr(r, key) for key in order
            ))
        return rows

    def search(self, row: _Row, regex: Pattern, text: str, skipped: _Skipped, *,
               at_start: bool = False) -> Match | None:
        """``regex.search(text)`` (``match`` with ``at_start``) under the time bound; a row
        that runs out of time is skipped for the rest of this mail, logged, and noted for
        the admin."""
        if id(row) in skipped.rows:
            return None
        if len(text) <= UNBOUNDED_TEXT:
            return regex.match(text) if at_start else regex.search(text)
        try:
            return pattern_search(regex, text, at_start=at_start)
        except PatternTimeout as exc:
            skipped.rows.add(id(row))
            log.error("Skipping %s on this mail: %s", row.label(), exc)
            if self.note_problems and row.pk is not None:
                row.model.problem_note(pk=row.pk, reason=f"Skipped on a mail: {exc}")
            return None

    def channel_for(self, *addresses: str) -> Channel | None:
        for address in addresses:
            domain = address.rpartition("@")[2].lower()
            for channel, own, relay in self.channel_domains:
                if (relay and domain == relay) or (
                    own and (domain == own or domain.endswith("." + own))
                ):
                    return channel
        return None


_cache: dict[str, Ruleset] = {}
_lock = threading.Lock()


def ruleset_get() -> Ruleset:
    with _lock:
        cached = _cache.get("rules")
        if cached is None or time.monotonic() - cached.loaded_at > RULESET_TTL_S:
            cached = _cache["rules"] = Ruleset()
        return cached


def ruleset_forget(**_: object) -> None:
    with _lock:
        _cache.clear()


def _is_auto(mail: ParsedMail) -> bool:
    h = mail.headers
    auto_submitted = h.get("auto-submitted", "").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if h.get("x-autoreply") or h.get("x-autorespond"):
        return True
    return h.get("precedence", "").lower() in {"auto_reply", "auto-reply"}


# An order ID or ASIN longer than its column is none (a seller's pattern that took a whole
# line): cut, it would name another order; kept, PostgreSQL refused the mail, which was then
# quarantined. The next pattern is tried, as if this one had not matched.
_VALUE_MAX = {
    "order_id": Order._meta.get_field("order_id").max_length,
    "asin": OrderItem._meta.get_field("asin").max_length,
}
_ALIAS_MAX = Buyer._meta.get_field("alias").max_length


def _first(ruleset: Ruleset, what: str, platform: str, fields: dict[str, str],
           skipped: _Skipped) -> str:
    for pattern in ruleset.patterns.get(what, []):
        if pattern.platform and pattern.platform != platform:
            continue
        match = ruleset.search(pattern, pattern.regex, fields.get(pattern.field, ""), skipped)
        if match:
            value = " ".join(match.group("value").split())
            if len(value) <= _VALUE_MAX.get(what, len(value)):
                return value
    return ""


def _line_match(ruleset: Ruleset, marker: _Marker, regex: Pattern | None, line: str,
                skipped: _Skipped) -> bool:
    """Whether ``regex`` matches at the start of ``line`` (``re.match``), under the bound."""
    if regex is None:
        return False
    return ruleset.search(marker, regex, line, skipped, at_start=True) is not None


# Lines remembered per ruleset, each with the markers it begins: some 10 MiB at most.
BEGINS_MEMO_MAX = 50_000


def _begins(ruleset: Ruleset, line: str, skipped: _Skipped) -> tuple[int, ...]:
    """The positions in ``ruleset.markers`` of the markers whose begin line ``line`` is.
    A short line's answer is remembered: it is searched without a time bound, so it does
    not depend on the mail."""
    if len(line) > UNBOUNDED_TEXT:
        return tuple(n for n, m in enumerate(ruleset.markers)
                     if _line_match(ruleset, m, m.begin, line, skipped))
    known = ruleset.begins_memo.get(line)
    if known is None:
        known = tuple(n for n, m in enumerate(ruleset.markers)
                      if m.begin is not None and m.begin.match(line))
        if len(ruleset.begins_memo) >= BEGINS_MEMO_MAX:
            ruleset.begins_memo.clear()
        ruleset.begins_memo[line] = known
    if skipped.rows:  # a marker that ran out of time on this mail is not tried again on it
        return tuple(n for n in known if id(ruleset.markers[n]) not in skipped.rows)
    return known


def _buyer_words(ruleset: Ruleset, platform: str, text: str,
                 skipped: _Skipped) -> tuple[str, str, str]:
    """(buyer's words, the rest, language of the markers found) of a body."""
    lines = text.splitlines()
    begins = [_begins(ruleset, line.strip(), skipped) for line in lines]
    for n, marker in enumerate(ruleset.markers):
        if marker.platform and marker.platform != platform:
            continue
        start = next((index for index, found in enumerate(begins) if n in found), None)
        if start is None:
            continue
        # The words run to the next marker line of any kind: a buyer writing from
        # Outlook nests the earlier message's markers inside their own.
        end = len(lines)
        for index in range(start + 1, len(lines)):
            candidate = lines[index].strip()
            if candidate.startswith("---") and (
                begins[index] or _line_match(ruleset, marker, marker.end, candidate, skipped)
            ):
                end = index
                break
        own, quoted = split_quoted("\n".join(lines[start + 1 : end]))
        rest = "\n".join(lines[:start] + ([quoted] if quoted else []) + lines[end:])
        return own, rest.strip(), marker.language
    own, quoted = split_quoted(text)
    return own, quoted, ""


def _subject_language(ruleset: Ruleset, platform: str, subject: str,
                      skipped: _Skipped) -> str:
    for rule in ruleset.rules:
        if (
            rule.language
            and rule.field == "subject"
            and (not rule.platform or rule.platform == platform)
            and ruleset.search(rule, rule.regex, subject, skipped)
        ):
            return rule.language
    return ""


# Typographic apostrophes, which NFKC keeps: Amazon's French and Italian templates and the
# buyers' phones write "Demande d’annulation", "Messaggio dall’acquirente", where the rules
# (and a seller typing one) write the ASCII "'".
_APOSTROPHES = dict.fromkeys(map(ord, "\u2019\u2018\u02bc\u2032"), "'")


def _nfkc(text: str) -> str:
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text if text.isascii() else digits_dashed(text).translate(_APOSTROPHES)


def mail_fields(mail: ParsedMail) -> dict[str, str]:
    """The texts a rule's ``field`` names, as the rules see them: NFKC-folded, because a
    Japanese buyer (and Amazon.co.jp's own mail) writes an order ID in full-width digits and
    dashes (１１４－１２３４５６７－…) and a name with a full-width space, which the
    patterns, written in ASCII, would not find."""
    return {
        "from": mail.from_address,
        "from_name": _nfkc(mail.from_name),
        "subject": _nfkc(mail.subject),
        "body": _nfkc(mail.text[:BODY_SCAN_LIMIT]),
        "notification_type": mail.headers.get("x-space-notification-type", ""),
    }


_LANGUAGE_CODES = frozenset(code for code, _ in LANGUAGE_CHOICES)


def _header_language(value: str) -> str:
    """The language a Content-Language header names first, as the code the product compares
    (``de`` for ``de-AT``, ``de_DE`` or ``DE``); "" for what names none ("Deutsch", a
    private ``x-…`` tag): replies and complaint keywords know only real codes."""
    first = re.split(r"[-_]", value.split(",")[0].strip().lower(), maxsplit=1)[0]
    return first if first in _LANGUAGE_CODES else ""


def recognise(mail: ParsedMail, ruleset: Ruleset | None = None) -> Recognised:
    ruleset = ruleset or ruleset_get()
    from_seller = mail.from_address in ruleset.seller_addresses
    counterpart = mail.to_addresses if from_seller else [mail.from_address, mail.reply_to]
    channel = ruleset.channel_for(*counterpart) or ruleset.channel_for(
        mail.from_address, *mail.to_addresses
    ) or ruleset.default_channel
    if channel is None:
        raise LookupError("no channel configured: add one in admin (or run migrations)")
    platform = channel.platform
    fields = mail_fields(mail)

    skipped = _Skipped()
    is_auto = _is_auto(mail)
    kind = MessageKind.OTHER
    if from_seller:
        kind = MessageKind.SELLER_REPLY
    else:
        from_buyer = channel.is_relay_alias(mail.from_address)
        for rule in ruleset.rules:
            if rule.platform and rule.platform != platform:
                continue
            if from_buyer and relay_mail_passes_over(kind=rule.kind, field=rule.field):
                continue
            if fields[rule.field] and ruleset.search(rule, rule.regex, fields[rule.field],
                                                     skipped):
                kind = rule.kind
                break
    if kind == MessageKind.AUTO_REPLY:
        is_auto = True
    elif is_auto:
        kind = MessageKind.AUTO_REPLY
    direction = Direction.OUT if from_seller or kind in OUTBOUND_KINDS else Direction.IN

    buyer_text, quoted_text, marker_language = _buyer_words(ruleset, platform, mail.text,
                                                                 skipped)
    relay = mail.to_addresses[0] if from_seller and mail.to_addresses else mail.from_address
    # Longer than a buyer row holds (254: RFC 5321's limit) is no address a reply can reach:
    # on PostgreSQL the mail was quarantined for it.
    buyer_alias = relay if channel.is_relay_alias(relay) and len(relay) <= _ALIAS_MAX else ""
    buyer_name = _first(ruleset, "buyer_name", platform, fields, skipped) if not from_seller else ""
    if not buyer_name and (kind == MessageKind.REPLY_CONFIRMATION or from_seller):
        buyer_name = _first(ruleset, "buyer_name", platform, {"subject": mail.subject},
                            skipped)
    language = (
        # The buyer's own words first: the markers are in the marketplace template's language
        # (an English-speaking buyer on amazon.de writes between German markers).
        language_written(buyer_text[:BODY_SCAN_LIMIT])
        or marker_language
        or _subject_language(ruleset, platform, mail.subject, skipped)
        or _header_language(mail.headers.get("content-language", ""))
        or channel.language
    )
    return Recognised(
        channel=channel,
        kind=kind,
        direction=direction,
        is_auto=is_auto,
        order_id=_first(ruleset, "order_id", platform, fields, skipped),
        asin=_first(ruleset, "asin", platform, fields, skipped),
        item_title=_first(ruleset, "item_title", platform, fields, skipped)[:500],
        buyer_alias=buyer_alias,
        buyer_name=buyer_name[:200],
        language=language[:10],
        buyer_text=buyer_text,
        quoted_text=quoted_text,
    )

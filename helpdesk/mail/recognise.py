"""Recognise what a parsed mail is: its marketplace, kind, direction, order, product, buyer,
language and the buyer's own words. Every pattern comes from the rule tables (admin)."""

import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from helpdesk.marketplaces.models import Channel
from helpdesk.tickets.models import Direction, MessageKind

from .models import BodyMarker, ExtractionPattern, RecognitionRule
from .parse import ParsedMail
from .text import split_quoted

AUTO_KINDS = {MessageKind.AUTO_REPLY}
OUTBOUND_KINDS = {MessageKind.SELLER_REPLY, MessageKind.REPLY_CONFIRMATION}
BODY_SCAN_LIMIT = 20_000
RULESET_TTL_S = 60


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


@dataclass
class _Rule:
    platform: str
    language: str
    field: str
    regex: re.Pattern
    kind: str


@dataclass
class _Marker:
    platform: str
    language: str
    begin: re.Pattern
    end: re.Pattern | None


class Ruleset:
    """The rule tables compiled once; rebuilt when an admin edits them (and every minute)."""

    def __init__(self) -> None:
        flags = re.IGNORECASE | re.MULTILINE
        self.rules = [
            _Rule(r.platform, r.language, r.field, re.compile(r.pattern, flags), r.message_kind)
            for r in RecognitionRule.objects.filter(active=True).order_by("priority", "pk")
        ]
        self.markers = [
            _Marker(m.platform, m.language, re.compile(m.begin, flags),
                    re.compile(m.end, flags) if m.end else None)
            for m in BodyMarker.objects.filter(active=True)
        ]
        self.patterns: dict[str, list[tuple[str, str, re.Pattern]]] = {}
        for p in ExtractionPattern.objects.filter(active=True).order_by("priority", "pk"):
            self.patterns.setdefault(p.what, []).append(
                (p.platform, p.field, re.compile(p.pattern, flags))
            )
        channels = list(Channel.objects.all())
        self.default_channel = next((c for c in channels if c.is_default), None)
        # Longest domain first so amazon.co.uk wins over a hypothetical co.uk.
        self.channels = sorted(
            (c for c in channels if c.domain or c.relay_domain),
            key=lambda c: len(c.domain),
            reverse=True,
        )
        self.seller_addresses = set(settings.SELLER_ADDRESSES)
        self.loaded_at = time.monotonic()

    def channel_for(self, *addresses: str) -> Channel | None:
        for address in addresses:
            domain = address.rpartition("@")[2]
            for channel in self.channels:
                if domain == channel.relay_domain or domain == channel.domain or domain.endswith(
                    "." + channel.domain
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


def _first(ruleset: Ruleset, what: str, platform: str, fields: dict[str, str]) -> str:
    for rule_platform, field, regex in ruleset.patterns.get(what, []):
        if rule_platform and rule_platform != platform:
            continue
        match = regex.search(fields.get(field, ""))
        if match:
            return " ".join(match.group("value").split())
    return ""


def _buyer_words(ruleset: Ruleset, platform: str, text: str) -> tuple[str, str, str]:
    """(buyer's words, the rest, language of the markers found) of a body."""
    lines = text.splitlines()
    for marker in ruleset.markers:
        if marker.platform and marker.platform != platform:
            continue
        for start, line in enumerate(lines):
            if not marker.begin.match(line.strip()):
                continue
            # The words run to the next marker line of any kind: a buyer writing from
            # Outlook nests the earlier message's markers inside their own.
            end = len(lines)
            for index in range(start + 1, len(lines)):
                candidate = lines[index].strip()
                if candidate.startswith("---") and (
                    (marker.end and marker.end.match(candidate))
                    or any(m.begin.match(candidate) for m in ruleset.markers)
                ):
                    end = index
                    break
            own, quoted = split_quoted("\n".join(lines[start + 1 : end]))
            rest = "\n".join(lines[:start] + ([quoted] if quoted else []) + lines[end:])
            return own, rest.strip(), marker.language
    own, quoted = split_quoted(text)
    return own, quoted, ""


def _subject_language(ruleset: Ruleset, platform: str, subject: str) -> str:
    for rule in ruleset.rules:
        if (
            rule.language
            and rule.field == "subject"
            and (not rule.platform or rule.platform == platform)
            and rule.regex.search(subject)
        ):
            return rule.language
    return ""


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
    body = mail.text[:BODY_SCAN_LIMIT]
    fields = {
        "from": mail.from_address,
        "from_name": mail.from_name,
        "subject": mail.subject,
        "body": body,
        "notification_type": mail.headers.get("x-space-notification-type", ""),
    }

    is_auto = _is_auto(mail)
    kind = MessageKind.OTHER
    if from_seller:
        kind = MessageKind.SELLER_REPLY
    else:
        for rule in ruleset.rules:
            if rule.platform and rule.platform != platform:
                continue
            if fields[rule.field] and rule.regex.search(fields[rule.field]):
                kind = rule.kind
                break
    if kind == MessageKind.AUTO_REPLY:
        is_auto = True
    elif is_auto:
        kind = MessageKind.AUTO_REPLY
    direction = Direction.OUT if from_seller or kind in OUTBOUND_KINDS else Direction.IN

    buyer_text, quoted_text, marker_language = _buyer_words(ruleset, platform, mail.text)
    relay = mail.to_addresses[0] if from_seller and mail.to_addresses else mail.from_address
    buyer_alias = relay if channel.is_relay_alias(relay) else ""
    buyer_name = _first(ruleset, "buyer_name", platform, fields) if not from_seller else ""
    if not buyer_name and (kind == MessageKind.REPLY_CONFIRMATION or from_seller):
        buyer_name = _first(ruleset, "buyer_name", platform, {"subject": mail.subject})
    language = (
        marker_language
        or _subject_language(ruleset, platform, mail.subject)
        or mail.headers.get("content-language", "").split(",")[0].split("-")[0].strip().lower()
        or channel.language
    )
    return Recognised(
        channel=channel,
        kind=kind,
        direction=direction,
        is_auto=is_auto,
        order_id=_first(ruleset, "order_id", platform, fields),
        asin=_first(ruleset, "asin", platform, fields),
        item_title=_first(ruleset, "item_title", platform, fields)[:500],
        buyer_alias=buyer_alias,
        buyer_name=buyer_name[:200],
        language=language[:10],
        buyer_text=buyer_text,
        quoted_text=quoted_text,
    )

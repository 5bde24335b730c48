"""The compliance check every reply passes before it is sent.

Rules are rows (``ComplianceRule``): a check kind, its parameters, a severity and a message.
The kinds are the small registry of functions below; each gets the reply's facts and the
row's parameters and returns the evidence it found (empty: the rule is quiet): stretches of
the folded text (``normalise.py``), quoted from the agent's own words, or sentences about the
thread. A rule reads the replies of its language (or every reply, without one); every match
runs under the time budget of ``helpdesk/patterns.py``.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from urllib.parse import urlsplit

import regex
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.db.models import Q
from django.utils import timezone

from helpdesk.marketplaces.models import Channel, Order
from helpdesk.patterns import (
    IGNORECASE,
    PatternError,
    pattern_compile,
    pattern_finditer,
    pattern_matches_any_text,
    pattern_nests_repeats,
    pattern_problem,
    pattern_search,
)
from helpdesk.tickets.models import Direction, MessageKind, Ticket

from .models import CheckKind, ComplianceRule, Outbox, OutboxState, Severity
from .normalise import Traced, languages_in, normalised, pattern_fold

log = logging.getLogger(__name__)

# Kinds of inbound mail a buyer starts; a reply on a ticket without one is seller-initiated.
BUYER_STARTED = [MessageKind.BUYER_MESSAGE, MessageKind.RETURN_REQUEST, MessageKind.CANCELLATION]
# Longer than any reply a template makes (20,000 characters) with room for the agent's edits;
# a longer text is not checked at all (every face of the check refuses it the same way).
CHECK_MAX_CHARS = 32_000
TOO_LONG = ("The reply is too long to check: {length:,} characters, at most {limit:,}. "
            "Shorten it.")
NOT_APPLIED = ("The rule “{rule}” could not be applied to this reply ({reason}), so the reply "
               "was not checked against it; an admin should correct the rule.")


@dataclass(frozen=True)
class AttachmentFacts:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ReplyFacts:
    """What the checks look at: the text, and the few facts of the thread they need."""

    subject: str
    body: str
    now: datetime
    proactive: bool = False
    order_id: str = ""
    completed_at: datetime | None = None
    seller_messages: int = 0  # in the thread already, sent or on their way
    attachments: tuple[AttachmentFacts, ...] = ()
    language: str = ""  # the language the reply is meant to be in (its variant, the ticket's)

    @property
    def text(self) -> str:
        return f"{self.subject}\n{self.body}"

    @cached_property
    def folded(self) -> Traced:
        """The text as the rules read it (normalise.py), traced back to the original."""
        return normalised(self.text)

    @cached_property
    def languages(self) -> frozenset[str]:
        """The reply's language and any other the text is written in: an English sentence
        in a reply on a German ticket is read by the English rules too."""
        declared = {self.language.lower().split("-")[0]} if self.language else set()
        return frozenset(declared | languages_in(self.folded.text))


# A span of the folded text (quoted from the original), or a sentence about the thread.
Evidence = tuple[int, int] | str


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    evidence: str = ""
    rule_id: int | None = field(default=None, compare=False)
    language: str = ""
    quotes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {**asdict(self), "quotes": list(self.quotes)}


Check = Callable[[ReplyFacts, dict], list[Evidence]]
CHECKS: dict[str, Check] = {}
# Parameters each kind needs, with their type, for the admin's validation.
PARAMS: dict[str, dict[str, type]] = {}
# Parameters that hold patterns (validated and folded like the text).
PATTERN_PARAMS = {CheckKind.PATTERN: "patterns", CheckKind.IMPORTANT_TAG: "reasons"}


def check(kind: str, **params: type) -> Callable[[Check], Check]:
    def register(func: Check) -> Check:
        CHECKS[kind] = func
        PARAMS[kind] = params
        return func

    return register


def _compiled(source: str) -> regex.Pattern:
    return pattern_compile(pattern_fold(source), IGNORECASE)


def _spans(pattern: regex.Pattern, text: str) -> list[Evidence]:
    return [m.span() for m in pattern_finditer(pattern, text) if m.end() > m.start()]


@check(CheckKind.PATTERN, patterns=list)
def _patterns(facts: ReplyFacts, params: dict) -> list[Evidence]:
    found: list[Evidence] = []
    for source in params["patterns"]:
        found += _spans(_compiled(source), facts.folded.text)
    return found


# Built-in finders, written so that every match is tried from few places and cannot backtrack
# far (possessive runs, a lookbehind that admits one start per run): linear in the text.
# ASCII only (the folded text has no accents left): Japanese written straight after an
# address or a link ("info@shop.jpまで") is not part of it.
EMAIL = regex.compile(r"(?<![a-z0-9._%+-])[a-z0-9._%+-]++@[a-z0-9-]++(?:\.[a-z0-9-]++)++")
URL = regex.compile(r"(?:(?<![a-z0-9])https?://|(?<![a-z0-9.-])www\.)[a-z0-9\-._~:/?#@!$&*+,;=%]++")
TLDS = (r"com|net|org|info|shop|store|online|site|eu|io|biz|de|at|ch|co\.uk|uk|fr|it|es|nl|pl|"
        r"be|ca|jp|co\.jp|us")
# ASCII neighbours only: Japanese writes a name straight after a word (詳しくはmugshop.jpへ).
BARE_DOMAIN = regex.compile(
    rf"(?<![a-z0-9_@./-])(?:[a-z0-9-]++\.)+(?:{TLDS})(?![a-z0-9_@-])", regex.IGNORECASE,
)


def _domain_allowed(host: str, allowed: list[str]) -> bool:
    host = host.lower().rstrip(".")
    # As typed ("DHL.de", "dhl.de."), compared as the host is.
    domains = (d.strip().lower().rstrip(".") for d in allowed)
    return any(host == d or host.endswith("." + d) for d in domains)


def _overlaps(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


@check(CheckKind.EXTERNAL_LINK, allowed_domains=list)
def _links(facts: ReplyFacts, params: dict) -> list[Evidence]:
    text = facts.folded.text
    addresses = [m.span() for m in pattern_finditer(EMAIL, text)]  # the e-mail rule's business
    found: list[Evidence] = []
    urls = []
    for m in pattern_finditer(URL, text):
        url = m.group(0).rstrip(".,;:!?")
        span = (m.start(), m.start() + len(url))
        urls.append(span)
        host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
        if not _overlaps(span, addresses) and not _domain_allowed(
                host, params["allowed_domains"]):
            found.append(span)
    for m in pattern_finditer(BARE_DOMAIN, text):
        if _overlaps(m.span(), urls + addresses):
            continue
        if not _domain_allowed(m.group(0), params["allowed_domains"]):
            found.append(m.span())
    return found


@check(CheckKind.EMAIL_ADDRESS, allowed_domains=list)
def _emails(facts: ReplyFacts, params: dict) -> list[Evidence]:
    return [m.span() for m in pattern_finditer(EMAIL, facts.folded.text)
            if not _domain_allowed(m.group(0).rpartition("@")[2], params["allowed_domains"])]


# At most 15 digits with their separators: each start is tried over a bounded stretch.
# ASCII neighbours only: Japanese writes a number straight after a word (お電話は03-…).
PHONE = regex.compile(r"(?<![a-z0-9_+-])(?:\+|\(\+?)?\d[\d ()/.\-]{5,30}\d(?![a-z0-9_-])")
ORDER_ID_SHAPE = regex.compile(r"^\d{3}-\d{7}-\d{7}$")
ORDER_ID_ANYWHERE = regex.compile(r"(?<!\d)\d{3}-\d{7}-\d{7}(?!\d)")
DATE_SHAPE = regex.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
US_PHONE = regex.compile(r"^\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}$")
# In the folded text (no accents): the words that make a number a phone number, every language.
PHONE_WORDS = regex.compile(
    r"\b(?:phone|call|tel|telephone|mobile|cell|hotline|whatsapp|sms|text us|"
    r"telefon\w*|anruf\w*|rufen|handy|mobil\w*|"
    r"appel\w*|appelez|portable|joindre|"
    r"telefono|chiam\w*|cellulare|"
    r"llam\w*|movil|celular)\b|電話|携帯|ダイヤル"
)
TRACKING_WORDS = regex.compile(
    r"\b(?:tracking|parcel|shipment|sendung\w*|paket\w*|tracking-?nummer|colis|suivi|"
    r"spedizione|pacco|tracciamento|envio|seguimiento|paquete)\b|追跡|伝票|お問い合わせ番号"
)
SEPARATOR = regex.compile(r"[ ()/.-]")


@check(CheckKind.PHONE_NUMBER, min_digits=int, max_digits=int)
def _phones(facts: ReplyFacts, params: dict) -> list[Evidence]:
    text = facts.folded.text
    found: list[Evidence] = []
    for m in pattern_finditer(PHONE, text):
        candidate = m.group(0).strip()
        digits = sum(c.isdigit() for c in candidate)
        if not params["min_digits"] <= digits <= params["max_digits"]:
            continue  # postcodes, quantities; tracking numbers are longer
        if ORDER_ID_SHAPE.match(candidate) or DATE_SHAPE.match(candidate):
            continue
        before = text[max(0, m.start() - 40):m.start()]
        if TRACKING_WORDS.search(before) and not PHONE_WORDS.search(before):
            continue
        shaped = candidate.startswith("+") or bool(US_PHONE.match(candidate)) or (
            candidate.startswith(("0", "(")) and bool(SEPARATOR.search(candidate))
        )
        if shaped or PHONE_WORDS.search(before):
            found.append(m.span())
    return found


@check(CheckKind.ORDER_ID_MISSING)
def _order_id(facts: ReplyFacts, params: dict) -> list[Evidence]:
    if not facts.proactive:
        return []
    text = facts.folded.text
    if facts.order_id:
        if facts.order_id.lower() in text:
            return []
        return [f"order ID {facts.order_id} not in the message"]
    if pattern_search(ORDER_ID_ANYWHERE, text):
        return []  # the order is not known here (a file checked alone): any full order ID
    return ["no order ID in the message"]


@check(CheckKind.PROACTIVE_WINDOW, days=int)
def _window(facts: ReplyFacts, params: dict) -> list[Evidence]:
    if not facts.proactive or facts.completed_at is None:
        return []
    age = facts.now - facts.completed_at
    if age <= timedelta(days=params["days"]):
        return []
    return [f"the order was completed {age.days} days ago"]


# Pictographs, flags and keycaps; not ©, ® and ™, which Unicode counts among them.
EMOJI = regex.compile(r"(?:[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]"
                      r"(?<![©®™]))++")
# A link is looked at up to 300 characters from its start: linear on "www.www.www…".
GIF_LINK = regex.compile(r"(?:(?<![a-z0-9])https?://|(?<![a-z0-9.-])www\.)\S{0,300}?"
                         r"(?:\.gif\b|giphy\.com|tenor\.com)|(?<![\w-])[\w-]++\.gif\b")


@check(CheckKind.EMOJI_OR_GIF)
def _emoji_or_gif(facts: ReplyFacts, params: dict) -> list[Evidence]:
    if not facts.proactive:
        return []
    found: list[Evidence] = [m.group(0) for m in pattern_finditer(EMOJI, facts.text)]
    found += _spans(GIF_LINK, facts.folded.text)
    found += [a.filename for a in facts.attachments
              if a.content_type.lower().startswith("image/gif")
              or a.filename.lower().endswith(".gif")]
    return found


IMPORTANT = regex.compile(r"\[\s*(?:important|wichtig|importante|重要)\s*\]")


@check(CheckKind.IMPORTANT_TAG, reasons=list)
def _important(facts: ReplyFacts, params: dict) -> list[Evidence]:
    subject = normalised(facts.subject)
    tag = pattern_search(IMPORTANT, subject.text)
    if tag is None:
        return []
    body = facts.folded.text
    if any(pattern_search(_compiled(source), body) for source in params["reasons"]):
        return []
    return [subject.quote(*tag.span())]


@check(CheckKind.ATTACHMENT_SIZE, max_bytes=int)
def _attachment_size(facts: ReplyFacts, params: dict) -> list[Evidence]:
    return [f"{a.filename} ({a.size / 1024 / 1024:.1f} MB)"
            for a in facts.attachments if a.size > params["max_bytes"]]


@check(CheckKind.ATTACHMENT_TYPE, allowed_types=list, allowed_extensions=list)
def _attachment_type(facts: ReplyFacts, params: dict) -> list[Evidence]:
    # Both the declared type and the file name's ending must be allowed ("x.pdf.exe"),
    # compared as typed in any case: "Application/PDF" or ".PDF" blocked every PDF.
    types = {t.strip().lower() for t in params["allowed_types"]}
    endings = tuple(e.strip().lower() for e in params["allowed_extensions"])
    return [
        f"{a.filename} ({a.content_type})" for a in facts.attachments
        if a.content_type.lower().split(";")[0].strip() not in types
        or not a.filename.strip().lower().endswith(endings)
    ]


@check(CheckKind.THREAD_LIMIT, max_seller_messages=int)
def _thread_limit(facts: ReplyFacts, params: dict) -> list[Evidence]:
    total = facts.seller_messages + 1
    if total <= params["max_seller_messages"]:
        return []
    return [f"this would be seller message {total} in the thread "
            f"(limit {params['max_seller_messages']})"]


NESTED_REPEAT = ("The pattern {pattern} repeats a group that itself repeats (such as "
                 "(\\w+\\s?)+): on some replies that takes exponential time. Repeat only the "
                 "inner part, or bound the outer repeat (at most {{0,10}}).")


@lru_cache(maxsize=4096)
def _pattern_problem(source: str) -> str | None:
    # Cached: the check asks again for every rule on every reply (a row may have been saved
    # around the admin's validation), and a pattern's problems do not change.
    if problem := pattern_problem(pattern_fold(source), IGNORECASE):
        return f"Pattern {source}: {problem}"
    if pattern_nests_repeats(source):
        return NESTED_REPEAT.format(pattern=source)
    if pattern_matches_any_text(_compiled(source)):
        # "." would block every reply (or, as an [Important] reason, excuse every one).
        return f"Pattern {source}: it matches any text, so the rule would hold for every reply."
    return None


def pattern_problems(sources: object) -> list[str]:
    """Why these patterns cannot be a compliance rule's: each compiled as it will run."""
    if not isinstance(sources, list):
        return []
    problems = []
    for source in sources:
        if not isinstance(source, str) or not source:
            problems.append("Every pattern must be a non-empty text.")
        elif problem := _pattern_problem(source):
            problems.append(problem)
    return problems


# The largest value of each whole-number parameter a rule can mean: ten years for a window,
# 1 GB for an attachment, a thousand messages in a thread, 40 digits in a phone number.
INT_PARAM_MAX = {"days": 3650, "max_bytes": 1024**3, "max_seller_messages": 1000,
                 "min_digits": 40, "max_digits": 40}


# "https://www.dhl.de/…", "*.dhl.de" or "@mugshop.de" never equal a link's host, so the
# carrier's links stayed blocked; a bare "com" or "de" let every such link through.
_DOMAIN_PROBLEM = ("'{name}': “{item}” is not a domain. Type the domain alone, e.g. dhl.de "
                   "(no https://, path, *, @ or spaces; a sub-domain is included by its parent).")
_domain_validate = DomainNameValidator()


def _is_domain(item: str) -> bool:
    try:
        _domain_validate(item.strip().rstrip("."))
    except ValidationError:
        return False
    return True


def params_problems(kind: str, params: object) -> list[str]:
    """What is wrong with a rule's parameters, for the admin's field error."""
    if kind not in CHECKS:
        return [f"Unknown check kind {kind!r}."]
    if not isinstance(params, dict):
        return ["Give the parameters as a JSON object."]
    problems = []
    for name, kind_type in PARAMS[kind].items():
        value = params.get(name)
        if not isinstance(value, kind_type) or isinstance(value, bool):
            problems.append(f"'{name}' must be given as a {kind_type.__name__}.")
        elif kind_type is int and not 1 <= value <= INT_PARAM_MAX[name]:
            # 0 or less fires on every reply; days past ~2.7 million overflow the date.
            problems.append(f"'{name}' must be a whole number from 1 to "
                            f"{INT_PARAM_MAX[name]}.")
        elif kind_type is list and name not in PATTERN_PARAMS.values() and not all(
                isinstance(item, str) and item.strip() for item in value):
            # A number among the file endings failed every reply with an attachment.
            problems.append(f"'{name}' must be a list of non-empty texts.")
    if not problems and params.get("min_digits", 0) > params.get("max_digits", 40):
        problems.append("'min_digits' must not be more than 'max_digits'.")
    if kind in PATTERN_PARAMS:
        problems += pattern_problems(params.get(PATTERN_PARAMS[kind]))
    return problems


def params_typing_problems(kind: str, params: object) -> list[str]:
    """``params_problems``, and what the admin's form refuses besides: a value the check can
    run with but that cannot mean what was typed (a link, not a domain, among the allowed
    domains). Not checked when the rule runs: such a row is applied as it is, never skipped."""
    problems = params_problems(kind, params)
    if problems or not isinstance(params, dict):
        return problems
    return [_DOMAIN_PROBLEM.format(name="allowed_domains", item=item[:100])
            for item in params.get("allowed_domains") or [] if not _is_domain(item)]


def rules_for(channel: Channel, languages: frozenset[str] = frozenset()) -> list[ComplianceRule]:
    """The active rules for this marketplace: the language-neutral ones and those written in
    one of ``languages`` (every language's when none is known)."""
    rules = (ComplianceRule.objects.filter(active=True)
             .filter(Q(platform="") | Q(platform=channel.platform))
             .filter(Q(channel=None) | Q(channel=channel)))
    if languages:
        rules = rules.filter(Q(language="") | Q(language__in=sorted(languages)))
    return list(rules)


def check_size_problem(*, subject: str, body: str) -> str | None:
    """Why a text is not checked at all (too long), or None."""
    length = len(subject) + len(body)
    return TOO_LONG.format(length=length, limit=CHECK_MAX_CHARS) if length > CHECK_MAX_CHARS \
        else None


def _not_applied(rule: ComplianceRule, reason: str) -> Finding:
    log.error("Compliance rule %s (%r) skipped: %s", rule.pk, rule.name, reason)
    return Finding(rule.name, Severity.WARN, NOT_APPLIED.format(rule=rule.name, reason=reason),
                   "", rule.pk, rule.language)


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping stretches of the original as one: a rule's two patterns on the same words
    are quoted once."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if merged and first < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def compliance_check(*, facts: ReplyFacts, channel: Channel) -> list[Finding]:
    """The rules a reply breaks, blocking ones first, each piece of text reported once.
    A rule that cannot be applied (saved around the admin's validation, or too slow on this
    text) is skipped with a warning finding that names it; it never stops the check."""
    if problem := check_size_problem(subject=facts.subject, body=facts.body):
        return [Finding("Reply too long to check", Severity.BLOCK, problem)]
    # Words found by rules of two languages are reported by the reply's own language's rule.
    declared = facts.language.lower().split("-")[0]
    rules = sorted(rules_for(channel, facts.languages),
                   key=lambda r: (r.severity != Severity.BLOCK,
                                  r.language not in ("", declared), r.name, r.pk))
    findings: list[Finding] = []
    claimed: list[tuple[int, int]] = []  # stretches of the original already reported
    for rule in rules:
        if problems := params_problems(rule.kind, rule.params):
            findings.append(_not_applied(rule, problems[0]))
            continue
        try:
            evidence = CHECKS[rule.kind](facts, rule.params)
        except PatternError as exc:
            findings.append(_not_applied(rule, str(exc)))
            continue
        quotes = [item for item in evidence if isinstance(item, str)]
        for first, last in _merged(facts.folded.span(*item) for item in evidence
                                   if not isinstance(item, str)):
            if any(start <= first and last <= end for start, end in claimed):
                continue  # the same words, found by another rule already
            claimed.append((first, last))
            quotes.append(facts.text[first:last].strip())
        quotes = list(dict.fromkeys(q for q in quotes if q))
        if quotes:
            findings.append(Finding(rule.name, rule.severity, rule.message, "; ".join(quotes),
                                    rule.pk, rule.language, tuple(quotes)))
    return sorted(findings, key=lambda f: (f.severity != Severity.BLOCK, f.rule))


def ticket_language(ticket: Ticket) -> str:
    """The language a reply on this ticket is written in: the buyer's, else the ticket's,
    else the marketplace's."""
    buyer = ticket.buyer.language if ticket.buyer else ""
    return (buyer or ticket.language or ticket.channel.language or "").lower().split("-")[0]


def seller_messages_sent(*, ticket: Ticket) -> int:
    """The seller's messages to the buyer in the thread, as the marketplace counts them.
    Amazon mails the seller a copy of each message it passes on (when asked to in Seller
    Central): a copy whose words are those of a reply the thread holds (the product's, or
    the Sent folder's) is that reply, not a second message. A copy of a reply written in
    Seller Central itself is the only record of it, and counts."""
    replies = ticket.messages.filter(direction=Direction.OUT, is_auto=False).values_list(
        "kind", "buyer_text")
    own: list[str] = []
    copies: list[str] = []
    for kind, text in replies:
        (copies if kind == MessageKind.REPLY_CONFIRMATION else own).append(" ".join(text.split()))
    unmatched = 0
    for copy in copies:
        same = next((i for i, words in enumerate(own) if _same_reply(copy, words)), None)
        if same is None:
            unmatched += 1
        else:
            own[same] = ""  # one copy per reply: the same words sent twice are two messages
    return len(own) + unmatched


# Words a copy must share with a reply to be taken for it: a bare "Thanks" is no proof.
SAME_REPLY_MIN = 20


def _same_reply(copy: str, reply: str) -> bool:
    """The copy repeats the reply: the same words, or the one beginning with the other (a
    mail client's signature, or quoted history, on one side only)."""
    shorter = min(len(copy), len(reply))
    return shorter >= SAME_REPLY_MIN and (copy.startswith(reply) or reply.startswith(copy))


def reply_facts(
    *, ticket: Ticket, subject: str, body: str,
    attachments: tuple[AttachmentFacts, ...] = (), now: datetime | None = None,
    language: str = "",
) -> ReplyFacts:
    messages = ticket.messages.all()
    order = ticket.order
    # Replies sent outside the product (mail client, Seller Central) are messages too.
    sent = seller_messages_sent(ticket=ticket)
    # Replies not yet sent but still going (or maybe gone): not those given up on.
    on_their_way = Outbox.objects.filter(ticket=ticket, sent_message=None).filter(
        Q(state__in=[OutboxState.QUEUED, OutboxState.SENDING, OutboxState.UNCERTAIN])
        | Q(state=OutboxState.FAILED, next_attempt_at__isnull=False)
    ).count()
    return ReplyFacts(
        subject=subject,
        body=body,
        now=now or timezone.now(),
        proactive=not messages.filter(
            direction=Direction.IN, is_auto=False, kind__in=BUYER_STARTED
        ).exists(),
        order_id=order.order_id if order else "",
        completed_at=(order.delivered_at or order.shipped_at) if order else None,
        seller_messages=sent + on_their_way,
        attachments=attachments,
        language=language or ticket_language(ticket),
    )


def text_facts(
    *, subject: str, body: str, language: str = "", seller_initiated: bool = False,
    order_id: str = "", now: datetime | None = None,
) -> ReplyFacts:
    """The facts of a text checked without a ticket (a template kept in a file, a CI run):
    the order's completion comes from the order when the product knows it."""
    order = Order.objects.filter(order_id=order_id).first() if order_id else None
    return ReplyFacts(
        subject=subject, body=body, now=now or timezone.now(), proactive=seller_initiated,
        order_id=order_id,
        completed_at=(order.delivered_at or order.shipped_at) if order else None,
        language=language,
    )


def findings_report(findings: list[Finding]) -> dict:
    """The check's answer as data (``reply_check --json``): one entry per quoted piece."""
    return {
        "blocked": any(f.severity == Severity.BLOCK for f in findings),
        "findings": [
            {"rule": f.rule, "severity": f.severity, "language": f.language, "quote": quote,
             "message": f.message}
            for f in findings for quote in (f.quotes or (f.evidence,))
        ],
    }

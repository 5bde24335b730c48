"""The compliance check every reply passes before it is sent.

Rules are rows (``ComplianceRule``): a check kind, its parameters, a severity and a message.
The kinds are the small registry of functions below; each gets the reply's facts and the
row's parameters and returns the evidence it found (empty: the rule is quiet).
"""

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db.models import Q
from django.utils import timezone

from helpdesk.marketplaces.models import Channel
from helpdesk.tickets.models import Direction, MessageKind, Ticket

from .models import CheckKind, ComplianceRule, Outbox, OutboxState, Severity

# Kinds of inbound mail a buyer starts; a reply on a ticket without one is seller-initiated.
BUYER_STARTED = [MessageKind.BUYER_MESSAGE, MessageKind.RETURN_REQUEST, MessageKind.CANCELLATION]


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

    @property
    def text(self) -> str:
        return f"{self.subject}\n{self.body}"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    evidence: str = ""
    rule_id: int | None = field(default=None, compare=False)

    def as_dict(self) -> dict:
        return asdict(self)


Check = Callable[[ReplyFacts, dict], list[str]]
CHECKS: dict[str, Check] = {}
# Parameters each kind needs, with their type, for the admin's validation.
PARAMS: dict[str, dict[str, type]] = {}


def check(kind: str, **params: type) -> Callable[[Check], Check]:
    def register(func: Check) -> Check:
        CHECKS[kind] = func
        PARAMS[kind] = params
        return func

    return register


@check(CheckKind.PATTERN, patterns=list)
def _patterns(facts: ReplyFacts, params: dict) -> list[str]:
    found = (re.search(p, facts.text, re.IGNORECASE) for p in params["patterns"])
    return [m.group(0) for m in found if m]


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"')\]]+", re.IGNORECASE)
BARE_DOMAIN = re.compile(
    r"(?<![\w@./-])((?:[a-z0-9-]+\.)+(?:com|net|org|info|shop|store|eu|io|biz|de|at|ch|"
    r"co\.uk|uk|fr|it|es|nl|pl|be|ca|jp))(?![\w@-])", re.IGNORECASE,
)


def _domain_allowed(host: str, allowed: list[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in allowed)


@check(CheckKind.EXTERNAL_LINK, allowed_domains=list)
def _links(facts: ReplyFacts, params: dict) -> list[str]:
    text = EMAIL.sub(" ", facts.text)  # addresses are the e-mail rule's business
    found = []
    for m in URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?")
        host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
        if not _domain_allowed(host, params["allowed_domains"]):
            found.append(url)
    text = URL.sub(" ", text)
    found += [m.group(1) for m in BARE_DOMAIN.finditer(text)
              if not _domain_allowed(m.group(1), params["allowed_domains"])]
    return found


@check(CheckKind.EMAIL_ADDRESS, allowed_domains=list)
def _emails(facts: ReplyFacts, params: dict) -> list[str]:
    return [a for a in EMAIL.findall(facts.text)
            if not _domain_allowed(a.rpartition("@")[2], params["allowed_domains"])]


PHONE = re.compile(r"(?<![\w+-])(?:\+|\(\+?)?\d[\d ()/.\-]{5,}\d(?![\w-])")
ORDER_ID_SHAPE = re.compile(r"^\d{3}-\d{7}-\d{7}$")
DATE_SHAPE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
US_PHONE = re.compile(r"^\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}$")
PHONE_WORDS = re.compile(
    r"\b(?:phone|call|tel|telephone|mobile|cell|hotline|telefon\w*|anruf\w*|rufen|handy|"
    r"mobil\w*|whatsapp)\b", re.IGNORECASE,
)
TRACKING_WORDS = re.compile(
    r"\b(?:tracking|parcel|shipment|sendung\w*|paket\w*|tracking-?nummer)\b", re.IGNORECASE
)


@check(CheckKind.PHONE_NUMBER, min_digits=int, max_digits=int)
def _phones(facts: ReplyFacts, params: dict) -> list[str]:
    found = []
    for m in PHONE.finditer(facts.text):
        candidate = m.group(0).strip()
        digits = re.sub(r"\D", "", candidate)
        if not params["min_digits"] <= len(digits) <= params["max_digits"]:
            continue  # postcodes, quantities; tracking numbers are longer
        if ORDER_ID_SHAPE.match(candidate) or DATE_SHAPE.match(candidate):
            continue
        before = facts.text[max(0, m.start() - 40):m.start()]
        if TRACKING_WORDS.search(before) and not PHONE_WORDS.search(before):
            continue
        shaped = candidate.startswith("+") or bool(US_PHONE.match(candidate)) or (
            candidate.startswith(("0", "(")) and re.search(r"[ ()/.-]", candidate)
        )
        if shaped or PHONE_WORDS.search(before):
            found.append(candidate)
    return found


@check(CheckKind.ORDER_ID_MISSING)
def _order_id(facts: ReplyFacts, params: dict) -> list[str]:
    if not facts.proactive or (facts.order_id and facts.order_id in facts.text):
        return []
    return [f"order ID {facts.order_id} not in the message" if facts.order_id
            else "the ticket has no order"]


@check(CheckKind.PROACTIVE_WINDOW, days=int)
def _window(facts: ReplyFacts, params: dict) -> list[str]:
    if not facts.proactive or facts.completed_at is None:
        return []
    age = facts.now - facts.completed_at
    if age <= timedelta(days=params["days"]):
        return []
    return [f"the order was completed {age.days} days ago"]


@check(CheckKind.ATTACHMENT_SIZE, max_bytes=int)
def _attachment_size(facts: ReplyFacts, params: dict) -> list[str]:
    return [f"{a.filename} ({a.size / 1024 / 1024:.1f} MB)"
            for a in facts.attachments if a.size > params["max_bytes"]]


@check(CheckKind.ATTACHMENT_TYPE, allowed_types=list, allowed_extensions=list)
def _attachment_type(facts: ReplyFacts, params: dict) -> list[str]:
    # Both the declared type and the file name's ending must be allowed ("x.pdf.exe").
    return [
        f"{a.filename} ({a.content_type})" for a in facts.attachments
        if a.content_type.lower().split(";")[0].strip() not in params["allowed_types"]
        or not a.filename.lower().endswith(tuple(params["allowed_extensions"]))
    ]


@check(CheckKind.THREAD_LIMIT, max_seller_messages=int)
def _thread_limit(facts: ReplyFacts, params: dict) -> list[str]:
    total = facts.seller_messages + 1
    if total <= params["max_seller_messages"]:
        return []
    return [f"this would be seller message {total} in the thread "
            f"(limit {params['max_seller_messages']})"]


def params_problems(kind: str, params: object) -> list[str]:
    """What is wrong with a rule's parameters, for the admin's field error."""
    if kind not in CHECKS:
        return [f"Unknown check kind {kind!r}."]
    if not isinstance(params, dict):
        return ["Give the parameters as a JSON object."]
    problems = []
    for name, kind_type in PARAMS[kind].items():
        if not isinstance(params.get(name), kind_type):
            problems.append(f"'{name}' must be given as a {kind_type.__name__}.")
    for pattern in params.get("patterns", []) if kind == CheckKind.PATTERN else []:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            problems.append(f"Pattern {pattern!r} is not a valid regular expression: {exc}.")
    return problems


def rules_for(channel: Channel) -> list[ComplianceRule]:
    return list(
        ComplianceRule.objects.filter(active=True)
        .filter(Q(platform="") | Q(platform=channel.platform))
        .filter(Q(channel=None) | Q(channel=channel))
    )


def compliance_check(*, facts: ReplyFacts, channel: Channel) -> list[Finding]:
    """The rules a reply breaks, blocking ones first."""
    findings = []
    for rule in rules_for(channel):
        if params_problems(rule.kind, rule.params):
            continue  # a rule saved around the admin's validation cannot be applied
        evidence = CHECKS[rule.kind](facts, rule.params)
        if evidence:
            findings.append(Finding(rule.name, rule.severity, rule.message,
                                    "; ".join(dict.fromkeys(evidence)), rule.pk))
    return sorted(findings, key=lambda f: (f.severity != Severity.BLOCK, f.rule))


def reply_facts(
    *, ticket: Ticket, subject: str, body: str,
    attachments: tuple[AttachmentFacts, ...] = (), now: datetime | None = None,
) -> ReplyFacts:
    messages = ticket.messages.all()
    order = ticket.order
    # Replies sent outside the product (mail client, Seller Central) are messages too.
    sent = messages.filter(direction=Direction.OUT, is_auto=False).count()
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
    )

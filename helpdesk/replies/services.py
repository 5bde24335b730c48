"""Replies: compose one from a template, check it, and queue it; a manager's override."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from helpdesk.tickets.models import Direction, Ticket, TimelineEvent

from .compliance import AttachmentFacts, Finding, compliance_check, reply_facts
from .context import reply_context
from .errors import (
    EMPTY_BODY,
    NO_VARIANT,
    NOT_A_MANAGER,
    PLACEHOLDER_LEFT,
    REASON_REQUIRED,
    WRITES_NOTHING_HERE,
    ComplianceBlocked,
    ReplyError,
)
from .models import Outbox, ReplyTemplate, ReplyTemplateVariant, Severity
from .outbox import NewAttachment, outbox_create, outbox_supersede
from .rendering import ALLOWED, RenderError, currency_for, locale_for, template_render

MANAGER_GROUP = "manager"  # the role the demo data (helpdesk.demo) creates
# A template variable left in text an agent edited: {{ buyer.first_name }}. A buyer's own
# "{{ 7*7 }}" quoted in a reply is not one of ours and goes out as written.
_NAMES = "|".join(ALLOWED)
PLACEHOLDER = re.compile(rf"\{{\{{\s*(?:{_NAMES})\b[^}}]*\}}\}}|\{{%.*?%\}}")


@dataclass
class Draft:
    subject: str
    body: str
    language: str
    template: ReplyTemplate
    findings: list[Finding] = field(default_factory=list)
    # The language the buyer wrote in, when the template has no variant in it (the draft is
    # then in the marketplace's language or the template's default): the composer says so.
    wanted_language: str = ""

    @property
    def fallback(self) -> bool:
        return bool(self.wanted_language) and self.wanted_language != self.language

    @property
    def blocked(self) -> bool:
        return any(f.severity == Severity.BLOCK for f in self.findings)


@dataclass
class Preview:
    draft: Draft | None = None
    error: str = ""


def language_code(value: str) -> str:
    """``de-AT``, ``pt_BR``, ``EN`` → ``de``, ``pt``, ``en``."""
    return value.strip().lower().replace("_", "-").split("-")[0]


def buyer_language(*, ticket: Ticket) -> str:
    """The language the buyer wrote in (the ticket's messages), else the one known for the
    buyer; "" when neither is known."""
    return language_code(ticket.language or (ticket.buyer.language if ticket.buyer else ""))


def reply_languages(*, ticket: Ticket, template: ReplyTemplate) -> list[str]:
    """The buyer's language, then the marketplace's, then the template's default."""
    candidates = [buyer_language(ticket=ticket), ticket.channel.language,
                  template.default_language]
    return list(dict.fromkeys(language_code(c) for c in candidates if c))


def variant_choose(*, ticket: Ticket, template: ReplyTemplate) -> ReplyTemplateVariant:
    languages = reply_languages(ticket=ticket, template=template)
    variants = {v.language: v for v in template.variants.all()}
    for language in languages:
        if language in variants:
            return variants[language]
    raise RenderError(NO_VARIANT.format(template=template.name, languages=", ".join(languages)))


def reply_compose(
    *, ticket: Ticket, template: ReplyTemplate, author: AbstractBaseUser | None,
    now: datetime | None = None,
) -> Draft:
    """The template rendered for this ticket, with what the compliance check says about it.
    Raises ``RenderError`` (with a message for the agent) when a value is missing."""
    now = now or timezone.now()
    variant = variant_choose(ticket=ticket, template=template)
    locale = locale_for(variant.language, ticket.channel.domain)
    currency = currency_for(ticket.channel.domain)
    context = reply_context(ticket=ticket, author=author, locale=locale, now=now)
    subject = " ".join(template_render(variant.subject, context, locale=locale,
                                       currency=currency).split())
    body = template_render(variant.body, context, locale=locale, currency=currency)
    if not body:  # e.g. all of it inside a condition this ticket does not meet
        raise RenderError(WRITES_NOTHING_HERE.format(template=template.name))
    facts = reply_facts(ticket=ticket, subject=subject, body=body, now=now)
    return Draft(subject, body, variant.language, template,
                 compliance_check(facts=facts, channel=ticket.channel),
                 wanted_language=buyer_language(ticket=ticket))


def reply_preview(
    *, ticket: Ticket, template: ReplyTemplate, author: AbstractBaseUser | None
) -> Preview:
    """For the admin: the draft, or why there is none."""
    try:
        return Preview(draft=reply_compose(ticket=ticket, template=template, author=author))
    except RenderError as exc:
        return Preview(error=str(exc))


def is_manager(user: AbstractBaseUser | None) -> bool:
    if user is None or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=MANAGER_GROUP).exists()


def placeholder_left(*, ticket: Ticket, text: str) -> str:
    """The first template tag in ``text`` that the agent left unfilled ("" if none). A tag
    found word for word in what the buyer wrote, or in the name the buyer goes by, is the
    buyer's, quoted: it goes out as written, or no reply quoting or greeting that buyer
    could be sent."""
    tags = PLACEHOLDER.findall(text)
    if not tags:
        return ""
    written = [f"{subject}\n{words}\n{name}" for subject, words, name in ticket.messages.filter(
        direction=Direction.IN).values_list("subject", "buyer_text", "from_name")]
    if ticket.buyer_id is not None:
        written.append(ticket.buyer.name)
    return next((tag for tag in tags if not any(tag in w for w in written)), "")


@transaction.atomic
def reply_send(
    *, ticket: Ticket, author: AbstractBaseUser | None, subject: str, body: str,
    template: ReplyTemplate | None = None, override_reason: str | None = None,
    attachments: tuple[NewAttachment, ...] = (), language: str = "",
    replaces: Outbox | None = None, now: datetime | None = None,
) -> Outbox:
    """Check the final text and queue it. A blocking finding stops it, unless a manager
    overrides with a reason, which goes on the timeline. ``replaces``: the failed reply this
    one is an edit of, which then is never sent."""
    now = now or timezone.now()
    subject, body = " ".join(subject.split()), body.strip()
    if not body:
        raise ReplyError(EMPTY_BODY)
    if left := placeholder_left(ticket=ticket, text=f"{subject}\n{body}"):
        raise ReplyError(PLACEHOLDER_LEFT.format(placeholder=left))
    facts = reply_facts(
        ticket=ticket, subject=subject, body=body, now=now,
        attachments=tuple(AttachmentFacts(a.filename, a.content_type, len(a.data))
                          for a in attachments),
    )
    findings = compliance_check(facts=facts, channel=ticket.channel)
    blocking = [f for f in findings if f.severity == Severity.BLOCK]
    if blocking:
        if override_reason is None:
            raise ComplianceBlocked(findings)
        if not is_manager(author):
            raise ReplyError(NOT_A_MANAGER)
        if not override_reason.strip():
            raise ReplyError(REASON_REQUIRED)
    if replaces is not None:
        outbox_supersede(outbox=replaces, user=author)
    outbox = outbox_create(
        ticket=ticket, author=author, subject=subject, body=body, template=template,
        language=language or ticket.language, attachments=attachments,
        findings=[f.as_dict() for f in findings],
        override_reason=override_reason.strip() if blocking else "", now=now,
    )
    if blocking:
        rules = "; ".join(f.rule for f in blocking)
        name = author.get_full_name().strip() or author.get_username()
        TimelineEvent.objects.create(
            ticket=ticket, at=now, actor=author, kind="reply_override",
            text=f"Compliance override by {name} ({rules}): {override_reason.strip()}"[:1000],
            data={"outbox": outbox.pk, "rules": [f.rule for f in blocking],
                  "reason": override_reason.strip()},
        )
    return outbox

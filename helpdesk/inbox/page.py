"""What the ticket page shows, gathered in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from helpdesk.replies.models import Outbox, OutboxState, ReplyTemplate
from helpdesk.replies.selectors import outbox_for_ticket, templates_for_ticket
from helpdesk.replies.seller_central import ticket_notice
from helpdesk.replies.services import reply_languages
from helpdesk.sla.actions import CLOCK_ENDINGS
from helpdesk.tickets.models import Message, Ticket, TicketPresence, TicketStatus
from helpdesk.tickets.selectors import (
    buyer_tickets_other,
    ticket_escalations,
    ticket_messages,
    ticket_timeline,
    users_assignable,
)

PRESENCE_FRESH = timedelta(seconds=30)
CLOCK_ACTION_LABELS = {
    "no_response_required": _("No response required"),
    "responded_elsewhere": _("Responded in Seller Central"),
    "return_decided": _("Return decided"),
}


@dataclass
class Composer:
    """The reply form's state: empty, filled from a template, or sent back with a problem."""

    subject: str = ""
    body: str = ""
    template_id: int | None = None
    language: str = ""
    seen: str = ""
    error: str = ""
    stale: list[Message] = field(default_factory=list)
    stale_replies: list[Outbox] = field(default_factory=list)
    findings: list = field(default_factory=list)
    blocked: bool = False
    override_reason: str = ""
    # The failed reply this text is an edit of ("Edit and resend"): it is never sent then.
    replaces: int | None = None
    # The buyer's language when the template has no variant in it (the text is in another).
    wanted_language: str = ""


def thread_version(messages: list[Message], outbox: list[Outbox]) -> str:
    """What the composer saw: the newest message and the newest queued reply. Sending
    against an older version is a reply written without seeing the latest."""
    newest_message = max((m.pk for m in messages), default=0)
    newest_reply = max((o.pk for o in outbox), default=0)
    return f"{newest_message}.{newest_reply}"


def templates_fitting(ticket: Ticket) -> list[ReplyTemplate]:
    """Templates for the ticket's kind that have a variant in a language the reply would be
    written in (the buyer's, the marketplace's, else the template's default)."""
    fitting = []
    for template in templates_for_ticket(ticket=ticket):
        languages = reply_languages(ticket=ticket, template=template)
        if any(v.language in languages for v in template.variants.all()):
            fitting.append(template)
    return fitting


def presence_others(*, ticket: Ticket, user: AbstractBaseUser, now: datetime) -> list:
    return list(
        TicketPresence.objects.filter(ticket=ticket, seen_at__gte=now - PRESENCE_FRESH)
        .exclude(user=user).select_related("user").order_by("user__username")
    )


def ticket_page_context(
    *, ticket: Ticket, user: AbstractBaseUser, now: datetime, composer: Composer | None = None
) -> dict:
    messages = list(ticket_messages(ticket=ticket))
    outbox = list(outbox_for_ticket(ticket=ticket))
    composer = composer or Composer()
    if not composer.seen:
        composer.seen = thread_version(messages, outbox)
    open_kinds = {clock.kind for clock in ticket.open_clocks}
    escalations = list(ticket_escalations(ticket=ticket))
    timeline = list(ticket_timeline(ticket=ticket))
    notice = ticket_notice(ticket=ticket, messages=messages)
    return {
        "ticket": ticket,
        "thread": messages,
        "outbox": [o for o in outbox if o.state not in (OutboxState.SENT,
                                                           OutboxState.REPLACED)],
        "replies_failed": [o for o in outbox if o.state in (OutboxState.FAILED,
                                                            OutboxState.UNCERTAIN)],
        "notice": notice,
        "timeline": timeline,
        "order_items": list(ticket.order.items.all()) if ticket.order_id else [],
        "buyer_tickets": list(buyer_tickets_other(ticket=ticket, user=user)),
        "escalations": escalations,
        "nrr_actions": _nrr_actions(timeline),
        "open_escalations": [e for e in escalations if e.closed_at is None],
        "clock_actions": [
            (kind, label) for kind, label in CLOCK_ACTION_LABELS.items()
            if open_kinds & CLOCK_ENDINGS[kind]
            # On a notice ticket the composer's own form does it, with the note it needs.
            and not (notice and kind == "responded_elsewhere")
        ],
        "others": presence_others(ticket=ticket, user=user, now=now),
        "templates": templates_fitting(ticket),
        "composer": composer,
        "assignable": list(users_assignable()),
        "is_resolved": ticket.status == TicketStatus.RESOLVED,
        "buyer_zone": ticket.channel.time_zone or "UTC",
        "now": now,
    }


def _nrr_actions(timeline: list) -> list[dict]:
    """Each "No response required" of the ticket and the line that says it was also marked
    in Seller Central (None until someone ticks it): read from the timeline the page shows
    anyway, so the reminder costs no query."""
    marked = {e.data.get("action"): e for e in timeline if e.kind == "nrr_seller_central"}
    return [
        {"action": e.data.get("action"), "at": e.at, "marked": marked.get(e.data.get("action"))}
        for e in timeline
        if e.kind == "clock_no_response_required" and e.data.get("action")
    ]

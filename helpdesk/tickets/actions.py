"""What agents do to a ticket: assign, claim, reopen, note, escalate, mark read, be present.
Each is one transaction with the timeline line it writes. Resolving and ending a clock ask
the clocks first: they are ``helpdesk.sla.actions``.

Callers pass a ticket they already fetched through ``selectors.tickets_visible``: the queue
check happens there, once, for views and bulk actions alike."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Escalation,
    Ticket,
    TicketPresence,
    TicketRead,
    TicketStatus,
    TimelineEvent,
)
from .selectors import user_scope

NOTE_MAX = 5000

class ActionError(Exception):
    """The action cannot be done; the message is for the agent."""


def timeline_add(ticket: Ticket, actor: AbstractBaseUser | None, kind: str, text: str,
                 at: datetime, data: dict | None = None) -> TimelineEvent:
    """The timeline line of what ``actor`` did (None: the product itself)."""
    return TimelineEvent.objects.create(
        ticket=ticket, at=at, actor=actor, kind=kind, text=text[:1000], data=data or {}
    )


def _name(user: AbstractBaseUser) -> str:
    return user.get_full_name().strip() or user.get_username()


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, assignee: AbstractBaseUser | None, actor: AbstractBaseUser,
    now: datetime | None = None,
) -> Ticket:
    """Give the ticket to ``assignee`` (None: unassign). The assignee must be able to see it,
    or the ticket would vanish from everyone's "mine"."""
    now = now or timezone.now()
    if assignee is not None and not user_scope(assignee).allows(ticket):
        raise ActionError(_("%(name)s is not a member of this ticket's queue.")
                          % {"name": _name(assignee)})
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee"])
    if assignee is None:
        text = _("Unassigned")
    elif assignee.pk == actor.pk:
        text = _("Claimed by %(name)s") % {"name": _name(actor)}
    else:
        text = _("Assigned to %(name)s") % {"name": _name(assignee)}
    timeline_add(ticket, actor, "assigned", text, now,
           {"assignee": assignee.pk if assignee else None})
    return ticket


def ticket_claim(*, ticket: Ticket, actor: AbstractBaseUser,
                 now: datetime | None = None) -> Ticket:
    return ticket_assign(ticket=ticket, assignee=actor, actor=actor, now=now)


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, actor: AbstractBaseUser,
                  now: datetime | None = None) -> Ticket:
    now = now or timezone.now()
    if ticket.status == TicketStatus.OPEN:
        return ticket
    ticket.status = TicketStatus.OPEN
    ticket.save(update_fields=["status"])
    timeline_add(ticket, actor, "reopened", _("Reopened"), now)
    return ticket


def ticket_note_add(*, ticket: Ticket, actor: AbstractBaseUser, text: str,
                    now: datetime | None = None) -> TimelineEvent:
    """An internal note: on the timeline only, never sent to the buyer."""
    text = text.strip()
    if not text:
        raise ActionError(_("The note is empty."))
    if len(text) > NOTE_MAX:
        raise ActionError(_("A note can be at most %(n)s characters.") % {"n": NOTE_MAX})
    # The line shows the start; the whole note is kept in the event's data.
    return timeline_add(ticket, actor, "note", text, now or timezone.now(), {"note": text})


@transaction.atomic
def ticket_escalate(
    *, ticket: Ticket, actor: AbstractBaseUser, case_id: str, note: str = "",
    now: datetime | None = None,
) -> Escalation:
    """Record a case opened with marketplace seller support; a follow-up falls due after the
    ticket's channel's follow-up hours (48 by default), elapsed, as the marketplace counts."""
    now = now or timezone.now()
    case_id = case_id.strip()
    if not case_id:
        raise ActionError(_("Give the seller support case ID."))
    escalation = Escalation.objects.create(
        ticket=ticket, case_id=case_id[:100], note=note.strip(), opened_at=now, opened_by=actor,
        follow_up_due_at=now + timedelta(hours=ticket.channel.escalation_follow_up_hours),
    )
    # Stored text is in UTC like every other timeline line; pages show it in each zone.
    timeline_add(ticket, actor, "escalated",
           _("Escalated to seller support: case %(case)s, follow-up due %(due)s UTC")
           % {"case": escalation.case_id,
              "due": f"{escalation.follow_up_due_at:%Y-%m-%d %H:%M}"},
           now, {"escalation": escalation.pk})
    return escalation


@transaction.atomic
def escalation_close(*, escalation: Escalation, actor: AbstractBaseUser,
                     now: datetime | None = None) -> Escalation:
    now = now or timezone.now()
    if escalation.closed_at is not None:
        return escalation
    escalation.closed_at, escalation.closed_by = now, actor
    escalation.save(update_fields=["closed_at", "closed_by"])
    timeline_add(escalation.ticket, actor, "escalation_closed",
           _("Seller support case %(case)s closed") % {"case": escalation.case_id}, now,
           {"escalation": escalation.pk})
    return escalation


def ticket_mark_read(*, ticket: Ticket, user: AbstractBaseUser,
                     now: datetime | None = None) -> None:
    now = now or timezone.now()
    TicketRead.objects.update_or_create(ticket=ticket, user=user, defaults={"read_at": now})


def presence_touch(*, ticket: Ticket, user: AbstractBaseUser, composing: bool,
                   now: datetime | None = None) -> None:
    TicketPresence.objects.update_or_create(
        ticket=ticket, user=user,
        defaults={"seen_at": now or timezone.now(), "composing": composing},
    )


def presence_leave(*, ticket: Ticket, user: AbstractBaseUser) -> None:
    TicketPresence.objects.filter(ticket=ticket, user=user).delete()

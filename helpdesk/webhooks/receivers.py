"""The events, heard from the apps that make them (their signals) and turned into
deliveries. Connected once, in ``AppConfig.ready``."""

from helpdesk.replies.signals import reply_failed, reply_sent
from helpdesk.sla.models import Obligation, Violation
from helpdesk.sla.signals import clocks_at_risk, clocks_breached
from helpdesk.tickets.models import Direction, Ticket
from helpdesk.tickets.signals import messages_stored, ticket_resolved

from . import payloads
from .emit import events_emit, events_wanted
from .models import Event


def on_messages_stored(sender, *, tickets, messages, **kwargs) -> None:
    # Every mail stored comes through here: without an endpoint wanting these, one query.
    wanted = events_wanted()
    events = []
    if Event.TICKET_OPENED in wanted:
        events += [(Event.TICKET_OPENED, {"ticket": payloads.ticket_data(t)}) for t in tickets]
    if Event.MESSAGE_RECEIVED in wanted:
        events += [(Event.MESSAGE_RECEIVED, {"message": payloads.message_data(m)})
                   for m in messages if m.direction == Direction.IN]
    events_emit(events=events)


def on_ticket_resolved(sender, *, ticket, actor, **kwargs) -> None:
    data = {"ticket": payloads.ticket_data(ticket),
            "by": actor.get_username() if actor is not None else None}
    events_emit(events=[(Event.TICKET_RESOLVED, data)])


def on_clocks_at_risk(sender, *, obligation_ids, **kwargs) -> None:
    clocks = Obligation.objects.filter(pk__in=obligation_ids).order_by("pk")
    events_emit(events=[(Event.CLOCK_AT_RISK, {"clock": payloads.clock_data(c)})
                        for c in clocks])


def on_clocks_breached(sender, *, violation_ids, **kwargs) -> None:
    violations = Violation.objects.filter(pk__in=violation_ids).order_by("pk")
    events_emit(events=[(Event.CLOCK_BREACHED, {"violation": payloads.violation_data(v)})
                        for v in violations])


def on_reply_sent(sender, *, outbox, **kwargs) -> None:
    events_emit(events=[(Event.REPLY_SENT, {"reply": payloads.reply_data(outbox)})])


def on_reply_failed(sender, *, outbox, **kwargs) -> None:
    events_emit(events=[(Event.REPLY_FAILED, {"reply": payloads.reply_data(outbox)})])


def connect() -> None:
    messages_stored.connect(on_messages_stored, dispatch_uid="webhooks-messages")
    ticket_resolved.connect(on_ticket_resolved, sender=Ticket, dispatch_uid="webhooks-resolved")
    clocks_at_risk.connect(on_clocks_at_risk, dispatch_uid="webhooks-at-risk")
    clocks_breached.connect(on_clocks_breached, dispatch_uid="webhooks-breached")
    reply_sent.connect(on_reply_sent, dispatch_uid="webhooks-reply-sent")
    reply_failed.connect(on_reply_failed, dispatch_uid="webhooks-reply-failed")

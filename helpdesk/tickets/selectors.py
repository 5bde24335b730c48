"""Read-side queries over tickets, and who may see which ticket.

Every agent-facing read starts from ``tickets_visible(user=...)``: a ticket of a queue the
agent is not a member of does not exist for them (a guessed URL is a 404, not a 403)."""

from dataclasses import dataclass, field
from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from helpdesk.accounts.roles import ROLES, sees_all_queues

from .models import AgentProfile, Escalation, Message, Queue, Ticket, TimelineEvent


@dataclass(frozen=True)
class Scope:
    """The tickets a user may see: all of them, or those matching one of their queues'
    rules (channel ids, and kinds when the queue names any)."""

    everything: bool = False
    rules: tuple[tuple[frozenset[int], frozenset[str]], ...] = field(default=())

    def q(self) -> Q:
        if self.everything:
            return Q()
        if not self.rules:
            return Q(pk__in=[])
        condition = Q()
        for channels, kinds in self.rules:
            rule = Q(channel_id__in=sorted(channels))
            if kinds:
                rule &= Q(kind__in=sorted(kinds))
            condition |= rule
        return condition

    def channels_only(self) -> bool:
        """True when the scope is channels alone (no queue narrowed to kinds): then a clock's
        own channel says whether its ticket is visible, without reading the ticket."""
        return self.everything or all(not kinds for _channels, kinds in self.rules)

    def channel_ids(self) -> set[int]:
        return {channel for channels, _kinds in self.rules for channel in channels}

    def allows(self, ticket: Ticket) -> bool:
        if self.everything:
            return True
        return any(
            ticket.channel_id in channels and (not kinds or ticket.kind in kinds)
            for channels, kinds in self.rules
        )


def user_scope(user: AbstractBaseUser | AnonymousUser) -> Scope:
    """Read once per request (two small queries at most) and kept on the user object."""
    cached = getattr(user, "_helpdesk_scope", None)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        scope = Scope()
    elif sees_all_queues(user):
        scope = Scope(everything=True)
    else:
        by_queue: dict[int, tuple[set[int], frozenset[str]]] = {}
        for queue_id, channel_id, kinds in Queue.channels.through.objects.filter(
            queue__members=user
        ).values_list("queue_id", "channel_id", "queue__kinds"):
            by_queue.setdefault(queue_id, (set(), frozenset(kinds or ())))[0].add(channel_id)
        # Queues with the same kinds merge into one rule: a shorter WHERE clause.
        merged: dict[frozenset[str], set[int]] = {}
        for channels, kinds in by_queue.values():
            merged.setdefault(kinds, set()).update(channels)
        if frozenset() in merged:  # a queue taking every kind covers narrower ones
            everything_on = merged[frozenset()]
            merged = {k: c - everything_on if k else c for k, c in merged.items()}
        scope = Scope(rules=tuple(
            (frozenset(channels), kinds)
            for kinds, channels in sorted(merged.items(), key=lambda kv: sorted(kv[0]))
            if channels
        ))
    user._helpdesk_scope = scope
    return scope


def tickets_visible(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Ticket]:
    return Ticket.objects.filter(user_scope(user).q())


def ticket_messages(*, ticket: Ticket) -> QuerySet[Message]:
    return ticket.messages.prefetch_related("attachments").order_by("sent_at", "pk")


def ticket_timeline(*, ticket: Ticket) -> QuerySet[TimelineEvent]:
    return ticket.timeline.select_related("actor").order_by("at", "pk")


def ticket_escalations(*, ticket: Ticket) -> QuerySet[Escalation]:
    return ticket.escalations.select_related("opened_by", "closed_by")


def buyer_tickets_other(
    *, ticket: Ticket, user: AbstractBaseUser, limit: int = 10
) -> QuerySet[Ticket]:
    """The buyer's other tickets this user may see, newest first."""
    if ticket.buyer_id is None:
        return Ticket.objects.none()
    return (
        tickets_visible(user=user).filter(buyer_id=ticket.buyer_id).exclude(pk=ticket.pk)
        .only("pk", "subject", "kind", "status", "last_message_at")
        .order_by("-last_message_at", "-pk")[:limit]
    )


def users_assignable() -> QuerySet:
    """People a ticket can be given to: active users holding a helpdesk role."""
    return (
        get_user_model().objects.filter(is_active=True, groups__name__in=ROLES)
        .distinct().order_by("username")
    )


def agent_zone(*, user: AbstractBaseUser | AnonymousUser) -> ZoneInfo | None:
    """The zone the user chose for their pages; None for none (settings.TIME_ZONE then), or a
    zone removed from tzdata since it was chosen, or one written around validation."""
    if not user.is_authenticated:
        return None
    name = AgentProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: a path ("/etc/localtime"), a NUL
        return None


def reader_zone(*, user: AbstractBaseUser | AnonymousUser) -> tzinfo:
    """The zone ``user`` reads times in, in a mail as on their pages: their own, else the
    server's ``TIME_ZONE``."""
    return agent_zone(user=user) or timezone.get_default_timezone()

"""'Mark in Seller Central too': Amazon has no interface that sets "No response needed", so
every "No response required" set here is listed until an agent ticks that it was also marked
in Seller Central. The tick is written on the clock action and on the ticket's timeline."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from helpdesk.sla.models import ActionKind, ClockAction
from helpdesk.tickets.models import Ticket, TimelineEvent
from helpdesk.tickets.selectors import tickets_visible


def nrr_unmarked(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[ClockAction]:
    """The "No response required" actions on tickets the user sees, not yet marked in
    Seller Central, the oldest first (the ones Amazon has counted against the seller
    longest)."""
    return (
        ClockAction.objects.filter(
            kind=ActionKind.NO_RESPONSE_REQUIRED, seller_central_marked_at=None,
            ticket__in=tickets_visible(user=user),
        )
        .select_related("ticket__channel", "ticket__order", "actor")
        .order_by("at", "pk")
    )


@transaction.atomic
def nrr_mark_in_seller_central(
    *, action: ClockAction, user: AbstractBaseUser, now: datetime | None = None
) -> bool:
    """Tick it; False when someone ticked it already (the first tick stays)."""
    now = now or timezone.now()
    ticked = ClockAction.objects.filter(
        pk=action.pk, kind=ActionKind.NO_RESPONSE_REQUIRED, seller_central_marked_at=None
    ).update(seller_central_marked_at=now, seller_central_marked_by=user)
    if ticked:
        TimelineEvent.objects.create(
            ticket_id=action.ticket_id, at=now, actor=user, kind="nrr_seller_central",
            text=f'"No response required" of {action.at:%Y-%m-%d %H:%M} UTC also marked in '
                 "Seller Central",
            data={"action": action.pk},
        )
    return bool(ticked)


@transaction.atomic
def ticket_nrr_mark_in_seller_central(
    *, ticket: Ticket, user: AbstractBaseUser, now: datetime | None = None
) -> int:
    """Tick each of the ticket's "No response required" not yet marked; returns how many."""
    now = now or timezone.now()
    actions = ClockAction.objects.filter(
        ticket=ticket, kind=ActionKind.NO_RESPONSE_REQUIRED, seller_central_marked_at=None
    ).order_by("at", "pk")
    return sum(nrr_mark_in_seller_central(action=a, user=user, now=now) for a in actions)

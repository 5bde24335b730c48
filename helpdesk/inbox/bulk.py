"""Bulk actions over selected tickets: each ticket goes through the same service as on its
own page, and one ticket's refusal (an open clock on resolve) does not stop the others."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpdesk.sla.actions import ticket_clock_end, ticket_resolve
from helpdesk.tickets.actions import ActionError, ticket_assign
from helpdesk.tickets.models import Ticket

BULK_ACTIONS = {
    "assign": gettext_lazy("Assigned"),
    "no_response_required": gettext_lazy("No response required"),
    "resolve": gettext_lazy("Resolved"),
}


@dataclass
class BulkResult:
    done: int = 0
    problems: list[str] = field(default_factory=list)


def bulk_run(
    *, action: str, tickets: list[Ticket], actor: AbstractBaseUser, assignee_id: str = ""
) -> BulkResult:
    result = BulkResult()
    assignee = None
    if action == "assign" and assignee_id and assignee_id != "none":
        assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True).first() \
            if assignee_id.isdigit() else None
        if assignee is None:
            result.problems.append(_("Choose someone to assign the tickets to."))
            return result
    for ticket in tickets:
        try:
            # One savepoint per ticket: a refusal rolls back that ticket alone.
            with transaction.atomic():
                if action == "assign":
                    ticket_assign(ticket=ticket, assignee=assignee, actor=actor)
                elif action == "no_response_required":
                    ticket_clock_end(ticket=ticket, actor=actor, kind="no_response_required")
                else:
                    ticket_resolve(ticket=ticket, actor=actor)
            result.done += 1
        except ActionError as exc:
            result.problems.append(str(exc))
    return result

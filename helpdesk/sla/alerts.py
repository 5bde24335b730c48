"""At-risk and breach alerts: one mail per recipient per sweep, to the assignee and the
managers, sent by a job so that a slow mail server never holds the sweep. Each recipient
reads the due times in the zone their pages show (their profile, else the server's)."""

from collections import defaultdict
from datetime import datetime, tzinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, mailers

from helpdesk import jobs
from helpdesk.tickets.selectors import reader_zone

from .models import Obligation, Violation

MANAGER_GROUP = "manager"


def alerts_enqueue(*, at_risk_ids: list[int], violation_ids: list[int]) -> None:
    if at_risk_ids or violation_ids:
        jobs.enqueue(alerts_send_job, at_risk_ids, violation_ids, queue="mail")


def _line(ticket, what: str, due_at: datetime, zone: tzinfo) -> str:
    order = f" · order {ticket.order.order_id}" if ticket and ticket.order else ""
    subject = ticket.subject if ticket else "(ticket deleted)"
    number = f"#{ticket.pk}" if ticket else ""
    due = due_at.astimezone(zone)
    return f"- {what}, due {due:%Y-%m-%d %H:%M} {due.tzname()}: {number} {subject}{order}"


def alerts_send_job(at_risk_ids: list[int], violation_ids: list[int]) -> int:
    """Send the digests; returns how many mails went out."""
    managers = list(
        get_user_model().objects.filter(groups__name=MANAGER_GROUP, is_active=True)
        .exclude(email="")
    )
    zones: dict[str, tzinfo] = {}
    lines: dict[str, list[str]] = defaultdict(list)

    def tell(assignee, ticket, what: str, due_at: datetime) -> None:
        for user in _recipients(assignee, managers):
            if user.email not in zones:
                zones[user.email] = reader_zone(user=user)
            lines[user.email].append(_line(ticket, what, due_at, zones[user.email]))

    at_risk = Obligation.objects.filter(pk__in=at_risk_ids).select_related(
        "ticket__order", "ticket__assignee"
    )
    for obligation in at_risk:
        tell(obligation.ticket.assignee, obligation.ticket,
             f"At risk: {obligation.get_kind_display()}", obligation.due_at)
    breaches = Violation.objects.filter(pk__in=violation_ids).select_related(
        "ticket__order", "ticket__assignee"
    )
    for violation in breaches:
        assignee = violation.ticket.assignee if violation.ticket else None
        tell(assignee, violation.ticket, f"MISSED: {violation.get_kind_display()}",
             violation.due_at)
    connection = mailers.default
    messages = [
        EmailMessage(
            subject=f"[Helpdesk] {len(items)} reply clock(s) need attention",
            body="These clocks need attention now:\n\n" + "\n".join(items) + "\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
        )
        for address, items in sorted(lines.items())
    ]
    return connection.send_messages(messages) or 0


def _recipients(assignee, managers: list) -> list:
    """The managers and the assignee, one user per address."""
    recipients = {user.email: user for user in managers}
    if assignee is not None and assignee.email:
        recipients.setdefault(assignee.email, assignee)
    return list(recipients.values())

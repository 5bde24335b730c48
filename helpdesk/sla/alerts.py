"""At-risk and breach alerts: one mail per recipient per sweep, to the assignee and the
managers, sent by a job so that a slow mail server never holds the sweep."""

from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, mailers

from helpdesk import jobs

from .models import Obligation, Violation

MANAGER_GROUP = "manager"


def alerts_enqueue(*, at_risk_ids: list[int], violation_ids: list[int]) -> None:
    if at_risk_ids or violation_ids:
        jobs.enqueue(alerts_send_job, at_risk_ids, violation_ids, queue="mail")


def _line(ticket, what: str, due_at) -> str:
    order = f" · order {ticket.order.order_id}" if ticket and ticket.order else ""
    subject = ticket.subject if ticket else "(ticket deleted)"
    number = f"#{ticket.pk}" if ticket else ""
    return f"- {what}, due {due_at:%Y-%m-%d %H:%M} UTC: {number} {subject}{order}"


def alerts_send_job(at_risk_ids: list[int], violation_ids: list[int]) -> int:
    """Send the digests; returns how many mails went out."""
    managers = list(
        get_user_model().objects.filter(groups__name=MANAGER_GROUP, is_active=True)
        .exclude(email="").values_list("email", flat=True)
    )
    lines: dict[str, list[str]] = defaultdict(list)
    at_risk = Obligation.objects.filter(pk__in=at_risk_ids).select_related(
        "ticket__order", "ticket__assignee"
    )
    for obligation in at_risk:
        line = _line(obligation.ticket, f"At risk: {obligation.get_kind_display()}",
                     obligation.due_at)
        for address in _recipients(obligation.ticket.assignee, managers):
            lines[address].append(line)
    breaches = Violation.objects.filter(pk__in=violation_ids).select_related(
        "ticket__order", "ticket__assignee"
    )
    for violation in breaches:
        line = _line(violation.ticket, f"MISSED: {violation.get_kind_display()}", violation.due_at)
        assignee = violation.ticket.assignee if violation.ticket else None
        for address in _recipients(assignee, managers):
            lines[address].append(line)
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


def _recipients(assignee, managers: list[str]) -> set[str]:
    recipients = set(managers)
    if assignee is not None and assignee.email:
        recipients.add(assignee.email)
    return recipients

"""The complaint category box of the ticket side panel (two small queries)."""

from django import template

from helpdesk.complaints.models import ComplaintCategory, TicketComplaint
from helpdesk.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("complaints/_ticket_category.html", takes_context=True)
def complaint_box(context: template.Context, ticket: Ticket) -> dict:
    current = TicketComplaint.objects.filter(ticket=ticket).select_related("category").first()
    return {
        "ticket": ticket,
        "current": current,
        "categories": list(ComplaintCategory.objects.all()),
        "csrf_token": context.get("csrf_token"),
    }

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpdesk.csp import inbox_csp
from helpdesk.tickets.selectors import tickets_visible

from .models import ComplaintCategory
from .services import complaint_correct


@require_POST
@inbox_csp
def ticket_category_set(request: HttpRequest, pk: int) -> HttpResponse:
    # The ticket through the agent's queues first: another queue's ticket is a 404.
    ticket = get_object_or_404(tickets_visible(user=request.user), pk=pk)
    category = get_object_or_404(ComplaintCategory, code=request.POST.get("category", ""))
    complaint_correct(ticket=ticket, category=category, agent=request.user)
    messages.success(request, _("Complaint category set to %(name)s.") % {"name": category.name})
    return redirect("inbox:ticket", pk=ticket.pk)

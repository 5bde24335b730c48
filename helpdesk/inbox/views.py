from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from helpdesk.tickets.selectors import ticket_list, ticket_messages

PAGE_SIZE = 50


def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(ticket_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inbox/list.html", {"page": page})


def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(ticket_list(), pk=pk)
    return render(
        request,
        "inbox/ticket.html",
        {"ticket": ticket, "messages": ticket_messages(ticket=ticket),
         "timeline": ticket.timeline.select_related("actor")},
    )

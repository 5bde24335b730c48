"""The ticket page, the actions on it, presence, and attachment downloads. Every view
fetches the ticket through the agent's queues first: another queue's ticket is a 404."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.csp import inbox_csp
from helpdesk.mail.raw_store import blob_get
from helpdesk.replies.models import Outbox
from helpdesk.sla import actions as clock_actions
from helpdesk.sla.selectors import ticket_list
from helpdesk.tickets import actions
from helpdesk.tickets.models import Attachment, Ticket

from . import threads
from .forms import TicketActionForm
from .page import presence_others, thread_version, ticket_page_context

# Served with their own type; anything else is a download of bytes, never rendered.
SAFE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
              "text/plain", "text/csv"}


def ticket_get(request: HttpRequest, pk: int) -> Ticket:
    return get_object_or_404(ticket_list(user=request.user), pk=pk)


@require_GET
@inbox_csp
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    ticket = ticket_get(request, pk)
    actions.ticket_mark_read(ticket=ticket, user=request.user, now=now)
    actions.presence_touch(ticket=ticket, user=request.user, composing=False, now=now)
    context = ticket_page_context(ticket=ticket, user=request.user, now=now)
    return render(request, "inbox/ticket.html", context)


@require_POST
@inbox_csp
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ticket = ticket_get(request, pk)
    user, post = request.user, request.POST
    form = TicketActionForm(post)
    if not form.is_valid():
        for problem in form.problems():
            messages.error(request, problem)
        return redirect("inbox:ticket", pk=ticket.pk)
    ids = form.cleaned_data
    try:
        match action:
            case "claim":
                actions.ticket_claim(ticket=ticket, actor=user)
            case "assign":
                assignee = None
                if ids["assignee"] not in ("", "none"):
                    assignee = get_object_or_404(
                        get_user_model(), pk=ids["assignee"], is_active=True
                    )
                actions.ticket_assign(ticket=ticket, assignee=assignee, actor=user)
            case "resolve":
                clock_actions.ticket_resolve(ticket=ticket, actor=user)
                messages.success(request, _("Ticket #%(id)s resolved.") % {"id": ticket.pk})
            case "reopen":
                actions.ticket_reopen(ticket=ticket, actor=user)
            case "note":
                actions.ticket_note_add(ticket=ticket, actor=user, text=post.get("text", ""))
            case "clock":
                clock_actions.ticket_clock_end(
                    ticket=ticket, actor=user, kind=post.get("kind", "no_response_required"),
                    note=post.get("note", ""),
                )
                messages.success(request, _("Clock stopped."))
            case "escalate":
                actions.ticket_escalate(ticket=ticket, actor=user,
                                        case_id=post.get("case_id", ""),
                                        note=post.get("note", ""))
            case "follow_up_done":
                escalation = get_object_or_404(ticket.escalations, pk=ids["escalation"])
                actions.escalation_close(escalation=escalation, actor=user)
            case "merge":
                survivor = threads.ticket_merge_by_agent(
                    ticket=ticket, other=post.get("other", ""), reason=post.get("reason", ""),
                    user=user,
                )
                messages.success(request, _("Tickets merged into #%(id)s.") % {"id": survivor.pk})
                return redirect("inbox:ticket", pk=survivor.pk)
            case "split":
                new = threads.message_split_by_agent(
                    ticket=ticket, message_id=post.get("message", ""),
                    reason=post.get("reason", ""), user=user,
                )
                messages.success(request, _("Message moved to the new ticket #%(id)s.")
                                 % {"id": new.pk})
            case _:
                raise Http404
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    back = post.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)  # e.g. a keyboard action taken from the inbox list
    return redirect("inbox:ticket", pk=ticket.pk)


@require_POST
@inbox_csp
def presence(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled every few seconds by the page: says this agent is here (and typing or not),
    answers who else is, and whether the thread moved on since the page was drawn."""
    now = timezone.now()
    ticket = ticket_get(request, pk)
    actions.presence_touch(ticket=ticket, user=request.user,
                           composing=request.POST.get("composing") == "1", now=now)
    newest = thread_version(
        list(ticket.messages.order_by("-pk")[:1]), list(Outbox.objects.filter(
            ticket=ticket).order_by("-pk")[:1]),
    )
    return render(request, "inbox/_presence.html", {
        "others": presence_others(ticket=ticket, user=request.user, now=now),
        "moved_on": newest != request.POST.get("seen", newest),
        "ticket": ticket,
    })


@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    ticket = ticket_get(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, message__ticket=ticket)
    try:
        data = blob_get(attachment.sha256)
    except FileNotFoundError as exc:
        raise Http404(_("The attachment's bytes are missing from the store.")) from exc
    declared = attachment.content_type.split(";")[0].strip().lower()
    response = HttpResponse(
        data, content_type=declared if declared in SAFE_TYPES else "application/octet-stream"
    )
    # Always a download, never shown in the page's origin; and if a browser did render it,
    # the sandbox policy keeps any script in it from running.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=attachment.filename or "attachment"
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response

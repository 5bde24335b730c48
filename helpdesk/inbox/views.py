"""The inbox list, its htmx refresh, and bulk actions."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from helpdesk.csp import inbox_csp
from helpdesk.marketplaces.models import Channel
from helpdesk.tickets.selectors import tickets_visible, user_scope, users_assignable

from .bulk import BULK_ACTIONS, bulk_run
from .filters import UNASSIGNED, VIEWS, InboxQuery, list_plan
from .forms import BulkForm, InboxQueryForm
from .listing import Facets, inbox_counts, inbox_page

POLL_SECONDS = 30  # how often the list refreshes itself; settings.INBOX_POLL_SECONDS wins


@require_GET
@inbox_csp
def inbox(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = InboxQueryForm(request.GET, user=request.user)
    query = form.query()
    plan = list_plan(query=query, user=request.user, now=now)
    full_page = not (request.htmx and request.htmx.target == "inbox-results")
    counts = inbox_counts(plan=plan, user=request.user, now=now, facets_too=full_page)
    page = inbox_page(
        plan=plan, user=request.user, number=query.page, now=now,
        total=counts.numbers.get(query.view, 0), capped=query.view in counts.capped,
    )
    selected = set(form.cleaned_data.get("selected") or ())
    cursor = form.cleaned_data.get("cursor")
    for ticket in page.rows:  # read by the row template, cheaper than template lookups
        ticket.is_selected = ticket.pk in selected
        ticket.is_cursor = ticket.pk == cursor
    context = {
        "query": query,
        "problems": form.problems(),
        "page": page,
        "views": [
            {"key": key, "label": label, "count": counts.label(key),
             "hot": bool(counts.numbers.get(key)),
             "url": "?" + query.querystring(view=key), "active": key == query.view}
            for key, label in VIEWS
        ],
        "cursor": cursor or "",
        "ticket_base": reverse("inbox:list") + "tickets/",
        "poll_seconds": getattr(settings, "INBOX_POLL_SECONDS", POLL_SECONDS),
        "page_urls": {
            "previous": "?" + query.querystring(page=query.page - 1) if page.has_previous else "",
            "next": "?" + query.querystring(page=query.page + 1) if page.has_next else "",
        },
        "search_capped": plan.search_capped,
        "now": now,
    }
    if not full_page:
        # The poll: rows and counts only, with the agent's selection carried back in.
        return render(request, "inbox/_results.html", context)
    context.update(_facet_options(request.user, counts.facets, query))
    return render(request, "inbox/list.html", context)


def _facet_options(user: AbstractBaseUser, facets: Facets, query: InboxQuery) -> dict:
    # Counted over the open tickets (and the search), whatever channel, language or
    # assignee is picked, so the other choices keep their numbers.
    scope = user_scope(user)
    channels = Channel.objects.order_by("name")
    if not scope.everything:
        channels = channels.filter(pk__in={c for chs, _kinds in scope.rules for c in chs})
    languages = sorted(set(facets.languages) | ({query.language} if query.language else set()))
    people = list(users_assignable())
    return {
        "channel_options": [(c.pk, c.name, facets.channels.get(c.pk, 0)) for c in channels],
        "language_options": [(code, facets.languages.get(code, 0)) for code in languages if code],
        "assignee_options": [
            (u.pk, u.get_full_name().strip() or u.get_username(), facets.assignees.get(u.pk, 0))
            for u in people
        ],
        "unassigned_key": UNASSIGNED,
        "unassigned_count": facets.assignees.get(None, 0),
        "assignable": people,
    }


@require_POST
@inbox_csp
def bulk(request: HttpRequest) -> HttpResponse:
    """Assign, mark "no response required" (after a confirmation page), or resolve the
    selected tickets; tickets outside the agent's queues are not touched."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    back = back or "/inbox/"
    form = BulkForm(request.POST)
    if not form.is_valid():
        for problem in form.problems():
            messages.error(request, problem)
        return redirect(back)
    action = form.cleaned_data["action"]
    tickets = list(tickets_visible(user=request.user)
                   .filter(pk__in=form.cleaned_data["selected"]).order_by("pk"))
    if not tickets:
        messages.error(request, _("Select at least one ticket and an action."))
        return redirect(back)
    if action == "no_response_required" and form.cleaned_data["confirm"] != "yes":
        return render(request, "inbox/bulk_confirm.html", {
            "tickets": tickets, "action": action, "next": back,
        })
    result = bulk_run(action=action, tickets=tickets, actor=request.user,
                      assignee_id=form.cleaned_data["assignee"])
    if result.done:
        messages.success(request, ngettext(
            "%(label)s: %(n)d ticket.", "%(label)s: %(n)d tickets.", result.done
        ) % {"label": BULK_ACTIONS[action], "n": result.done})
    for problem in result.problems:
        messages.warning(request, problem)
    return redirect(back)

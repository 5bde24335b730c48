"""Amazon's figures beside ours (managers and admins, like every report) and the "mark in
Seller Central too" list (every helpdesk user, for the tickets of their queues: agents do
the marking)."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from helpdesk.accounts.roles import is_helpdesk_user
from helpdesk.csp import inbox_csp
from helpdesk.db import row_id
from helpdesk.marketplaces.models import Channel
from helpdesk.reports.csv_cells import csv_cell, csv_download
from helpdesk.reports.views import manager_only
from helpdesk.tickets.selectors import tickets_visible

from . import health, reconcile, seller_central, tables
from .marketplaces import MARKETPLACE_CHANNELS
from .models import PerformanceImport
from .thresholds import NEARING_SHARE


def _channel_code(request: HttpRequest) -> str:
    code = request.GET.get("channel", "")
    return code if code in MARKETPLACE_CHANNELS.values() else ""


def _source(request: HttpRequest) -> PerformanceImport | None:
    wanted = request.GET.get("report", "")
    if wanted:
        if (number := row_id(wanted)) is None:
            raise Http404
        return get_object_or_404(PerformanceImport, pk=number)
    return reconcile.import_latest()


def _reconciled(request: HttpRequest) -> tuple[PerformanceImport | None, str, list]:
    source, code = _source(request), _channel_code(request)
    rows = reconcile.reconciliation(source=source, channel_code=code, now=timezone.now()) \
        if source else []
    return source, code, rows


def _channels():
    return Channel.objects.filter(code__in=MARKETPLACE_CHANNELS.values()).order_by("name")


@require_GET
@inbox_csp
@manager_only
def amazon_page(request: HttpRequest) -> HttpResponse:
    source, code, rows = _reconciled(request)
    return render(request, "performance/amazon.html", {
        "source": source,
        "imports": PerformanceImport.objects.filter(contact_figures__isnull=False).distinct()
        .order_by("-report_date", "-pk")[:50],
        "channels": _channels(),
        "channel_code": code,
        "rows": rows,
        "figures": [(name, tables.FIGURE_HEADERS[name]) for name in reconcile.FIGURES],
        "nrr_unmarked": sum(r.explained("nrr_unmarked") for r in rows),
    })


@require_GET
@manager_only
def amazon_csv(request: HttpRequest) -> HttpResponse:
    source, code, rows = _reconciled(request)
    if source is None:
        raise Http404
    name = f"amazon-reconciliation-{source.report_date:%Y-%m-%d}{'-' + code if code else ''}.csv"
    response = csv_download(filename=name)
    reconciliation_csv(response, rows)
    return response


def reconciliation_csv(out, rows: list) -> None:
    writer = csv.writer(out)
    writer.writerow([header for _key, header in tables.COLUMNS])
    for row in tables.reconciliation_rows(rows):
        writer.writerow([csv_cell(row.get(key)) for key, _header in tables.COLUMNS])


@require_GET
@inbox_csp
@manager_only
def health_page(request: HttpRequest) -> HttpResponse:
    code = _channel_code(request)
    return render(request, "performance/health.html", {
        "marketplaces": health.account_health(channel_code=code),
        "channels": _channels(),
        "channel_code": code,
        "nearing_share": NEARING_SHARE,
    })


def _helpdesk_only(request: HttpRequest) -> None:
    if not is_helpdesk_user(request.user):
        raise PermissionDenied


@require_GET
@inbox_csp
def seller_central_list(request: HttpRequest) -> HttpResponse:
    _helpdesk_only(request)
    page = Paginator(seller_central.nrr_unmarked(user=request.user), 100).get_page(
        request.GET.get("page")
    )
    return render(request, "performance/seller_central.html", {"page": page})


@require_POST
def seller_central_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick every "No response required" of the ticket still unmarked."""
    _helpdesk_only(request)
    ticket = get_object_or_404(tickets_visible(user=request.user), pk=pk)
    ticked = seller_central.ticket_nrr_mark_in_seller_central(ticket=ticket, user=request.user)
    if ticked:
        messages.success(request, f'Ticket #{ticket.pk}: "No response required" marked in '
                                  "Seller Central.")
    else:
        messages.info(request, f"Ticket #{ticket.pk}: nothing left to mark.")
    if request.POST.get("back") == "ticket":
        return redirect("inbox:ticket", pk=ticket.pk)
    return redirect("seller_central:list")

"""The managers' reports: the page, the violations list and a CSV file of every table.
Each is a few lines over ``tables``/``selectors``; only managers and admins get in."""

import csv
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from helpdesk.accounts.roles import sees_all_queues
from helpdesk.csp import inbox_csp
from helpdesk.marketplaces.models import Channel
from helpdesk.sla.models import ObligationKind
from helpdesk.sla.report import report_reads
from helpdesk.tickets.selectors import users_assignable

from . import selectors
from .chart import day_chart
from .csv_cells import csv_cell, csv_download
from .forms import ReportFilterForm, filters_query
from .period import PRESET_LABELS
from .tables import CASES_SHOWN, ODR_ORDERS_SHOWN, TABLES, Filters, case_rows, odr_order_rows


def manager_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not sees_all_queues(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def filters_from(request: HttpRequest, *, with_agents: bool = False) -> ReportFilterForm:
    return ReportFilterForm(
        request.GET, zone=timezone.get_current_timezone(), now=timezone.now(),
        with_agents=with_agents,
    )


def _picker(form: ReportFilterForm, f: Filters) -> dict:
    return {
        "form": form,
        "problems": form.problems(),
        "filters": f,
        "presets": PRESET_LABELS,
        "channels": Channel.objects.order_by("name"),
        "query": filters_query(f),
    }


@require_GET
@inbox_csp
@manager_only
def report_page(request: HttpRequest) -> HttpResponse:
    form = filters_from(request)
    f = form.filters()
    with report_reads():
        tables = {
            name: TABLES[name][1](f)
            for name in ("overview", "channels", "agents", "days", "complaints")
        }
        tables["cases"] = case_rows(f, limit=CASES_SHOWN)
        odr = selectors.order_defect_rate(now=f.now, channel_code=f.channel_code)
        odr_orders = odr_order_rows(f, limit=ODR_ORDERS_SHOWN)
    labels = dict(ObligationKind.choices)
    for row in tables["overview"]:
        row["label"] = labels[row["kind"]]
    for name, key in (("channels", "channel"), ("agents", "agent")):
        for row in tables[name]:
            row["label"] = row[key]
    for row in tables["cases"]:
        row["kind"] = labels[row["kind"]]
    overview = {row["kind"]: row for row in tables["overview"]}
    return render(
        request,
        "reports/page.html",
        {
            **_picker(form, f),
            **tables,
            "buyer": overview[ObligationKind.BUYER_REPLY],
            "case_rows": [overview[k] for k in selectors.CASE_KINDS],
            "chart": day_chart(tables["days"], target=selectors.TARGET),
            "target": selectors.TARGET,
            "odr": odr,
            "odr_limit": selectors.ODR_LIMIT,
            "odr_orders": odr_orders,
        },
    )


@require_GET
@inbox_csp
@manager_only
def violations_page(request: HttpRequest) -> HttpResponse:
    form = filters_from(request, with_agents=True)
    f = form.filters()
    page = Paginator(
        selectors.violations_list(
            period=f.period, channel_code=f.channel_code, kind=f.kind, agent_id=f.agent_id
        ),
        100,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/violations.html",
        {
            **_picker(form, f),
            "page": page,
            "kinds": ObligationKind.choices,
            "agents": users_assignable(),
        },
    )


@require_GET
@manager_only
def report_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in TABLES:
        raise Http404
    form = filters_from(request, with_agents=True)
    f = form.filters()
    if form.errors:
        # A file of other figures than asked for would be read as the answer: refuse it.
        return HttpResponseBadRequest("\n".join(form.problems()),
                                      content_type="text/plain; charset=utf-8")
    columns, rows = TABLES[table]
    suffix = f"-{f.channel_code}" if f.channel_code else ""
    name = f"{table}-{f.period.first_day}-{f.period.last_day}{suffix}.csv"
    response = csv_download(filename=name)
    writer = csv.writer(response)
    writer.writerow([header for _key, header in columns])
    with report_reads():
        found = rows(f)
    for row in found:
        writer.writerow([csv_cell(row.get(key)) for key, _header in columns])
    return response

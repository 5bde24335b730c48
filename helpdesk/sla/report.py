"""Response-time figures for a period: one function behind the command, the page and CSV.

Counts obligations whose start lies in [since, until), judged as of ``now``. The window is
read once whatever the number of kinds on PostgreSQL (one query grouped by kind, the median
and p90 as ordered-set aggregates), twice elsewhere (the counts grouped by kind, then one
window-function query for the ranks of every kind)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Aggregate, Avg, Count, F, IntegerField, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from .models import Obligation, ObligationKind, ObligationState

KINDS = [k.value for k in ObligationKind]


_REPORT_READS: ContextVar[bool] = ContextVar("report_reads", default=False)


@contextmanager
def report_reads() -> Iterator[None]:
    """Settings for the few large reads of a report, on PostgreSQL and for this transaction
    only: no JIT (compiling these queries took longer than running them, up to 2 s) and
    enough sort memory to rank a period's clocks without spilling to disk. Nested uses (the
    page around ``sla_report``) set nothing again."""
    if connection.vendor != "postgresql" or _REPORT_READS.get():
        yield
        return
    token = _REPORT_READS.set(True)
    try:
        with transaction.atomic(savepoint=False):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)"
                )
            yield
    finally:
        _REPORT_READS.reset(token)


def _nearest_rank(count, share: int):
    """ceil(share % × count) with integer arithmetic, the same in SQL and in Python."""
    return (count * share + 99) / 100


def percentiles_by(qs: QuerySet, group: str) -> dict:
    """{group value: (median, p90)} of response_seconds, nearest rank: one query numbering
    each group's answered clocks by response time and keeping only the two ranks wanted."""
    ranked = (
        qs.filter(response_seconds__isnull=False)
        .annotate(
            rn=Window(RowNumber(), partition_by=[F(group)], order_by=F("response_seconds").asc()),
            n=Window(Count("pk"), partition_by=[F(group)]),
        )
        .filter(Q(rn=_nearest_rank(F("n"), 50)) | Q(rn=_nearest_rank(F("n"), 90)))
        .order_by()  # the model's ordering would sort every ranked row before the filter
    )
    found: dict = {}
    for key, rn, n, seconds in ranked.values_list(group, "rn", "n", "response_seconds"):
        median, p90 = found.get(key, (None, None))
        if rn == (n * 50 + 99) // 100:
            median = seconds
        if rn == (n * 90 + 99) // 100:
            p90 = seconds
        found[key] = (median, p90)
    return found


class PercentileDisc(Aggregate):
    """PostgreSQL's ``percentile_disc``: the value of rank ceil(share × n) among the non-null
    values, the nearest rank that ``percentiles_by`` keeps (its float product cannot round
    past an integer for any count, so the ranks agree). An aggregate, so the median and p90
    come from the same grouped pass as the counts."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(%(share)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: str, share: float, **extra) -> None:
        super().__init__(expression, output_field=IntegerField(), **extra)
        self.share = share

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, share=repr(float(self.share)), **extra_context)


# "No response required" marked after the deadline keeps its breach: the figures count it
# late, as the violations list does, or marking an overdue message would lift the on-time
# share (docs/DECISIONS.md, "Reports").
LATE_NO_RESPONSE_REQUIRED = Q(state=ObligationState.NO_RESPONSE_REQUIRED, breached=True)


def figure_aggregates(now: datetime) -> dict:
    """The counts behind every figure, as aggregates: the same for one kind, a channel, an
    agent or a day (``reports`` groups by these)."""
    return {
        "obligations": Count("pk"),
        "answered_on_time": Count("pk", filter=Q(state=ObligationState.MET)),
        "answered_late": Count(
            "pk", filter=Q(state=ObligationState.MET_LATE) | LATE_NO_RESPONSE_REQUIRED
        ),
        "no_response_required": Count(
            "pk", filter=Q(state=ObligationState.NO_RESPONSE_REQUIRED, breached=False)
        ),
        "unanswered_overdue": Count("pk", filter=Q(is_open=True, due_at__lt=now)),
        "pending": Count("pk", filter=Q(is_open=True, due_at__gte=now)),
        "mean_response_s": Avg("response_seconds"),
    }


def figures_empty(now: datetime) -> dict:
    """What the aggregates give for a group without clocks."""
    return {key: 0 for key in figure_aggregates(now)} | {"mean_response_s": None}


def figures_finish(totals: dict, *, median: int | None, p90: int | None) -> dict:
    """The aggregates' counts plus the rate and response times, rounded for people."""
    totals = dict(totals)
    judged = totals["answered_on_time"] + totals["answered_late"] + totals["unanswered_overdue"]
    mean = totals.pop("mean_response_s")
    return {
        **totals,
        "on_time_rate": round(totals["answered_on_time"] / judged, 4) if judged else None,
        "median_response_s": median,
        "p90_response_s": p90,
        "mean_response_s": round(mean) if mean is not None else None,
    }


def figures_by(qs: QuerySet, group: str, *, now: datetime) -> dict:
    """{group value: figures} for the groups that have clocks: one grouped read of ``qs`` on
    PostgreSQL (percentiles as ordered-set aggregates), two elsewhere (counts, then ranks)."""
    aggregates = figure_aggregates(now)
    postgres = connection.vendor == "postgresql"
    if postgres:
        aggregates["median"] = PercentileDisc("response_seconds", 0.5)
        aggregates["p90"] = PercentileDisc("response_seconds", 0.9)
    percentiles = {} if postgres else percentiles_by(qs, group)
    found = {}
    for totals in qs.values(group).annotate(**aggregates).order_by():
        key = totals.pop(group)
        if postgres:
            median, p90 = totals.pop("median"), totals.pop("p90")
        else:
            median, p90 = percentiles.get(key, (None, None))
        found[key] = figures_finish(totals, median=median, p90=p90)
    return found


def sla_report(
    *, since: datetime, until: datetime, now: datetime, channel_code: str | None = None
) -> dict[str, dict]:
    base = Obligation.objects.started_between(since, until)
    if channel_code:
        base = base.filter(channel__code=channel_code)
    with report_reads():
        found = figures_by(base, "kind", now=now)
    empty = figures_finish(figures_empty(now), median=None, p90=None)
    return {kind: found.get(kind, empty) for kind in KINDS}

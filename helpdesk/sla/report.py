"""Response-time figures for a period: one function behind the command, the page and CSV.

Counts obligations whose start lies in [since, until), judged as of ``now``."""

from datetime import datetime

from django.db.models import Avg, Count, Q, QuerySet

from .models import Obligation, ObligationKind, ObligationState

KINDS = [k.value for k in ObligationKind]


def _percentile(answered: QuerySet, count: int, share: float) -> int | None:
    """Nearest-rank percentile of response_seconds, computed by the database (ORDER BY …
    OFFSET), so it works the same on SQLite and PostgreSQL without loading the rows."""
    if count == 0:
        return None
    rank = max(1, -(-int(share * 100 * count) // 100))  # ceil(share × count)
    return answered.order_by("response_seconds").values_list("response_seconds", flat=True)[
        rank - 1
    ]


def kind_figures(obligations: QuerySet, *, now: datetime) -> dict:
    totals = obligations.aggregate(
        obligations=Count("pk"),
        answered_on_time=Count("pk", filter=Q(state=ObligationState.MET)),
        answered_late=Count("pk", filter=Q(state=ObligationState.MET_LATE)),
        no_response_required=Count("pk", filter=Q(state=ObligationState.NO_RESPONSE_REQUIRED)),
        unanswered_overdue=Count("pk", filter=Q(is_open=True, due_at__lt=now)),
        pending=Count("pk", filter=Q(is_open=True, due_at__gte=now)),
        mean_response_s=Avg("response_seconds"),
    )
    judged = totals["answered_on_time"] + totals["answered_late"] + totals["unanswered_overdue"]
    answered = obligations.filter(response_seconds__isnull=False)
    answered_count = totals["answered_on_time"] + totals["answered_late"]
    mean = totals.pop("mean_response_s")
    return {
        **totals,
        "on_time_rate": round(totals["answered_on_time"] / judged, 4) if judged else None,
        "median_response_s": _percentile(answered, answered_count, 0.5),
        "p90_response_s": _percentile(answered, answered_count, 0.9),
        "mean_response_s": round(mean) if mean is not None else None,
    }


def sla_report(
    *, since: datetime, until: datetime, now: datetime, channel_code: str | None = None
) -> dict[str, dict]:
    base = Obligation.objects.started_between(since, until)
    if channel_code:
        base = base.filter(channel__code=channel_code)
    return {kind: kind_figures(base.filter(kind=kind), now=now) for kind in KINDS}

"""Open clocks right now: counts by kind and state, the most overdue, the heartbeat."""

from datetime import datetime

from django.db.models import Count, Q

from .models import Obligation
from .report import KINDS
from .sweep import heartbeat_age, heartbeat_stale


def sla_status(*, now: datetime, most_overdue: int = 10) -> dict:
    open_ = Obligation.objects.open()
    rows = open_.values("kind").annotate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        at_risk=Count("pk", filter=Q(due_at__gte=now, at_risk_at__lt=now)),
        pending=Count("pk", filter=Q(at_risk_at__gte=now)),
        claim_risk=Count("pk", filter=Q(claim_risk_at__lte=now)),
    )
    by_kind = {kind: {"overdue": 0, "at_risk": 0, "pending": 0, "claim_risk": 0} for kind in KINDS}
    for row in rows:
        by_kind[row.pop("kind")] = row
    worst = open_.overdue(now).select_related("ticket").order_by("due_at")[:most_overdue]
    age = heartbeat_age(now=now)
    return {
        "open": by_kind,
        "most_overdue": [
            {
                "ticket": o.ticket_id, "kind": o.kind, "subject": o.ticket.subject,
                "due_at": o.due_at.isoformat(),
                "overdue_by_s": int((now - o.due_at).total_seconds()),
            }
            for o in worst
        ],
        "heartbeat": {
            "age_s": None if age is None else int(age.total_seconds()),
            "stale": heartbeat_stale(now=now),
        },
    }

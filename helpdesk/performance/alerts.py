"""Mail the managers when an imported figure crosses its limit or moves towards it, through
the job queue like the clock alerts (``sla.alerts``). Each (marketplace, metric, window,
level) alerts once, so importing a report again, or another file with the same windows,
sends nothing new."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, mailers
from django.db.models import Q
from django.utils import timezone

from helpdesk import jobs
from helpdesk.accounts.roles import MANAGER

from .models import HealthAlert, HealthFigure, Metric
from .thresholds import THRESHOLDS


def _previous(figure: HealthFigure) -> HealthFigure | None:
    """The same marketplace's same metric in the latest earlier window, from any import."""
    return (
        HealthFigure.objects.filter(
            marketplace_id=figure.marketplace_id, metric=figure.metric,
            window_until__lt=figure.window_until, value__isnull=False,
        ).order_by("-window_until", "-source_id").first()
    )


def alert_level(figure: HealthFigure) -> str | None:
    """"crossed", "nearing" or None (docs/DECISIONS.md, "Health alerts")."""
    threshold = THRESHOLDS.get(figure.metric)
    if threshold is None or figure.value is None:
        return None
    if threshold.crossed(figure.value):
        return "crossed"
    if threshold.near(figure.value):
        previous = _previous(figure)
        if previous is not None and threshold.worse(figure.value, previous.value):
            return "nearing"
    return None


def health_alerts_record(*, figures: list[HealthFigure], now: datetime) -> int:
    """Record the alerts these freshly stored figures call for and enqueue their mail."""
    fresh = []
    for figure in figures:
        level = alert_level(figure)
        if level is None:
            continue
        if HealthAlert.objects.filter(
            marketplace_id=figure.marketplace_id, metric=figure.metric,
            window_until=figure.window_until, level=level,
        ).exists():
            continue
        fresh.append(HealthAlert.objects.create(
            marketplace_id=figure.marketplace_id, metric=figure.metric,
            window_until=figure.window_until, level=level, figure=figure, created_at=now,
        ))
    if fresh:
        jobs.enqueue(health_alerts_send_job, [a.pk for a in fresh], queue="mail")
    return len(fresh)


def _value(metric: str, value: float) -> str:
    return f"{value:.0f}" if metric == Metric.ACCOUNT_HEALTH else f"{value:.2%}"


def alert_line(alert: HealthAlert) -> str:
    figure = alert.figure
    threshold = THRESHOLDS[figure.metric]
    where = figure.channel.name if figure.channel else figure.marketplace_id
    what = "CROSSED its limit" if alert.level == "crossed" else "is moving towards its limit"
    return (
        f"- {where}: {figure.get_metric_display()} {_value(figure.metric, figure.value)} "
        f"{what} ({threshold.rule}), window {figure.window_from:%Y-%m-%d} to "
        f"{figure.window_to:%Y-%m-%d} UTC"
    )


def health_alerts_send_job(alert_ids: list[int]) -> int:
    """Send one mail per manager with every alert not sent yet; returns mails sent. An
    alert is marked sent before the mail goes: a retried job never sends it twice."""
    now = timezone.now()
    due = list(HealthAlert.objects.filter(pk__in=alert_ids, sent_at=None)
               .select_related("figure__channel").order_by("pk"))
    claimed = HealthAlert.objects.filter(Q(pk__in=[a.pk for a in due]), sent_at=None).update(
        sent_at=now
    )
    if not claimed:
        return 0
    managers = sorted(
        get_user_model().objects.filter(groups__name=MANAGER, is_active=True)
        .exclude(email="").values_list("email", flat=True).distinct()
    )
    body = (
        "Amazon's latest performance report has figures that need attention:\n\n"
        + "\n".join(alert_line(a) for a in due)
        + "\n\nThe account health page under Reports shows each figure, its trend and the "
        "orders behind it.\n"
    )
    messages = [
        EmailMessage(
            subject=f"[Helpdesk] Account health: {len(due)} figure(s) need attention",
            body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
        )
        for address in managers
    ]
    return (mailers.default.send_messages(messages) or 0) if messages else 0

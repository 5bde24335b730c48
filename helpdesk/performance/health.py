"""The account health page's figures: per marketplace, each metric Amazon reported, judged
against ``thresholds``, with ours where the product can compute it (the order defect rate,
``reports.selectors``), the trend over the imported snapshots and the orders behind it."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from helpdesk.reports.chart import BOTTOM, HEIGHT, LEFT, TOP, WIDTH, Bar, Chart
from helpdesk.reports.selectors import OrderDefectRate, defective_orders, order_defect_rate

from .models import HealthFigure, Metric
from .thresholds import THRESHOLDS, Threshold

ORDERS_SHOWN = 50


@dataclass
class MetricHealth:
    metric: str
    label: str
    latest: HealthFigure
    threshold: Threshold | None
    judgement: str  # ok, near, crossed, critical, unknown ("no limit" when there is none)
    trend: list[HealthFigure]
    chart: Chart | None
    ours: OrderDefectRate | None = None
    orders: list = field(default_factory=list)


@dataclass
class MarketplaceHealth:
    marketplace_id: str
    name: str
    channel_code: str
    metrics: list[MetricHealth]


def _trend(figures: list[HealthFigure]) -> list[HealthFigure]:
    """One point per window end, the latest import's figure when several gave it."""
    by_end: dict = {}
    for figure in sorted(figures, key=lambda f: (f.window_until, f.source.report_date,
                                                 f.source_id)):
        by_end[figure.window_until] = figure
    return [by_end[end] for end in sorted(by_end)]


def trend_chart(points: list[HealthFigure], threshold: Threshold | None) -> Chart | None:
    values = [p.value for p in points if p.value is not None]
    if not values:
        return None
    percent = points[0].metric != Metric.ACCOUNT_HEALTH
    top = max([*values, threshold.limit * 1.5 if threshold else 0]) or 1
    plot_h = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT) / max(len(points), 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - value / top), 1)

    def shown(value: float, places: int = 2) -> str:
        return f"{value:.{places}%}" if percent else f"{value:.0f}"

    bars = []
    for n, point in enumerate(points):
        if point.value is None:
            continue
        day = f"{point.window_to:%Y-%m-%d}"  # Amazon's last day of the window, UTC
        bars.append(Bar(
            x=round(LEFT + n * step + step * 0.2, 1), y=y(point.value),
            width=round(step * 0.6, 1), height=round(TOP + plot_h - y(point.value), 1),
            label=f"window to {day}: {shown(point.value)}", day=day[5:], show_day=True,
            below_target=threshold is not None and threshold.crossed(point.value),
        ))
    limit = threshold.limit if threshold else None
    return Chart(
        width=WIDTH, height=HEIGHT, bars=bars,
        target_y=y(limit) if limit is not None else TOP + plot_h,
        target_label=f"limit {shown(limit)}" if limit is not None else "",
        grid=[(y(v), shown(v, 1)) for v in (0, top / 2, top)], axis_y=TOP + plot_h,
    )


def account_health(*, channel_code: str = "") -> list[MarketplaceHealth]:
    figures: QuerySet = HealthFigure.objects.select_related("channel", "source")
    if channel_code:
        figures = figures.filter(channel__code=channel_code)
    grouped: dict[str, dict[str, list[HealthFigure]]] = {}
    for figure in figures:
        grouped.setdefault(figure.marketplace_id, {}).setdefault(figure.metric, []).append(figure)
    order = list(Metric.values)
    result = []
    for marketplace_id, metrics in grouped.items():
        rows = []
        for metric in sorted(metrics, key=order.index):
            trend = _trend(metrics[metric])
            latest = trend[-1]
            threshold = THRESHOLDS.get(metric)
            row = MetricHealth(
                metric=metric, label=Metric(metric).label, latest=latest, threshold=threshold,
                judgement=threshold.judge(latest.value) if threshold else "no limit",
                trend=trend, chart=trend_chart(trend, threshold),
            )
            if metric == Metric.ODR_MFN and latest.channel is not None:
                # Ours over the same 60 days: the orders the product knows of (FBM).
                row.ours = order_defect_rate(now=latest.window_until,
                                             channel_code=latest.channel.code)
                row.orders = list(defective_orders(now=latest.window_until,
                                                   channel_code=latest.channel.code,
                                                   limit=ORDERS_SHOWN))
            rows.append(row)
        any_figure = rows[0].latest
        result.append(MarketplaceHealth(
            marketplace_id=marketplace_id,
            name=any_figure.channel.name if any_figure.channel else marketplace_id,
            channel_code=any_figure.channel.code if any_figure.channel else "",
            metrics=rows,
        ))
    return sorted(result, key=lambda m: m.name)

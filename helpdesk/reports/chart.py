"""The per-day chart as server-drawn SVG: readable without JavaScript, no library, and
within the pages' Content-Security-Policy (presentation attributes, no inline styles)."""

from dataclasses import dataclass

WIDTH, HEIGHT = 720, 200
LEFT, BOTTOM, TOP = 36, 22, 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the tooltip: day, share and counts
    day: str
    show_day: bool
    below_target: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    target_y: float
    target_label: str
    grid: list[tuple[float, str]]  # (y, "50 %")
    axis_y: float


def day_chart(rows: list[dict], *, target: float) -> Chart:
    """Bars of the on-time share per day (days with nothing judged stay empty), and the
    target as a line."""
    plot_h = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT) / max(len(rows), 1)
    every = max(1, len(rows) // 10)  # about ten day labels, whatever the period

    def y(share: float) -> float:
        return round(TOP + plot_h * (1 - share), 1)

    bars = []
    for n, row in enumerate(rows):
        rate = row["on_time_rate"]
        day = row["day"].isoformat()
        judged = row["answered_on_time"] + row["answered_late"] + row["unanswered_overdue"]
        label = (
            f"{day}: no clock judged"
            if rate is None
            else f"{day}: {rate:.1%} on time ({row['answered_on_time']} of {judged})"
        )
        top = y(rate or 0)
        bars.append(
            Bar(
                x=round(LEFT + n * step + step * 0.1, 1),
                y=top,
                width=round(step * 0.8, 1),
                height=round(TOP + plot_h - top, 1),
                label=label,
                day=day[5:],
                show_day=n % every == 0,
                below_target=rate is not None and rate < target,
            )
        )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        target_y=y(target),
        target_label=f"{target:.0%} target",
        grid=[(y(share), f"{share:.0%}") for share in (0, 0.5, 1)],
        axis_y=TOP + plot_h,
    )

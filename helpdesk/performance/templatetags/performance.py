"""Reading the performance pages' figures in templates."""

from django import template

register = template.Library()


@register.filter
def figure(obj: object, name: str) -> object:
    """One named figure of Amazon's or ours (a dataclass), or a difference (a dict)."""
    if obj is None:
        return None
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


@register.filter
def metric_value(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if metric == "account_health" else f"{value:.2%}"


@register.filter
def signed(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:+g}" if value else "0"

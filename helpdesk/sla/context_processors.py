from django.http import HttpRequest

from .sweep import heartbeat_age, heartbeat_stale


def sweep_warning(request: HttpRequest) -> dict:
    """Every signed-in page says so when the clocks are not being watched."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    if not heartbeat_stale():
        return {}
    age = heartbeat_age()
    return {
        "sweep_warning": "The SLA sweep has never run: breaches are not recorded and no alerts "
        "are sent." if age is None else
        f"The SLA sweep last ran {int(age.total_seconds() // 60)} minutes ago: breaches are "
        "not recorded and no alerts are sent. Check cron (manage.py crontab show)."
    }

from django.http import HttpRequest

from helpdesk import jobs

QUEUE_DOWN = (
    "Background jobs paused: Redis unreachable. Incoming mail is kept and replies stay in the "
    "outbox; both are processed when it is back."
)


def queue_warning(request: HttpRequest) -> dict:
    """Every signed-in page says so while the job queue is away (the answer is cached for a
    few seconds, and the ping gives up after half a second)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    if jobs.queue_reachable():
        return {}
    return {"queue_warning": QUEUE_DOWN}

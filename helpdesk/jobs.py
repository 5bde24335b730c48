"""The one switch for background work.

Without ``REDIS_URL`` a job runs in-process, right after the surrounding transaction commits,
so one machine with no services works. With ``REDIS_URL`` it is enqueued on an RQ queue and
served by ``manage.py rqworker``. Jobs must be idempotent: RQ retries a job that died.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# Seconds to wait before each retry of a failed job.
RETRY_INTERVALS = [10, 60, 300]


def uses_redis() -> bool:
    return bool(settings.REDIS_URL)


def enqueue(func: Callable[..., Any], *args: Any, queue: str = "default", **kwargs: Any) -> None:
    """Run ``func(*args, **kwargs)`` once the current transaction has committed."""
    if uses_redis():
        transaction.on_commit(lambda: _enqueue_rq(func, args, kwargs, queue))
    else:
        transaction.on_commit(lambda: _run_in_process(func, args, kwargs))


def _enqueue_rq(func: Callable[..., Any], args: tuple, kwargs: dict, queue: str) -> None:
    import django_rq
    from rq import Retry

    django_rq.get_queue(queue).enqueue(
        func, *args, retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS), **kwargs
    )


def _run_in_process(func: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        func(*args, **kwargs)
    except Exception:
        # In-process there is no worker to retry; the job's own state (e.g. an outbox row
        # left queued) is what a later run picks up. Never let it break the caller.
        logger.exception("in-process job %s failed", getattr(func, "__name__", func))

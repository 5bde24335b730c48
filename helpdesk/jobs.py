"""The one switch for background work.

Without ``REDIS_URL`` a job runs in-process, right after the surrounding transaction commits,
so one machine with no services works. With ``REDIS_URL`` it is enqueued on an RQ queue and
served by ``manage.py rqworker``. Jobs must be idempotent: RQ retries a job that died.

Redis holds no state of its own: every job's work is also recorded in the database (a raw
mail still ``received``, an outbox row still ``queued``), and the periodic ``outbox_retry``
enqueues again what is due. So a job that cannot be enqueued (Redis down) or that is lost
(Redis restarted empty, a worker killed) is logged and picked up later, never lost.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# Seconds to wait before each retry of a failed job.
RETRY_INTERVALS = [10, 60, 300]
# How long the answer of ``queue_reachable`` is kept, and how long its ping may take: every
# page asks, and a page must not wait on a Redis that is away.
REACHABLE_CACHE_SECONDS = 5.0
PING_TIMEOUT = 0.5

_reachable: tuple[float, bool] | None = None


def uses_redis() -> bool:
    return bool(settings.REDIS_URL)


def enqueue(func: Callable[..., Any], *args: Any, queue: str = "default", **kwargs: Any) -> None:
    """Run ``func(*args, **kwargs)`` once the current transaction has committed."""
    if uses_redis():
        transaction.on_commit(lambda: _enqueue_rq(func, args, kwargs, queue))
    else:
        transaction.on_commit(lambda: _run_in_process(func, args, kwargs))


# How long "a job is on its way" is believed without the job clearing it: a flag whose job was
# lost (Redis emptied between the two) must not hold back the next one for long.
ONCE_SECONDS = 60


def enqueue_once(func: Callable[..., Any], *, queue: str = "default") -> None:
    """Run ``func()`` once the current transaction has committed, unless a run of it is
    already waiting on the queue: a burst of callers makes one job, not one each. ``func``
    must call ``once_started(func)`` before it looks for work, so that whatever comes after
    that look makes another job."""
    if uses_redis():
        transaction.on_commit(lambda: _enqueue_once_rq(func, queue))
    else:
        transaction.on_commit(lambda: _run_in_process(func, (), {}))


def once_started(func: Callable[..., Any]) -> None:
    """Called by a job of ``enqueue_once`` as it starts: callers from now on enqueue again."""
    if not uses_redis():
        return
    from redis.exceptions import RedisError

    try:
        _connection().delete(_once_key(func))
    except RedisError:
        _reachable_remember(False)  # the flag expires by itself


def once_forget() -> None:
    """Forget every "a job is on its way" flag: after the queues were emptied by hand."""
    if uses_redis():
        connection = _connection()
        for key in connection.scan_iter(match=f"{_ONCE_PREFIX}*"):
            connection.delete(key)


_ONCE_PREFIX = "helpdesk:once:"


def _once_key(func: Callable[..., Any]) -> str:
    return f"{_ONCE_PREFIX}{func.__module__}.{func.__qualname__}"


def _enqueue_once_rq(func: Callable[..., Any], queue: str) -> None:
    from redis.exceptions import RedisError

    try:
        first = _connection().set(_once_key(func), 1, nx=True, ex=ONCE_SECONDS)
    except RedisError:
        _reachable_remember(False)
        logger.warning("Redis unreachable: job %s() not enqueued; the periodic retry will "
                       "enqueue it", getattr(func, "__name__", func))
        return
    if first:
        _enqueue_rq(func, (), {}, queue)


def _enqueue_rq(func: Callable[..., Any], args: tuple, kwargs: dict, queue: str) -> None:
    import django_rq
    from redis.exceptions import RedisError
    from rq import Retry

    try:
        django_rq.get_queue(queue, connection=_connection()).enqueue(
            func, *args, retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            **kwargs,
        )
    except RedisError:
        # The caller's work is committed and its row says it is still to do: the periodic
        # retry enqueues it once Redis is back. Failing the caller (a 500 to a webhook, an
        # agent's reply form) would help nobody.
        _reachable_remember(False)
        logger.warning(
            "Redis unreachable: job %s(%s) not enqueued; the periodic retry will enqueue it",
            getattr(func, "__name__", func), ", ".join(map(str, args)), exc_info=True,
        )


def _run_in_process(func: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        func(*args, **kwargs)
    except Exception:
        # In-process there is no worker to retry; the job's own state (e.g. an outbox row
        # left queued) is what a later run picks up. Never let it break the caller.
        logger.exception("in-process job %s failed", getattr(func, "__name__", func))


def queue_waiting(queue: str) -> int | None:
    """Jobs waiting on ``queue``: 0 without Redis, None when Redis cannot be asked."""
    if not uses_redis():
        return 0
    import django_rq
    from redis.exceptions import RedisError

    try:
        return django_rq.get_queue(queue, connection=_connection()).count
    except RedisError:
        _reachable_remember(False)
        return None


# One Redis client, with its pool of connections, per process and address: django_rq makes a
# new one per call, which opened a TCP connection for every mail a webhook posted.
_clients: dict[str, Any] = {}


def _connection() -> Any:
    import django_rq

    url = settings.RQ_QUEUES["default"]["URL"]
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = django_rq.get_connection("default")
    return client


def queue_reachable() -> bool:
    """Whether the job queue answers (always true without Redis). Cached a few seconds."""
    global _reachable
    if not uses_redis():
        return True
    now = time.monotonic()
    if _reachable is not None and now - _reachable[0] < REACHABLE_CACHE_SECONDS:
        return _reachable[1]
    return _reachable_remember(_ping())


def _ping() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=PING_TIMEOUT, socket_timeout=PING_TIMEOUT
        )
        with client:
            return bool(client.ping())
    except redis.exceptions.RedisError:
        return False


def _reachable_remember(reachable: bool) -> bool:
    global _reachable
    _reachable = (time.monotonic(), reachable)
    return reachable


def queue_reachable_forget() -> None:
    """Ask Redis again on the next call (tests, and after a change of ``REDIS_URL``)."""
    global _reachable
    _reachable = None

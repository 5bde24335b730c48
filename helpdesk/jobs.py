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
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
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


# -- Jobs that RQ would bring back late ---------------------------------------------------------
#
# What RQ 2 does with the job of a worker that was killed (SIGKILL, OOM, a host lost): nothing
# at once. The job stays in the queue's StartedJobRegistry until its entry expires (the
# worker's last heartbeat plus up to 90 s); a living worker's maintenance, every 10 minutes,
# then moves it to its retry, which is a *scheduled* job; and a scheduled job is put back on
# its queue only by the scheduler, whose lock the killed worker may have held. Retries came
# back 16 minutes late that way. ``jobs_recover`` (the ``jobs_recover`` command, every
# minute) does the same steps at once and without the scheduler.

# A scheduled job this late is one the scheduler is not moving (it polls every second).
SCHEDULED_GRACE_SECONDS = 30


@dataclass
class Recovered:
    requeued: int = 0  # a killed worker's job, back on its queue (one retry used)
    failed: int = 0  # a killed worker's job with no retry left: in the failed registry
    scheduled: int = 0  # a retry overdue on the scheduler, put on its queue


def jobs_recover(*, now: float | None = None) -> Recovered:
    """Requeue the jobs of dead workers and the retries the scheduler has not moved.

    A job is its dead worker's when its started-registry entry expired (no heartbeat for the
    entry's time to live) or when its worker ran on this host and its process is gone. Safe
    to run late, twice or concurrently: a job is taken off its registry by one atomic
    ``ZREM``, and only the caller whose removal counted puts it back."""
    result = Recovered()
    if not uses_redis():
        return result
    import django_rq
    from redis.exceptions import RedisError

    now = time.time() if now is None else now
    connection = _connection()
    try:
        for name in settings.RQ_QUEUES:
            queue = django_rq.get_queue(name, connection=connection)
            _started_recover(queue, now, result)
            _scheduled_recover(queue, now, result)
    except RedisError:
        _reachable_remember(False)
        logger.warning("Redis unreachable: jobs of dead workers not recovered this time")
    return result


def _started_recover(queue: Any, now: float, result: Recovered) -> None:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus
    from rq.registry import FailedJobRegistry, StartedJobRegistry
    from rq.utils import parse_composite_key

    registry = StartedJobRegistry(queue=queue)
    connection = queue.connection
    for member, expires in connection.zrange(registry.key, 0, -1, withscores=True):
        entry = member.decode() if isinstance(member, bytes) else member
        job_id, execution_id = parse_composite_key(entry)
        if expires >= now and _worker_alive(connection, job_id, execution_id):
            continue
        if not connection.zrem(registry.key, entry):
            continue  # another run, or RQ's own cleanup, took it
        try:
            job = Job.fetch(job_id, connection=connection, serializer=queue.serializer)
        except NoSuchJobError:
            continue
        if job.retries_left:
            job.retries_left -= 1
            queue.enqueue_job(job)
            result.requeued += 1
            logger.warning("job %s of a dead worker queued again on %s (%s retries left)",
                           job.id, queue.name, job.retries_left)
        else:
            job.set_status(JobStatus.FAILED)
            FailedJobRegistry(queue=queue).add(
                job, exc_string="AbandonedJobError: its worker died and no retry was left")
            result.failed += 1
            logger.error("job %s of a dead worker failed: no retry left", job.id)


def _worker_alive(connection: Any, job_id: str, execution_id: str) -> bool:
    """False when the execution's worker is known dead: its record is gone from Redis, or it
    ran on this host and its process is no more. True when it cannot be told."""
    from rq.executions import Execution
    from rq.worker import Worker

    try:
        execution = Execution.fetch(id=execution_id, job_id=job_id, connection=connection)
    except ValueError:
        return False  # the execution's record expired with its heartbeat
    if not execution.worker_name:
        return True
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + execution.worker_name,
                                connection=connection)
    if worker is None:
        return False
    if worker.hostname != socket.gethostname() or not worker.pid:
        return True
    try:
        os.kill(worker.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a process of another user: alive
    return True


def _scheduled_recover(queue: Any, now: float, result: Recovered) -> None:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry

    registry = ScheduledJobRegistry(queue=queue)
    connection = queue.connection
    for job_id in registry.get_jobs_to_schedule(int(now - SCHEDULED_GRACE_SECONDS)):
        if not connection.zrem(registry.key, job_id):
            continue  # the scheduler moved it meanwhile
        try:
            job = Job.fetch(job_id, connection=connection, serializer=queue.serializer)
        except NoSuchJobError:
            continue
        queue.enqueue_job(job)
        result.scheduled += 1
        logger.warning("retry %s overdue on the scheduler queued on %s", job.id, queue.name)

"""The retry of killed jobs does not rest on RQ's scheduler alone (helpdesk/jobs.py): with a
real Redis and a real ``manage.py rqworker`` killed mid-job, ``jobs_recover`` (every minute
from cron) puts the job back on its queue at once; left to RQ, it waits in the started
registry for a worker's maintenance (every 10 minutes) and then for the scheduler."""

import os
import signal
import time
from datetime import UTC, datetime, timedelta

import django_rq
import pytest
from django.core.management import call_command
from faults_support import ROOT, Workers, child_env, needs_postgresql, wait_for
from jobs_support import job_killed_on_first_run, job_noop
from rq import Queue
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from helpdesk import jobs

pytestmark = [needs_postgresql, pytest.mark.django_db, pytest.mark.faults]


def starts(path) -> int:
    return path.read_text().count("start") if path.exists() else 0


def test_the_job_of_a_killed_worker_runs_again_at_the_next_recovery(
        own_redis, tmp_path, django_capture_on_commit_callbacks, capsys):
    runs = tmp_path / "runs"
    workers = Workers(tmp_path, child_env(PYTHONPATH=str(ROOT / "tests")), count=1)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            jobs.enqueue(job_killed_on_first_run, str(runs))
        wait_for(lambda: starts(runs) == 1, timeout=60, what="the job to start")
        # SIGKILL mid-job, as the machine or its cgroup would: the worker, then its work
        # horse (which RQ puts in a process group of its own); systemd starts another.
        horse = int(runs.read_text().split()[1])
        workers.kill_and_restart(0)
        os.kill(horse, signal.SIGKILL)

        # RQ alone: the job is still "started" by the dead worker, nobody runs it.
        time.sleep(5)
        queue = django_rq.get_queue("default", connection=jobs._connection())
        assert starts(runs) == 1 and StartedJobRegistry(queue=queue).count == 1

        call_command("jobs_recover", "--json")
        assert '"requeued": 1' in capsys.readouterr().out
        wait_for(lambda: "done" in runs.read_text(), timeout=30,
                 what="the job to run again and finish")
        assert starts(runs) == 2
        # The job writes "done" a moment before its worker files it as finished.
        wait_for(lambda: StartedJobRegistry(queue=queue).count == 0, timeout=30,
                 what="the finished job to leave the started registry")
        # A second run finds nothing to do.
        assert jobs.jobs_recover() == jobs.Recovered()
    finally:
        workers.stop()


def test_a_retry_the_scheduler_did_not_move_is_queued(own_redis):
    queue = Queue("mail", connection=jobs._connection())
    due = datetime.now(UTC) - timedelta(seconds=jobs.SCHEDULED_GRACE_SECONDS + 5)
    overdue = queue.enqueue_at(due, job_noop)
    soon = queue.enqueue_at(datetime.now(UTC), job_noop)  # the scheduler's to move
    assert queue.count == 0

    result = jobs.jobs_recover()

    assert result.scheduled == 1
    assert queue.job_ids == [overdue.id]
    assert ScheduledJobRegistry(queue=queue).get_job_ids() == [soon.id]


def test_a_killed_job_with_no_retry_left_is_failed_not_run_again(own_redis):
    queue = Queue("default", connection=jobs._connection())
    job = queue.enqueue(job_noop)  # no Retry: RQ would fail it too
    queue.connection.lpop(queue.key)
    registry = StartedJobRegistry(queue=queue)
    # As a worker that died records it: started, its heartbeat long expired.
    queue.connection.zadd(registry.key, {f"{job.id}:gone": time.time() - 10})

    result = jobs.jobs_recover()

    assert (result.requeued, result.failed) == (0, 1)
    assert queue.count == 0 and job.id in queue.failed_job_registry.get_job_ids()

"""One list of periodic jobs (helpdesk/periodic.py): settings.CRONJOBS, the cron file, the
systemd timers and ``make run``'s runner name the same jobs, and each job skips a second
run while one holds its lock, recording a heartbeat only when it ran."""

import re
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from helpdesk import devserver
from helpdesk.periodic import PERIODIC_JOBS
from helpdesk.sla.models import Heartbeat
from helpdesk.sla.periodic import periodic_lock

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
JOBS = {"sla_sweep", "outbox_retry", "fetch_mail", "jobs_recover", "webhooks_retry"}


def cron_file_jobs() -> set[str]:
    return set(re.findall(r"manage\.py (\w+)", (DEPLOY / "cron.d" / "helpdesk").read_text()))


def systemd_timer_jobs() -> set[str]:
    jobs = set()
    for timer in (DEPLOY / "systemd").glob("*.timer"):
        service = timer.with_suffix(".service").read_text()
        jobs |= set(re.findall(r"^ExecStart=.*manage\.py (\w+)$", service, re.MULTILINE))
    return jobs


def test_cronjobs_the_deploy_files_and_the_runner_name_the_same_jobs(settings):
    cronjobs = {command for _, _, (command,) in settings.CRONJOBS}
    runner = {job.command for job in devserver.Scheduler(env={}, log=StringIO()).jobs}
    assert cronjobs == cron_file_jobs() == systemd_timer_jobs() == runner == JOBS
    assert {job.command for job in PERIODIC_JOBS} == JOBS


def test_the_deploy_files_are_the_ones_the_list_writes():
    check = subprocess.run([sys.executable, "-m", "helpdesk.periodic", "--check"], cwd=ROOT,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def hold_lock(name: str, held: threading.Event, release: threading.Event) -> None:
    """Another run of the job, in progress: it holds the lock until told to finish."""
    try:
        with periodic_lock(name=name) as got:
            assert got
            held.set()
            release.wait(30)
    finally:
        connection.close()  # this thread's own database connection


@pytest.mark.django_db
@pytest.mark.parametrize("job", sorted(JOBS))
def test_a_second_run_while_one_holds_the_lock_is_skipped(job):
    held, release = threading.Event(), threading.Event()
    other = threading.Thread(target=hold_lock, args=(job, held, release))
    other.start()
    try:
        assert held.wait(10)
        out = StringIO()
        call_command(job, stdout=out)
        assert "skipped" in out.getvalue()
        assert not Heartbeat.objects.filter(name=job).exists()
    finally:
        release.set()
        other.join(10)

    out = StringIO()
    call_command(job, stdout=out)  # the other run is over: this one runs and beats
    assert "skipped" not in out.getvalue()
    assert Heartbeat.objects.filter(name=job).exists()

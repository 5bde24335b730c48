"""The periodic jobs, listed once.

``settings.CRONJOBS`` (django-crontab), the files in ``deploy/`` (the cron file and the
systemd timers) and ``make run``'s runner (``helpdesk/devserver.py``) are all made from
``PERIODIC_JOBS``; ``tests/test_periodic.py`` checks that they agree. Each job is a
management command that takes its own lock (a second run at the same time is skipped) and
records a heartbeat when it finishes (``helpdesk/sla/periodic.py``).

Plain data, no Django import: the settings module reads it.

``python -m helpdesk.periodic`` writes the deploy files again after a change of the list;
``python -m helpdesk.periodic --check`` fails when they differ from it.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


@dataclass(frozen=True)
class PeriodicJob:
    command: str  # a manage.py command without arguments
    every_minutes: int
    description: str

    @property
    def cron_schedule(self) -> str:
        minute = "*" if self.every_minutes == 1 else f"*/{self.every_minutes}"
        return f"{minute} * * * *"

    @property
    def unit_name(self) -> str:
        return "helpdesk-" + self.command.replace("_", "-")


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("sla_sweep", 1, "record breaches, flag claim risks, send SLA alerts"),
    # Replies whose send failed or whose worker died: retried with backoff, never sent twice;
    # also enqueues again mail whose processing job was lost.
    PeriodicJob("outbox_retry", 1, "retry replies that failed and mail jobs that were lost"),
    PeriodicJob("fetch_mail", 1, "fetch new mail from the IMAP mailboxes"),
    # Jobs of killed workers and retries the RQ scheduler did not move: queued again at once.
    PeriodicJob("jobs_recover", 1, "queue again the jobs of dead workers and overdue retries"),
    # Webhook deliveries after their backoff, and those whose job was lost; finished ones
    # are deleted after 30 days.
    PeriodicJob("webhooks_retry", 1, "retry webhook deliveries, delete finished old ones"),
)


def periodic_job(name: str) -> PeriodicJob:
    return next(job for job in PERIODIC_JOBS if job.command == name)


def cronjobs() -> list[tuple[str, str, list[str]]]:
    """``settings.CRONJOBS`` for django-crontab (``manage.py crontab add``)."""
    return [(job.cron_schedule, "django.core.management.call_command", [job.command])
            for job in PERIODIC_JOBS]


_CRON_HEAD = """\
# /etc/cron.d/helpdesk: the periodic jobs (helpdesk/periodic.py, also settings.CRONJOBS)
# and the nightly backup. Written by `python -m helpdesk.periodic`: change the list there.
# cron starts them with an empty environment: each line reads the settings file first.
# Each job takes a lock (a second run at the same time is skipped) and records a heartbeat.
SHELL=/bin/bash
"""
_ENV = "cd /opt/helpdesk && set -a && . /etc/helpdesk/helpdesk.env"
_CRON_LINE = "{schedule} helpdesk " + _ENV + " && .venv/bin/python manage.py {command} >/dev/null\n"
_BACKUP = f"30 2 * * * helpdesk {_ENV} && deploy/backup.sh /var/backups/helpdesk\n"

_SERVICE = """\
[Unit]
Description=Helpdesk: {description} (periodic)
After=network.target postgresql.service

[Service]
Type=oneshot
User=helpdesk
Group=helpdesk
WorkingDirectory=/opt/helpdesk
EnvironmentFile=/etc/helpdesk/helpdesk.env
ExecStart=/opt/helpdesk/.venv/bin/python manage.py {command}
"""
_TIMER = """\
[Unit]
Description=Helpdesk: {command} every {every} (written by python -m helpdesk.periodic)

[Timer]
OnBootSec=1min
OnUnitActiveSec={every}
AccuracySec=5s

[Install]
WantedBy=timers.target
"""


def cron_file() -> str:
    lines = [_CRON_LINE.format(schedule=job.cron_schedule, command=job.command)
             for job in PERIODIC_JOBS]
    return _CRON_HEAD + "".join(lines) + _BACKUP


def systemd_units() -> dict[str, str]:
    """File name (under deploy/systemd/) to text: a oneshot service and its timer per job."""
    units = {}
    for job in PERIODIC_JOBS:
        every = f"{job.every_minutes}min"
        units[f"{job.unit_name}.service"] = _SERVICE.format(
            description=job.description, command=job.command)
        units[f"{job.unit_name}.timer"] = _TIMER.format(command=job.command, every=every)
    return units


def deploy_files() -> dict[Path, str]:
    files = {DEPLOY / "cron.d" / "helpdesk": cron_file()}
    files.update({DEPLOY / "systemd" / name: text for name, text in systemd_units().items()})
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write deploy/ from the periodic job list.")
    parser.add_argument("--check", action="store_true",
                        help="only compare; exit 1 when a file differs from the list")
    args = parser.parse_args(argv)
    differing = [path for path, text in deploy_files().items()
                 if not path.exists() or path.read_text() != text]
    if args.check:
        for path in differing:
            print(f"{path.relative_to(ROOT)} differs from helpdesk/periodic.py", file=sys.stderr)
        return 1 if differing else 0
    for path in differing:
        path.write_text(deploy_files()[path])
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

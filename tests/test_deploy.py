"""deploy/: the systemd units, the cron file and the backup script name commands, modules
and settings that exist (docs/DEPLOY.md walks through them)."""

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def command_lines() -> list[str]:
    lines = [line.split("=", 1)[1] for unit in (DEPLOY / "systemd").glob("*.service")
             for line in unit.read_text().splitlines() if line.startswith("ExecStart=")]
    lines += [line.split("&&")[-1] for line in (DEPLOY / "cron.d" / "helpdesk").read_text()
              .splitlines() if line[:1].isdigit() or line.startswith("*")]
    return lines


def test_every_manage_py_command_exists():
    used = [words[words.index("manage.py") + 1] for words in map(shlex.split, command_lines())
            if "manage.py" in words]
    assert {"rqworker", "fetch_mail", "sla_sweep", "outbox_retry"} <= set(used)
    assert set(used) <= set(get_commands()), set(used) - set(get_commands())


def test_the_web_unit_serves_the_projects_wsgi_app_with_gunicorn():
    [line] = [c for c in command_lines() if "gunicorn" in c]
    assert "helpdesk.wsgi" in line
    pytest.importorskip("gunicorn")
    from helpdesk.wsgi import application

    assert callable(application)


def test_the_workers_serve_every_queue_the_app_enqueues_on(settings):
    [line] = [c for c in command_lines() if "rqworker" in c]
    assert set(settings.RQ_QUEUES) <= set(shlex.split(line))
    assert "--with-scheduler" in line  # RQ's timed retries need a scheduler


def test_the_cron_file_runs_every_periodic_command_of_the_settings(settings):
    cron = (DEPLOY / "cron.d" / "helpdesk").read_text()
    for schedule, _, (command,) in settings.CRONJOBS:
        assert f"{schedule} helpdesk " in cron and f"manage.py {command}" in cron


def test_the_environment_file_sets_only_settings_the_app_reads():
    example = (DEPLOY / "systemd" / "helpdesk.env.example").read_text()
    names = re.findall(r"^([A-Z_]+)=", example, re.MULTILINE)
    read = (ROOT / "helpdesk" / "settings.py").read_text()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "RAW_MAIL_DIR"} <= set(names)
    assert all(f'"{name}"' in read for name in names), [n for n in names if f'"{n}"' not in read]


def test_the_backup_script_is_executable_and_dumps_both_stores():
    script = DEPLOY / "backup.sh"
    assert script.stat().st_mode & 0o111
    text = script.read_text()
    assert "pg_dump" in text and "$RAW_MAIL_DIR" in text

"""deploy/: the systemd units, the cron file and the backup script name commands, modules
and settings that exist (docs/DEPLOY.md walks through them)."""

import re
import shlex
import socket
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import get_commands
from faults_support import needs_postgresql
from gunicorn_support import gunicorn_running

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
    assert {"rqworker", "fetch_mail", "sla_sweep", "outbox_retry", "jobs_recover"} <= set(used)
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


def test_the_proxy_buffers_request_bodies_and_gunicorn_runs_threaded_workers():
    """A slow client body must meet the proxy, never a gunicorn worker (docs/DEPLOY.md §3)."""
    deploy_md = (ROOT / "docs" / "DEPLOY.md").read_text()
    for directive in ("proxy_request_buffering on;", "client_body_timeout",
                      "client_header_timeout", "client_max_body_size"):
        assert directive in deploy_md, directive
    config: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), config)  # noqa: S102  (our own file)
    assert config["worker_class"] == "gthread" and config["threads"] >= 4
    assert config["timeout"] <= 30
    [line] = [c for c in command_lines() if "gunicorn" in c]
    assert "deploy/gunicorn.conf.py" in line


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_slow_request_bodies_do_not_stop_a_fourth_request(tmp_path):
    """gunicorn as deployed, reached directly (no proxy in front): three clients that send a
    webhook body a byte every second hold their threads, and a page is still answered."""
    token = "slow-body-token"
    with gunicorn_running(tmp_path, INGEST_TOKEN=token) as (base, port):
        slow = []
        for n in range(3):
            conn = socket.create_connection(("127.0.0.1", port), timeout=60)
            conn.sendall(
                b"POST /ingest/raw/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: message/rfc822\r\nContent-Length: 100000\r\n"
                + f"Authorization: Bearer {token}\r\n\r\nFrom: slow{n}@".encode()
            )
            slow.append(conn)
        try:
            time.sleep(1)  # each is inside the view, reading its body
            for conn in slow:
                conn.sendall(b"x")
            started = time.monotonic()
            with urllib.request.urlopen(f"{base}/login/", timeout=20) as response:
                assert response.status == 200
            assert time.monotonic() - started < 3
            for conn in slow:
                conn.sendall(b"x")  # still connected, still being read
        finally:
            for conn in slow:
                conn.close()

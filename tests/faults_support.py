"""For the fault tests: real RQ workers and other manage.py processes run against this test's
database, and the bench's mail generator."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from mailgen import mails_generate  # noqa: E402  (bench/ is not a package)

__all__ = ["mails_generate"]

needs_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL (DATABASE_URL): worker processes share the test's database, "
    "which SQLite keeps in this process's memory",
)


def database_url() -> str:
    """This test's database, for another process."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def child_env(**overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "RAW_MAIL_DIR": str(settings.RAW_MAIL_DIR),
        "SELLER_ADDRESSES": ",".join(settings.SELLER_ADDRESSES),
        "LOG_LEVEL": "WARNING",
    }
    env.update(overrides)
    return env


class Workers:
    """``manage.py rqworker ingest mail default`` processes, as deployed; each in a session
    of its own so that a kill takes its work horse (the forked child running the job) too."""

    def __init__(self, log_dir: Path, env: dict[str, str], count: int = 2) -> None:
        self.log_dir = log_dir
        self.env = env
        self.processes: list[subprocess.Popen] = []
        self.started = 0
        self.killed = 0
        self._lock = threading.Lock()  # a killer thread and the test may both kill
        for _ in range(count):
            self.processes.append(self._start())

    def _start(self) -> subprocess.Popen:
        self.started += 1
        log = open(self.log_dir / f"worker-{self.started}.log", "wb")  # noqa: SIM115
        return subprocess.Popen(
            [sys.executable, "manage.py", "rqworker", "ingest", "mail", "default",
             "--name", f"fault-{os.getpid()}-{self.started}", "--with-scheduler"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_and_restart(self, index: int) -> None:
        """SIGKILL worker ``index`` and whatever job it is running, then start another."""
        with self._lock:
            process = self.processes[index]
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
            self.killed += 1
            self.processes[index] = self._start()

    def revive(self) -> int:
        """Start again every worker that exited (as systemd's Restart=always does); how many.
        A worker whose Redis vanished while it finished a job may exit."""
        revived = 0
        for index, process in enumerate(self.processes):
            if process.poll() is not None:
                self.processes[index] = self._start()
                revived += 1
        return revived

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_for(condition: Callable[[], bool], timeout: float, what: str, step: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


def redis_own(settings) -> Iterator:
    """A Redis of this test's own, as the app's job queue: the test may stop and start it.
    The ``own_redis`` fixture (conftest.py)."""
    from services import RedisServer, ServiceError

    from helpdesk import jobs

    try:
        server = RedisServer()
    except ServiceError as exc:
        pytest.skip(str(exc))
    server.start()
    settings.REDIS_URL = server.url()
    settings.RQ_QUEUES = {
        name: {"URL": f"{server.url()}?socket_connect_timeout=2", "DEFAULT_TIMEOUT": 300}
        for name in ("default", "ingest", "mail")
    }
    jobs.queue_reachable_forget()
    yield server
    server.stop()
    jobs.queue_reachable_forget()


def defaults_install() -> None:
    """The channels and rules ingest needs (idempotent: present already when the test's
    data was restored from the migrations')."""
    from helpdesk.mail.defaults import rules_install_defaults
    from helpdesk.mail.recognise import ruleset_forget
    from helpdesk.marketplaces.defaults import channels_install_defaults

    channels_install_defaults()
    rules_install_defaults()
    ruleset_forget()

"""``make run``: the whole product on one machine, for a demo or for development.

Started as ``python -m helpdesk.devserver [--port 8000]`` (after migrate and load_demo), it
runs as child processes, each in a process group of its own:

- the web server (``manage.py runserver``, reloading on code changes);
- a mail catcher (aiosmtpd's Maildir handler) on a free local port, unless the environment
  names a mail server (``EMAIL_HOST`` or ``EMAIL_BACKEND``): replies and alerts really go out
  over SMTP and are kept in ``var/mail/``, readable at ``/dev/mail/`` (staff, DEBUG only);
- with ``REDIS_URL``, an RQ worker for every queue (without it jobs run in-process);
- the periodic jobs of ``helpdesk/periodic.py``, each started as ``manage.py <job>`` at
  once and then on its schedule, as cron does in production (output in ``var/log/``).

Ctrl-C or SIGTERM stops every child (SIGTERM to its group, SIGKILL after a grace time), and
each child is told by the kernel to stop should this process die without that chance.
If the web server, the catcher or the worker stops by itself, everything stops.

The environment defaults it sets (``DEBUG=1``, the catcher's ``EMAIL_*``) are for its
children only; the settings' own defaults stay those of production.
"""

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from helpdesk.periodic import PERIODIC_JOBS, PeriodicJob

ROOT = Path(__file__).resolve().parent.parent
# How long a child gets to stop after SIGTERM before it is killed.
STOP_GRACE_SECONDS = 10
TICK_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends SIGTERM should the runner die."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(args: list[str], *, env: dict[str, str], output: IO | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=output, stderr=output, stdin=subprocess.DEVNULL,
        start_new_session=True, preexec_fn=_die_with_parent,
    )


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM every child's process group, wait, then SIGKILL what is left."""
    alive = [p for p in processes if p.poll() is None]
    for process in alive:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in alive:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(0.1, deadline - time.monotonic()))
    for process in processes:
        # The group too: a runserver's reloaded child outlives its parent otherwise.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, *, process: subprocess.Popen, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return True
        time.sleep(0.1)
    return False


@dataclass
class Scheduler:
    """Starts each periodic job as its own process when due, one run of a job at a time
    (the job's lock would skip a second one anyway)."""

    env: dict[str, str]
    log: IO
    jobs: tuple[PeriodicJob, ...] = PERIODIC_JOBS
    report: Callable[[str], None] = print
    running: dict[str, subprocess.Popen] = field(default_factory=dict)
    next_at: dict[str, float] = field(default_factory=dict)

    def tick(self, now: float) -> None:
        for name, process in list(self.running.items()):
            code = process.poll()
            if code is None:
                continue
            del self.running[name]
            if code != 0:
                self.report(f"periodic job {name} failed (exit {code}); see {self.log.name}")
        for job in self.jobs:
            if job.command in self.running or now < self.next_at.get(job.command, 0):
                continue
            self.next_at[job.command] = now + job.every_minutes * 60
            self.log.write(f"--- {datetime.now():%Y-%m-%d %H:%M:%S} manage.py {job.command}\n")
            self.log.flush()
            self.running[job.command] = spawn(
                [sys.executable, "manage.py", job.command], env=self.env, output=self.log)

    def processes(self) -> list[subprocess.Popen]:
        return list(self.running.values())


def child_env(var_dir: Path, catcher_port: int | None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    env["PYTHONUNBUFFERED"] = "1"
    if catcher_port is not None:
        env.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(catcher_port), EMAIL_USE_TLS="",
                   EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="",
                   MAIL_CATCHER_DIR=str(var_dir / "mail"))
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args(argv)

    var_dir = Path(os.environ.get("VAR_DIR") or ROOT / "var")
    (var_dir / "log").mkdir(parents=True, exist_ok=True)
    catch_mail = not ({"EMAIL_HOST", "EMAIL_BACKEND"} & set(os.environ))
    catcher_port = int(os.environ.get("MAIL_CATCHER_PORT") or free_port()) if catch_mail \
        else None
    env = child_env(var_dir, catcher_port)

    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    services: dict[str, subprocess.Popen] = {}
    url = f"http://127.0.0.1:{args.port}/"
    lines = []
    with (var_dir / "log" / "periodic.log").open("a") as log:
        scheduler = Scheduler(env=env, log=log)
        try:
            if catcher_port is not None:
                services["mail catcher"] = catcher = spawn(
                    [sys.executable, "-m", "aiosmtpd", "-n", "-u", "-l",
                     f"127.0.0.1:{catcher_port}", "-c", "aiosmtpd.handlers.Mailbox",
                     env["MAIL_CATCHER_DIR"]], env=env)
                if not wait_listening(catcher_port, process=catcher):
                    print(f"The mail catcher did not start on port {catcher_port}.")
                    return 1
                lines.append(f"  mail catcher   SMTP 127.0.0.1:{catcher_port}: every mail sent "
                             f"is kept in {env['MAIL_CATCHER_DIR']}, listed at {url}dev/mail/ "
                             "(log in as admin)")
            else:
                lines.append("  outgoing mail  to the server in EMAIL_HOST / EMAIL_BACKEND")
            if env.get("REDIS_URL"):
                services["job worker"] = spawn(
                    [sys.executable, "manage.py", "rqworker", "--with-scheduler", "ingest",
                     "mail", "default"], env=env)
                lines.append("  job queue      RQ worker on ingest, mail, default (REDIS_URL)")
            else:
                lines.append("  job queue      in-process, after each commit (no REDIS_URL)")
            services["web server"] = spawn(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{args.port}"], env=env)
            jobs = ", ".join(job.command for job in PERIODIC_JOBS)
            lines.insert(0, f"  web server     {url}")
            lines.append(f"  periodic jobs  {jobs}: at once, then every minute "
                         f"(output in {log.name})")
            print("The helpdesk runs (Ctrl-C stops all of it):", *lines, sep="\n", flush=True)
            while not stopping:
                ended = [(name, p.returncode) for name, p in services.items()
                         if p.poll() is not None]
                if ended:
                    name, code = ended[0]
                    print(f"The {name} stopped (exit {code}); stopping everything.")
                    return code or 1
                scheduler.tick(time.monotonic())
                time.sleep(TICK_SECONDS)
            return 0
        finally:
            stop([*services.values(), *scheduler.processes()])
            print("Stopped: web server, mail catcher, workers and periodic jobs.", flush=True)


if __name__ == "__main__":
    sys.exit(main())

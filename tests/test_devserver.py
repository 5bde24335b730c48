"""``make run``'s runner (helpdesk/devserver.py) stops whole: Ctrl-C at the terminal stops
the web server, the mail catcher and the periodic jobs, and a web server that cannot start
stops the rest. (The whole first hour, from a fresh clone: tests/browser/test_devserver_fresh_clone.py.)"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MARK = "HELPDESK_RUNNER_TEST"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def marked(mark: str) -> list[int]:
    """Processes started under this test's runner (they inherit its environment)."""
    found = []
    for proc in Path("/proc").iterdir():
        with suppress(OSError):
            if proc.name.isdigit() and f"{MARK}={mark}".encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
    return found


def listening(port: int) -> bool:
    with suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


class Runner:
    def __init__(self, tmp_path: Path, port: int) -> None:
        self.mark, self.port = uuid.uuid4().hex, port
        self.log = tmp_path / "runner.log"
        env = {k: v for k, v in os.environ.items()
               if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "EMAIL_BACKEND"}}
        env.update(VAR_DIR=str(tmp_path / "var"), **{MARK: self.mark})
        with self.log.open("wb") as out:
            # A session of its own, as a terminal's foreground job is its own process group.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "helpdesk.devserver", "--port", str(port)], cwd=ROOT,
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.output():
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.2)


@pytest.fixture
def runner(tmp_path) -> Iterator:
    started = []

    def start(port: int) -> Runner:
        started.append(Runner(tmp_path, port))
        return started[-1]

    yield start
    for run in started:
        for pid in [run.process.pid, *marked(run.mark)]:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_ctrl_c_stops_the_web_server_the_catcher_and_the_jobs(runner):
    run = runner(free_port())
    run.wait_for("The helpdesk runs")
    catcher_port = int(re.search(r"SMTP 127\.0\.0\.1:(\d+)", run.output()).group(1))
    deadline = time.monotonic() + 60
    while not listening(run.port):
        assert time.monotonic() < deadline, run.output()
        time.sleep(0.2)
    assert listening(catcher_port)
    assert len(marked(run.mark)) >= 4  # runner, catcher, runserver and its reloaded child

    os.killpg(run.process.pid, signal.SIGINT)  # what Ctrl-C at the terminal sends
    assert run.process.wait(30) == 0
    assert "Stopped: web server, mail catcher" in run.output()
    assert marked(run.mark) == []
    assert not listening(run.port) and not listening(catcher_port)


def test_a_web_server_that_cannot_start_stops_everything(runner):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        run = runner(taken.getsockname()[1])
        assert run.process.wait(60) != 0
    assert "The web server stopped" in run.output()
    assert marked(run.mark) == []

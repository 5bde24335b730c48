"""gunicorn as deployed (deploy/gunicorn.conf.py) on a free loopback port, against this test's
database: for the tests whose break needed the real server (chunked bodies, slow clients,
addresses behind a proxy)."""

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from faults_support import ROOT, child_env, wait_for

CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def port_free() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def gunicorn_running(log_dir: Path, **env: str) -> Iterator[tuple[str, int]]:
    """(base URL, port) of ``gunicorn --config deploy/gunicorn.conf.py helpdesk.wsgi``,
    bound to a free port; stopped on exit."""
    port = port_free()
    log = (log_dir / "gunicorn.log").open("wb")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(CONFIG), "helpdesk.wsgi",
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=child_env(SECURE_COOKIES="0", **env),
        stdout=subprocess.DEVNULL, stderr=log,
        start_new_session=True,  # its workers too can be killed as one group
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: web.poll() is not None or _answers(f"{base}/login/"), timeout=60,
                 what="gunicorn")
        assert web.poll() is None, (log_dir / "gunicorn.log").read_text()
        yield base, port
    finally:
        web.terminate()
        try:
            web.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(web.pid, signal.SIGKILL)  # the master and a worker stuck in a request
            web.wait()
        log.close()

"""Private Redis and PostgreSQL servers for the fault tests: each on a free port, in a
temporary directory, started and stopped by the test. The shared services (5432, 6379) are
never touched: other test runs use them at the same time.

Only the binaries are taken from the system (``redis-server``; PostgreSQL 15's ``initdb``,
``pg_ctl``). PostgreSQL refuses to run as root, so as root its commands run as the
``postgres`` user through ``runuser``.
"""

import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
PG_BIN_DIRS = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin",
               "/usr/lib/postgresql/17/bin"]


class ServiceError(Exception):
    """A test service is not installed or did not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    # A killed test run must leave no server behind: the kernel sends SIGTERM when we die.
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceError(f"exited with status {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServiceError(f"nothing listened on port {port} within {timeout} s")


# Redis ---------------------------------------------------------------------------------


def redis_binary() -> str | None:
    return shutil.which("redis-server")


class RedisServer:
    """``redis-server`` without persistence: a restart loses every job, as a Redis without
    AOF does. That is the harder case: the database must be the record of what is to do."""

    def __init__(self) -> None:
        binary = redis_binary()
        if binary is None:
            raise ServiceError("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        _wait_port(self.port, 10, self.process)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


# PostgreSQL ----------------------------------------------------------------------------


def pg_bin_dir() -> Path | None:
    for directory in PG_BIN_DIRS:
        if (Path(directory) / "initdb").exists():
            return Path(directory)
    return None


class PostgresServer:
    """A PostgreSQL cluster of its own: ``initdb`` in a temporary directory, trust auth, a
    free port, the socket in the same directory. ``restart`` is a fast shutdown and start,
    which closes every client connection, as a crash, upgrade or failover would."""

    def __init__(self) -> None:
        bin_dir = pg_bin_dir()
        if bin_dir is None:
            raise ServiceError("PostgreSQL's initdb is not installed (apt-get install postgresql)")
        self.bin_dir = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="helpdesk-pg-"))
        self.data = self.root / "data"
        self._as: list[str] = []
        if os.getuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise ServiceError("running as root needs a postgres user for initdb") from exc
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{name}"

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise ServiceError(f"{' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}")

    def _pg_ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses={HOST} -c fsync=off"
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l",
                  str(self.root / "log"), "-o", options, "-m", "fast", "-w", action)

    def start(self) -> None:
        if not self.data.exists():
            self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres",
                      "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
        self._pg_ctl("start")
        _wait_port(self.port, 20)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop")

    def restart(self) -> None:
        self._pg_ctl("restart")

    def create_database(self, name: str) -> str:
        self._run(str(self.bin_dir / "createdb"), "-h", HOST, "-p", str(self.port),
                  "-U", "postgres", name)
        return self.url(name)

    def log_tail(self, lines: int = 20) -> str:
        path = self.root / "log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

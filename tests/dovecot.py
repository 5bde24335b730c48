"""A private Dovecot IMAP server for the tests: its own config, port, users and Maildirs
under a temporary directory, run in the foreground as a child process of the test session.

Nothing of the system's Dovecot is used but the binary: no /etc/dovecot, no system users,
no port 143. Mail is put in over IMAP (APPEND), as a mail client or an MTA would.
"""

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT = 15.0  # seconds; Dovecot is usually listening within a fraction of one

CONFIG = """\
# Written by tests/dovecot.py for Dovecot {version}: a private test instance.
base_dir = {root}/run
state_dir = {root}/state
instance_name = helpdesk-test-{port}
protocols = imap
listen = {host}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log

# Plain text logins without TLS: the server only listens on the loopback interface.
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login

# Mail is owned by whoever runs the tests; see _service_users for the other processes.
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {uid}
first_valid_gid = {gid}

mail_location = maildir:{root}/mail/%u

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}

service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class DovecotError(Exception):
    """The test Dovecot is not installed or did not start."""


def dovecot_binary() -> str:
    path = shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if Path(p).exists()), None
    )
    if path is None:
        raise DovecotError(
            "Dovecot is not installed, and the IMAP tests need a real one: "
            "run `make system-deps` or `apt-get install dovecot-imapd`."
        )
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _service_users() -> dict[str, str]:
    """Who Dovecot's helper processes run as.

    As an ordinary user Dovecot cannot switch users, so everything runs as that user. As
    root (CI containers) it refuses to run its login process as root ("This process must
    not be run as root"), so those run as the unprivileged users the Debian package creates.
    """
    if os.getuid() != 0:
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        return {"internal_user": user, "internal_group": group, "login_user": user}
    internal = _existing_user("dovecot")
    return {
        "internal_user": internal,
        "internal_group": grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name,
        "login_user": _existing_user("dovenull"),
    }


def _existing_user(name: str) -> str:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return "nobody"
    return name


def _quote(name: str) -> str:
    """An IMAP quoted string (imaplib sends arguments as they are)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Dovecot:
    """One running Dovecot. ``user_add`` makes a fresh account, so tests don't share mail."""

    def __init__(self, root: Path) -> None:
        self.binary = dovecot_binary()
        self.root = root
        self.host = HOST
        self.port = _free_port()
        self.config = root / "dovecot.conf"
        self.log = root / "dovecot.log"
        self.passwd = root / "passwd"
        self.process: subprocess.Popen | None = None

    @property
    def version(self) -> str:
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        return out.stdout.strip()

    def start(self) -> None:
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.passwd.touch()
        if os.getuid() == 0:
            # The unprivileged helper processes must reach their sockets and the passwd file.
            self.root.chmod(0o755)
            self.passwd.chmod(0o644)
        self.config.write_text(
            CONFIG.format(
                version=self.version,
                root=self.root,
                host=self.host,
                port=self.port,
                **_service_users(),
                uid=os.getuid(),
                gid=os.getgid(),
            )
        )
        # -F: stay in the foreground, so this process owns it and sees it die.
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in pytest must not reach it half-way
        )
        self._wait_listening()

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                raise DovecotError(
                    f"Dovecot exited with status {self.process.returncode}:\n{output}"
                    f"\n{self._log_tail()}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise DovecotError(f"Dovecot did not listen on port {self.port}:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        if not self.log.exists():
            return "(no log written)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # Its session holds the master and every child it started.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process.stdout.close()

    # Accounts and mail -------------------------------------------------------------------

    def user_add(self, username: str, password: str) -> None:
        """Dovecot re-reads the passwd file when it changes: no restart needed."""
        home = self.root / "home" / username
        line = f"{username}:{{PLAIN}}{password}:{os.getuid()}:{os.getgid()}::{home}::\n"
        with self.passwd.open("a", encoding="utf-8") as fh:
            fh.write(line)

    @contextmanager
    def session(self, username: str, password: str) -> Iterator[imaplib.IMAP4]:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            conn.login(username, password)
            yield conn
        finally:
            try:
                conn.logout()
            except (imaplib.IMAP4.error, OSError):
                pass

    def folder_create(self, username: str, password: str, folder: str) -> None:
        with self.session(username, password) as conn:
            _ok(conn.create(_quote(folder)), f"CREATE {folder}")

    def folder_delete(self, username: str, password: str, folder: str) -> None:
        with self.session(username, password) as conn:
            _ok(conn.delete(_quote(folder)), f"DELETE {folder}")

    def append(self, username: str, password: str, folder: str, raw: bytes) -> None:
        with self.session(username, password) as conn:
            _ok(conn.append(_quote(folder), None, None, raw), f"APPEND to {folder}")

    def flags(self, username: str, password: str, folder: str) -> dict[int, str]:
        """{uid: the message's flags} for every message in ``folder``, read without changes."""
        with self.session(username, password) as conn:
            typ, data = conn.select(_quote(folder), readonly=True)
            _ok((typ, data), f"EXAMINE {folder}")
            if int(data[0]) == 0:
                return {}
            _ok(conn.uid("FETCH", "1:*", "(UID FLAGS)"), "FETCH FLAGS")
            return _parse_flags(conn.response("FETCH")[1])


def _ok(response: tuple[str, list], what: str) -> None:
    typ, data = response
    if typ != "OK":
        raise DovecotError(f"{what} failed: {typ} {data!r}")


def _parse_flags(lines: list) -> dict[int, str]:
    import re

    found: dict[int, str] = {}
    for line in lines:
        if isinstance(line, bytes) and (m := re.search(rb"UID (\d+).*FLAGS \(([^)]*)\)", line)):
            found[int(m[1])] = m[2].decode()
        elif isinstance(line, bytes) and (m := re.search(rb"FLAGS \(([^)]*)\).*UID (\d+)", line)):
            found[int(m[2])] = m[1].decode()
    return found

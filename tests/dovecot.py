"""A private Dovecot IMAP server for the tests: its own config, port, users and Maildirs
under a temporary directory, run in the foreground as a child process of the test session.

Nothing of the system's Dovecot is used but the binary: not /etc/dovecot, not port 143, not
its service. Mail is put in over IMAP (APPEND), as a mail client or an MTA would.
Written for Dovecot 2.3 (Debian 12); ``Dovecot.version`` tells which one ran.
"""

import ctypes
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT = 15.0  # seconds; Dovecot usually listens within a fraction of one

CONFIG = """\
# Written by tests/dovecot.py for {version}: a private test instance.
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
# A wrong password (one test sends one) must not slow down the tests after it: no delay
# of the failure itself, and no penalty for the next login from the same address (anvil's
# penalty is off when its socket cannot be opened).
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}

default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}

mail_location = maildir:~/Maildir

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
  default_fields = uid={mail_uid} gid={mail_gid}
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
    """The test Dovecot is not installed, did not start, or refused a command."""


def dovecot_binary() -> str:
    """The dovecot binary: $DOVECOT_BINARY, else from PATH or the usual sbin directories."""
    configured = os.environ.get("DOVECOT_BINARY")
    candidates = (
        [configured]
        if configured
        else [shutil.which("dovecot"), "/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]
    )
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise DovecotError(
        f"Dovecot is not installed ({configured or 'dovecot'} not found), and the IMAP tests "
        "need a real one: run `make system-deps` (or `apt-get install dovecot-imapd`)."
    )


def _check_version(version: str) -> None:
    # The config below is 2.3's; 2.4 renamed and restructured many settings.
    found = re.match(r"Dovecot (\d+)\.(\d+)", version)
    if found is None or (int(found[1]), int(found[2])) != (2, 3):
        raise DovecotError(f"tests/dovecot.py writes a config for Dovecot 2.3, not {version}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _accounts() -> dict[str, str | int]:
    """Who Dovecot's processes run as, and who owns the mail.

    As an ordinary user Dovecot cannot switch users, so all of it runs as that user. As root
    (containers, CI) it refuses to run its login process as root and to give mail to UID 0,
    so it uses the unprivileged users its Debian package creates.
    """
    if os.getuid() != 0:
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        return {
            "internal_user": user,
            "internal_group": group,
            "login_user": user,
            "mail_uid": os.getuid(),
            "mail_gid": os.getgid(),
        }
    internal = _user_or_nobody("dovecot")
    return {
        "internal_user": internal.pw_name,
        "internal_group": grp.getgrgid(internal.pw_gid).gr_name,
        "login_user": _user_or_nobody("dovenull").pw_name,
        "mail_uid": internal.pw_uid,
        "mail_gid": internal.pw_gid,
    }


def _user_or_nobody(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return pwd.getpwnam("nobody")


def _die_with_parent() -> None:
    """In the child before exec: on Linux, have the kernel send SIGTERM when the test
    process dies, so a killed test run leaves no Dovecot behind."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def imap_quote(name: str) -> str:
    """An IMAP quoted string: imaplib sends its arguments as they are."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Dovecot:
    """One running Dovecot with a pool of empty accounts: each test takes a fresh one
    (``account()``), so tests never see each other's mail."""

    def __init__(self, root: Path, *, pool: int = 100) -> None:
        self.binary = dovecot_binary()
        self.root = root
        self.host = HOST
        self.port = _free_port()
        self.config = root / "dovecot.conf"
        self.log = root / "dovecot.log"
        self.passwd = root / "passwd"
        self.mail_dir = root / "mail"
        self.accounts = _accounts()
        self.users: dict[str, str] = {f"seller{i}": f"secret-{i}" for i in range(1, pool + 1)}
        self._pool = list(self.users)
        self.process: subprocess.Popen | None = None

    @property
    def version(self) -> str:
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        return f"Dovecot {out.stdout.strip()}"

    # Life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        _check_version(self.version)
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._passwd_write()
        if os.getuid() == 0:
            # Its unprivileged processes must reach their sockets, the passwd file and mail.
            self.root.chmod(0o755)
            self.passwd.chmod(0o644)
            os.chown(self.mail_dir, self.accounts["mail_uid"], self.accounts["mail_gid"])
        self.config.write_text(
            CONFIG.format(
                version=self.version, root=self.root, host=self.host, port=self.port,
                **self.accounts,
            )
        )
        # -F: stay in the foreground, so this process owns it and notices if it dies.
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C meant for pytest must not stop it half-way
            preexec_fn=_die_with_parent,
        )
        self._wait_listening()

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                raise DovecotError(
                    f"Dovecot exited with status {self.process.returncode}:\n{output}\n"
                    f"{self.log_tail()}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise DovecotError(f"Dovecot did not listen on port {self.port}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return "(Dovecot wrote no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the master stops its children itself
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: nothing else
            self.process.wait()
        self.process.stdout.close()

    # Accounts and mail -----------------------------------------------------------------

    def user_add(self, username: str, password: str) -> None:
        """Add a login; before ``start``: Dovecot checks the passwd file for changes at most
        once a second, so a user added while it runs is not reliably known at once."""
        if self.process is not None:
            raise DovecotError("add users before start()")
        self.users[username] = password

    def _passwd_write(self) -> None:
        # user:password:uid:gid:gecos:home:shell:extra; uid and gid are userdb defaults.
        self.passwd.write_text(
            "".join(
                f"{user}:{{PLAIN}}{password}::::{self.mail_dir / user}::\n"
                for user, password in self.users.items()
            ),
            encoding="utf-8",
        )

    def account(self) -> "Account":
        """A fresh, empty account from the pool."""
        if not self._pool:
            raise DovecotError("the account pool is used up: start Dovecot with a larger pool")
        username = self._pool.pop(0)
        return Account(self, username, self.users[username])

    @contextmanager
    def session(self, username: str, password: str) -> Iterator[imaplib.IMAP4]:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            # AUTHENTICATE PLAIN, not LOGIN: imaplib sends LOGIN's arguments as ASCII only.
            secret = f"\0{username}\0{password}".encode()
            _ok(conn.authenticate("PLAIN", lambda _challenge: secret), "AUTHENTICATE")
            yield conn
        finally:
            with suppress(imaplib.IMAP4.error, OSError):
                conn.logout()


class Account:
    """One user's mail on the test Dovecot, changed and read as a mail client would."""

    def __init__(self, dovecot: Dovecot, username: str, password: str) -> None:
        self.dovecot = dovecot
        self.username = username
        self.password = password

    def session(self):
        return self.dovecot.session(self.username, self.password)

    def folder_create(self, folder: str) -> None:
        with self.session() as conn:
            _ok(conn.create(imap_quote(folder)), f"CREATE {folder}")

    def folder_delete(self, folder: str) -> None:
        with self.session() as conn:
            _ok(conn.delete(imap_quote(folder)), f"DELETE {folder}")

    def append(self, folder: str, *mails: bytes) -> None:
        with self.session() as conn:
            for raw in mails:
                _ok(conn.append(imap_quote(folder), None, None, raw), f"APPEND to {folder}")

    def uid_validity(self, folder: str) -> int:
        with self.session() as conn:
            typ, data = conn.status(imap_quote(folder), "(UIDVALIDITY)")
            _ok((typ, data), f"STATUS {folder}")
        return int(re.search(rb"UIDVALIDITY (\d+)", data[0])[1])

    def flags(self, folder: str) -> dict[int, set[str]]:
        """{UID: flags} of every message in ``folder``, read without changing anything."""
        with self.session() as conn:
            typ, data = conn.select(imap_quote(folder), readonly=True)
            _ok((typ, data), f"EXAMINE {folder}")
            if int(data[0]) == 0:
                return {}
            typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            _ok((typ, data), f"FETCH FLAGS in {folder}")
        found: dict[int, set[str]] = {}
        for line in data:
            uid = re.search(rb"UID (\d+)", line)
            flags = re.search(rb"FLAGS \(([^)]*)\)", line)
            found[int(uid[1])] = set(flags[1].decode().split())
        return found


def _ok(response: tuple[str, list], what: str) -> None:
    typ, data = response
    if typ != "OK":
        raise DovecotError(f"{what} failed: {typ} {data!r}")

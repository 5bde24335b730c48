"""The first hour, from a fresh clone: ``make run`` (helpdesk/devserver.py) serves the demo,
a demo agent answers a ticket with a template in a real browser, the reply arrives at the
mail catcher over SMTP and is listed at /dev/mail/, the ticket's clock stops, every periodic
job has beaten its heart; SIGTERM to ``make`` stops everything, leaving no process behind.

The clone reuses this checkout's virtualenv (a symlink; ``make -o .venv/.installed`` so that
nothing is installed) and runs on SQLite under its own ``var/``, as a newcomer's would."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, suppress
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpdesk.periodic import PERIODIC_JOBS

pytestmark = [pytest.mark.browser, pytest.mark.fresh_clone]
ROOT = Path(__file__).resolve().parent.parent.parent
START_SECONDS = 180
# What the newcomer's shell would not have: the checkout's own services and mail settings.
NOT_IN_A_NEW_SHELL = ("DATABASE_URL", "REDIS_URL", "VAR_DIR", "RAW_MAIL_DIR", "DEBUG",
                      "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "MAIL_CATCHER_DIR", "CI")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def processes_in(directory: Path) -> list[tuple[int, str]]:
    """Processes working in ``directory`` (the clone): every child of ``make run`` is."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with suppress(OSError):
            cwd = Path(os.readlink(proc / "cwd"))
            if cwd == directory or directory in cwd.parents:
                args = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append((int(proc.name), args))
    return found


@pytest.fixture
def clone(tmp_path) -> Path:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    path = tmp_path / "helpdesk"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(path)],
                   check=True)
    subprocess.run(["git", "checkout", "--quiet", head], cwd=path, check=True)
    (path / ".venv").symlink_to(sys.prefix)
    return path


class MakeRun:
    def __init__(self, clone: Path, port: int) -> None:
        self.clone, self.port, self.url = clone, port, f"http://127.0.0.1:{port}"
        self.log = clone.parent / "make-run.log"
        env = {k: v for k, v in os.environ.items() if k not in NOT_IN_A_NEW_SHELL}
        with self.log.open("wb") as out:
            self.make = subprocess.Popen(
                ["make", "-o", ".venv/.installed", "run", f"PORT={port}"], cwd=clone, env=env,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_serving(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.make.poll() is None, f"make run stopped:\n{self.output()}"
            with suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
                if "The helpdesk runs" in self.output():
                    return
            time.sleep(0.5)
        pytest.fail(f"make run did not serve within {START_SECONDS} s:\n{self.output()}")

    def heartbeats(self) -> dict[str, datetime]:
        database = self.clone / "var" / "helpdesk.sqlite3"
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as db:
            rows = db.execute("SELECT name, beat_at FROM sla_heartbeat").fetchall()
        return {name: datetime.fromisoformat(at).replace(tzinfo=UTC) for name, at in rows}

    def kill_leftovers(self) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.make.pid, signal.SIGKILL)
        for pid, _ in processes_in(self.clone):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def make_run(clone) -> Iterator[MakeRun]:
    run = MakeRun(clone, free_port())
    try:
        yield run
    finally:
        run.kill_leftovers()


def log_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/inbox/")


def test_make_run_in_a_fresh_clone_is_the_whole_product_and_stops_whole(make_run, browser):
    make_run.wait_serving()
    assert "Demo mail: 69 new of 69." in make_run.output()
    catcher_port = int(re.search(r"mail catcher\s+SMTP 127\.0\.0\.1:(\d+)",
                                 make_run.output()).group(1))

    # Every periodic job of the list ran at once, under the runner, and beat its heart.
    deadline = time.monotonic() + 60
    while set(make_run.heartbeats()) < {job.command for job in PERIODIC_JOBS}:
        assert time.monotonic() < deadline, (make_run.heartbeats(), make_run.output())
        time.sleep(0.5)
    started = datetime.now(UTC)
    assert all(started - at < timedelta(minutes=2) for at in make_run.heartbeats().values())

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, make_run.url, "agent", "agent-demo-pass")
        expect(page.locator(".banner.warning")).to_have_count(0)  # the sweep's heartbeat is fresh
        page.click("a.view-at_risk")
        row = page.locator("#inbox-results tr.row").first
        expect(row.locator(".badge.clock.at_risk")).to_contain_text("left")
        row.locator("td.subject a").click()
        page.wait_for_url("**/inbox/tickets/*/")
        expect(page.locator(".panel.clocks")).to_contain_text("Buyer reply")
        picker = page.locator("select[data-template-picker] option:not([value=''])").first
        page.select_option("select[data-template-picker]", value=picker.get_attribute("value"))
        expect(page.locator("#composer textarea[name=body]")).not_to_have_value("")
        subject = page.input_value("#composer [name=subject]")
        page.click("button[data-send]")
        # Sent at once without Redis; queued for the runner's worker with it.
        expect(page.locator(".flash")).to_contain_text(re.compile(r"Reply (sent to|queued)"))
        page.reload()
        expect(page.locator(".panel.clocks")).to_contain_text("No open clocks.")
        expect(page.locator(".panel.timeline")).to_contain_text("Reply sent")

        # The reply went over SMTP to the catcher, which kept it and lists it for the admin.
        caught = [BytesParser(policy=policy.default).parsebytes(p.read_bytes())
                  for p in (make_run.clone / "var" / "mail" / "new").iterdir()]
        [reply] = [m for m in caught if m["Subject"] == subject]
        assert reply["X-MailFrom"] == "support@example-seller.com"
        assert "marketplace.amazon" in reply["X-RcptTo"]  # the buyer's relay address
        page.click("button:has-text('Log out')")
        log_in(page, make_run.url, "admin", "admin-demo-pass")
        page.goto(f"{make_run.url}/dev/mail/")
        expect(page.locator("table.caught")).to_contain_text(subject)
        expect(page.locator("table.caught")).to_contain_text("manager@example-seller.com")
    finally:
        context.close()

    # SIGTERM to make alone (as a service manager or `kill` would): everything stops.
    os.kill(make_run.make.pid, signal.SIGTERM)
    make_run.make.wait(60)
    assert "Stopped: web server, mail catcher" in make_run.output()
    assert processes_in(make_run.clone) == []
    for port in (make_run.port, catcher_port):
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), 1):
            pass

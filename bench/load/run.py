"""Load test: 50 agents on the inbox and ticket pages for 60 s while 100 mails/s come in.

    .venv/bin/python bench/load/run.py [--reuse] [--seconds 60] [--mails-per-second 100]
        [--tickets 20000] [--web-workers 3] [--web-threads 1] [--rq-workers 1]

Against the production shape on loopback: gunicorn (``helpdesk.wsgi``) + ``manage.py
rqworker`` (niced, as deploy/systemd runs it) + PostgreSQL (database ``bench_load``, dropped
and recreated unless --reuse) + Redis DB 7. The database gets TICKETS tickets of history
(bench/inbox.py's generator: 2 % open with a running clock), the demo channels and rules,
three queues and 50 agents with passwords. Locust (bench/load/locustfile.py) logs the agents
in and runs them and ten webhook senders. Prints error rate, median and p95 for the pages,
the ingest posts and the logins, and how far the worker got with the mail meanwhile.
Settings: BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_PORT override the defaults below.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL",
                              "postgres://postgres@127.0.0.1:5432/bench_load")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
TOKEN = "load-test-token"
AGENTS = 50
SENDERS = 30  # as bench/load/locustfile.py
PASSWORD = "load-agent-pass"
OUT = ROOT / "var" / "load"
POPULATED = ["marketplaces_buyer", "marketplaces_order", "tickets_ticket", "tickets_message",
             "tickets_timelineevent", "sla_obligation", "tickets_escalation"]
ENV = {
    **os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings", "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL, "INGEST_TOKEN": TOKEN, "RAW_MAIL_DIR": str(OUT / "raw"),
    "SECURE_COOKIES": "0", "DEBUG": "", "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "60",
    "SELLER_ADDRESSES": "support@example-seller.com,service@mugshop.de",
}


def build(tickets: int) -> None:
    """A fresh database: migrations (channels, rules), the tickets, queues and agents."""
    from inbox import fresh_database, populate, users

    fresh_database(DATABASE_URL)
    os.environ.update(ENV)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from helpdesk.tickets.models import Queue

    call_command("migrate", verbosity=0)
    users()  # bench/inbox.py's queues over the Amazon channels, 20 agents, a manager
    with blank_defaults():
        populate(tickets)
    agent_group = Group.objects.get(name="agent")
    hashed = make_password(PASSWORD)  # once: fifty PBKDF2 hashes would take a while
    created = User.objects.bulk_create(
        User(username=f"load{i}", password=hashed, first_name=f"Agent {i}")
        for i in range(AGENTS)
    )
    for user in created:
        user.groups.add(agent_group)
    for queue in Queue.objects.all():
        queue.members.add(*created)


@contextmanager
def blank_defaults() -> Iterator[None]:
    """Columns added since bench/inbox.py's generator was written (NOT NULL, no default) get
    a blank default while it runs, so that it keeps working as the models grow."""
    from django.db import connection

    blank = {"text": "''", "character varying": "''", "boolean": "false", "integer": "0",
             "bigint": "0", "jsonb": "'{}'::jsonb", "double precision": "0"}
    with connection.cursor() as c:
        c.execute("""
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = 'public' AND is_nullable = 'NO' AND column_default IS NULL
              AND column_name <> 'id' AND table_name = ANY(%s)""", [POPULATED])
        columns = [(t, col, blank[kind]) for t, col, kind in c.fetchall() if kind in blank]
        for table, column, value in columns:
            c.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DEFAULT {value}')
    try:
        yield
    finally:
        with connection.cursor() as c:
            for table, column, _ in columns:
                c.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')


def django_ready() -> None:
    os.environ.update(ENV)
    import django

    django.setup()


def agent_sessions() -> list[str]:
    """A signed-in session per agent, as after their morning login: fifty PBKDF2 logins at
    once would measure the password hash, not the pages (login is timed on its own)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    keys = []
    for user in User.objects.filter(username__startswith="load").order_by("pk"):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def wait_listening(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"nothing answered at {url}")


def figures(times: list[float], errors: int) -> str:
    if not times:
        return "no requests"
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (f"{len(times):,} requests, {errors} errors ({errors / len(times):.2%}), "
            f"median {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=15, help="seconds before measuring")
    parser.add_argument("--mails-per-second", type=float, default=100)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--web-threads", type=int, default=1,
                        help="threads per gunicorn worker (gthread); 1: sync workers")
    parser.add_argument("--rq-workers", type=int, default=1)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        started = time.monotonic()
        build(args.tickets)
        print(f"built {args.tickets:,} tickets and {AGENTS} agents in "
              f"{time.monotonic() - started:.0f} s", flush=True)
    django_ready()
    import django_rq
    from django.db import connection

    from helpdesk.mail.models import RawMail
    from helpdesk.tickets.models import Ticket

    django_rq.get_connection("ingest").flushdb()  # DB 7 belongs to this benchmark
    (OUT / "agents.txt").write_text("".join(f"{key}\n" for key in agent_sessions()))
    open_ids = Ticket.objects.exclude(status="resolved").values_list("pk", flat=True)[:2000]
    (OUT / "tickets.txt").write_text(" ".join(map(str, open_ids)))
    before = RawMail.objects.count()
    connection.close()

    processes = [subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "helpdesk.wsgi", "-b", f"127.0.0.1:{PORT}",
         "-w", str(args.web_workers), "--threads", str(args.web_threads),
         "--timeout", "30", "--log-level", "warning"],
        cwd=ROOT, env=ENV, start_new_session=True)]
    for i in range(args.rq_workers):
        # Niced: processing the mail can wait a moment, an agent's page cannot.
        processes.append(subprocess.Popen(
            ["nice", "-n", "10", sys.executable, "manage.py", "rqworker", "--with-scheduler",
             "ingest", "mail", "default", "--name", f"load-{os.getpid()}-{i}"],
            cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True))
    try:
        wait_listening(f"http://127.0.0.1:{PORT}/login/")
        results = OUT / "results.json"
        results.unlink(missing_ok=True)
        command = [
            sys.executable, "-m", "locust", "-f", str(ROOT / "bench/load/locustfile.py"),
            "--headless", "-u", str(AGENTS + SENDERS), "-r", str(AGENTS + SENDERS),
            "-t", f"{args.seconds + args.warmup}s", "--host", f"http://127.0.0.1:{PORT}",
            "--only-summary", "--csv", str(OUT / "locust"), "--loglevel", "WARNING",
        ]
        subprocess.run(command, cwd=ROOT, check=False, env={
            **ENV, "LOAD_AGENTS": str(OUT / "agents.txt"), "LOAD_TICKETS": str(OUT / "tickets.txt"),
            "LOAD_MAILS_PER_SECOND": str(args.mails_per_second), "LOAD_RESULTS": str(results),
            "LOAD_WARMUP": str(args.warmup), "LOAD_SEED": str(int(time.time()))})
        data = json.loads(results.read_text())
        received = RawMail.objects.count() - before  # warm-up included
        processed = RawMail.objects.exclude(status="received").count() - before
        print(f"\n{args.seconds} s, {AGENTS} agents, {args.mails_per_second:g} mails/s posted, "
              f"{Ticket.objects.count():,} tickets, gunicorn -w {args.web_workers} "
              f"--threads {args.web_threads}, "
              f"{args.rq_workers} rqworker(s)")
        for group in ("pages", "ingest", "login"):
            print(f"- {group}: {figures(data['times'].get(group, []), data['errors'].get(group, 0))}")
        posted = len(data["times"].get("ingest", []))
        print(f"- mail posted while measured: {posted / args.seconds:.1f}/s")
        print(f"- mail: {received:,} kept in {args.seconds + args.warmup} s "
              f"({received / (args.seconds + args.warmup):.0f}/s), {processed:,} of them "
              "processed into tickets by the end (the rest waits in the queue)")
        print(f"- load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(30)


if __name__ == "__main__":
    main()

"""PostgreSQL restarted, and stopped for a while, under load: requests fail cleanly (503 with
Retry-After, nothing half-written), and the app recovers by itself, without a restart.

The app as deployed: gunicorn with persistent database connections (DB_CONN_MAX_AGE=60, the
harder case: every kept connection dies with the restart) against a PostgreSQL of the test's
own. Webhook senders post mail and agents read the inbox and tickets the whole time.
"""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count

import psycopg
import pytest
import requests
from faults_support import ROOT, mails_generate, wait_for
from services import PostgresServer, ServiceError, free_port

pytestmark = pytest.mark.faults
TOKEN = "fault-token"
OK = {200, 202}


@dataclass
class Traffic:
    results: list[tuple[float, str, int | str]] = field(default_factory=list)
    failed_mails: list[bytes] = field(default_factory=list)
    accepted_mails: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int | str) -> None:
        with self.lock:
            self.results.append((time.monotonic(), kind, status))


@pytest.fixture(scope="module")
def app() -> Iterator[tuple[PostgresServer, str, subprocess.Popen]]:
    try:
        pg = PostgresServer()
    except ServiceError as exc:
        pytest.skip(str(exc))
    pg.start()
    url = pg.create_database("helpdesk")
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "", "INGEST_TOKEN": TOKEN,
           "DB_CONN_MAX_AGE": "60", "SECURE_COOKIES": "0", "DEBUG": "",
           "RAW_MAIL_DIR": str(pg.root / "raw"), "LOG_LEVEL": "ERROR",
           "SELLER_ADDRESSES": "support@example-seller.com"}
    for command in (["migrate", "-v0"], ["load_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    port = free_port()
    log = (pg.root / "web.log").open("wb")  # noqa: SIM115  (gunicorn writes it until the end)
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "helpdesk.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "2", "--timeout", "30", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{base}/login/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_for(up, timeout=30, what="gunicorn")
    yield pg, base, web
    web.terminate()
    web.wait(10)
    log.close()
    pg.remove()


def agent_session(base: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/login/", timeout=5)
    response = session.post(f"{base}/login/", timeout=5, data={
        "username": "agent", "password": "agent-demo-pass",
        "csrfmiddlewaretoken": session.cookies["csrftoken"]}, headers={"Referer": base})
    assert response.url.endswith("/inbox/"), "the demo agent could not log in"
    return session


def sender(base: str, mails: Iterator[bytes], traffic: Traffic, stop: threading.Event) -> None:
    for raw in mails:
        if stop.is_set():
            return
        try:
            response = requests.post(f"{base}/ingest/raw/", data=raw, timeout=15, headers={
                "Authorization": f"Bearer {TOKEN}", "Content-Type": "message/rfc822"})
            status: int | str = response.status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        traffic.record("ingest", status)
        with traffic.lock:
            (traffic.accepted_mails if status == 202 else traffic.failed_mails).append(raw)


def agent(base: str, session: requests.Session, traffic: Traffic,
          stop: threading.Event) -> None:
    for n in count():
        if stop.is_set():
            return
        path = "/inbox/" if n % 2 else "/inbox/?view=all"
        try:
            response = session.get(f"{base}{path}", timeout=15, allow_redirects=False)
            status: int | str = response.status_code
            if status == 503:
                assert response.headers["Retry-After"]
                assert "nothing was saved" in response.text
        except requests.RequestException as exc:
            status = type(exc).__name__
        traffic.record("page", status)


def sql(pg: PostgresServer, query: str) -> list[tuple]:
    with psycopg.connect(pg.url("helpdesk")) as conn:
        return conn.execute(query).fetchall()


def test_a_database_restart_under_load_fails_requests_cleanly_and_heals_itself(app):
    pg, base, web = app
    traffic, stop = Traffic(), threading.Event()
    mails = iter(list(mails_generate(3000, seed=5)))
    threads = [threading.Thread(target=sender, args=(base, mails, traffic, stop)) for _ in "ab"]
    threads += [threading.Thread(target=agent, args=(base, agent_session(base), traffic, stop))
                for _ in "ab"]
    for thread in threads:
        thread.start()
    try:
        time.sleep(4)
        pg.restart()  # a fast restart: every connection is cut
        time.sleep(4)
        pg._pg_ctl("stop")  # down for a while: a failover, an upgrade
        time.sleep(3)
        pg._pg_ctl("start")
        back = time.monotonic()
        time.sleep(6)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)

    statuses = [status for _, _, status in traffic.results]
    assert web.poll() is None  # the same gunicorn, never restarted
    assert set(statuses) <= {200, 202, 503}, sorted(set(map(str, statuses)))
    assert statuses.count(503) > 0  # the outage was felt
    after = [s for at, _, s in traffic.results if at > back + 2]
    assert after and set(after) <= OK  # healed within two seconds of the database's return
    for kind in ("ingest", "page"):
        assert any(k == kind and s in OK for at, k, s in traffic.results if at > back + 2)

    # Nothing half-written: no ticket without a message, no processed mail without one.
    assert sql(pg, "SELECT count(*) FROM tickets_ticket t WHERE NOT EXISTS "
                   "(SELECT 1 FROM tickets_message m WHERE m.ticket_id = t.id)") == [(0,)]
    assert sql(pg, "SELECT count(*) FROM mail_rawmail r WHERE status = 'stored' AND NOT EXISTS "
                   "(SELECT 1 FROM tickets_message m WHERE m.raw_id = r.id)") == [(0,)]

    # The senders retry what was refused; the periodic retry processes what was kept while
    # the database went away mid-request. Then every mail is stored, once.
    for raw in traffic.failed_mails:
        assert requests.post(f"{base}/ingest/raw/", data=raw, timeout=15, headers={
            "Authorization": f"Bearer {TOKEN}"}).status_code == 202
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from datetime import timedelta; from helpdesk.mail.services import raw_mail_requeue; "
         "raw_mail_requeue(older_than=timedelta(0))"],
        cwd=ROOT, check=True, capture_output=True,
        env={**os.environ, "DATABASE_URL": pg.url("helpdesk"), "REDIS_URL": "",
             "RAW_MAIL_DIR": str(pg.root / "raw"), "SELLER_ADDRESSES": "support@example-seller.com"},
    )
    posted = len(traffic.accepted_mails) + len(traffic.failed_mails)
    demo = sql(pg, "SELECT count(*) FROM mail_rawmail WHERE source NOT IN ('http')")[0][0]
    assert sql(pg, "SELECT status, count(*) FROM mail_rawmail WHERE source = 'http' "
                   "GROUP BY status") == [("stored", posted)], sql(
        pg, "SELECT quarantine_reason FROM mail_rawmail WHERE status = 'quarantined'")
    assert sql(pg, "SELECT count(*) FROM tickets_message m JOIN mail_rawmail r ON r.id = m.raw_id "
                   "WHERE r.source = 'http'") == [(posted,)]
    print(f"\n{len(statuses)} requests, {statuses.count(503)} answered 503 while the database "
          f"was away, {posted} mails posted, all stored once; {demo} demo mails")

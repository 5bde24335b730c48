"""The SLA sweep and report over a million obligations on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sla .venv/bin/python bench/sla.py [N]

Builds N tickets, each with one buyer message and one obligation (default 1,000,000), spread
over the last 365 days with SQL `generate_series` (most answered, some open, 10,000 open and
past due but not yet recorded), then times: a sweep that records the 10,000 new breaches, a
sweep that finds nothing new, and `sla_report` for a 90-day window (median of 5 runs each
where repeatable).
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
NEW_BREACHES = 10_000


def fresh_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)


def populate(n: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM marketplaces_channel WHERE code = 'amazon-com'")
        channel = cursor.fetchone()[0]
        cursor.execute(f"""
            INSERT INTO tickets_ticket (id, kind, status, channel_id, subject, thread_subject,
                language, created_at, last_message_at)
            SELECT g, 'buyer_message', 'open', {channel}, 'Question ' || g, 'question', 'en',
                   now() - (g % 525600) * interval '1 minute',
                   now() - (g % 525600) * interval '1 minute'
            FROM generate_series(1, {n}) g""")
        cursor.execute(f"""
            INSERT INTO tickets_message (id, ticket_id, direction, kind, is_auto, sent_at,
                received_at, message_id, in_reply_to, subject, from_address, from_name,
                to_address, language, buyer_text, quoted_text, body_html)
            SELECT g, g, 'in', 'buyer_message', false, t.created_at, t.created_at,
                   '<' || g || '@bench>', '', t.subject, 'b@marketplace.amazon.com', '', '',
                   'en', 'Where is my order?', '', ''
            FROM generate_series(1, {n}) g JOIN tickets_ticket t ON t.id = g""")
        # Every 50th obligation is open: of those, the newest are pending, NEW_BREACHES are
        # past due and not yet recorded, the rest already recorded as breached.
        cursor.execute(f"""
            INSERT INTO sla_obligation (ticket_id, message_id, channel_id, kind, starts_at, due_at,
                at_risk_at, claim_risk_at, satisfied_at, satisfied_by, response_seconds, state,
                is_open, breached, claim_risk, at_risk_alerted_at)
            SELECT g, g, {channel}, 'buyer_reply', s, s + interval '24 hours',
                   s + interval '20 hours', s + interval '48 hours',
                   CASE WHEN g % 50 = 0 THEN NULL ELSE s + (g % 30) * interval '1 hour' END,
                   CASE WHEN g % 50 = 0 THEN '' ELSE 'reply' END,
                   CASE WHEN g % 50 = 0 THEN NULL ELSE (g % 30) * 3600 END,
                   CASE WHEN g % 50 = 0 THEN 'overdue' WHEN g % 30 > 24 THEN 'met_late'
                        ELSE 'met' END,
                   g % 50 = 0,
                   (g % 50 = 0 AND g > {NEW_BREACHES * 50}) OR (g % 50 <> 0 AND g % 30 > 24),
                   g % 50 = 0 AND g > {NEW_BREACHES * 50},
                   CASE WHEN g % 50 = 0 AND g > {NEW_BREACHES * 50} THEN s + interval '20 hours'
                        END
            FROM (SELECT g, now() - interval '2 days' - (g % 525600) * interval '1 minute' AS s
                  FROM generate_series(1, {n}) g) x""")
        for table in ("tickets_ticket", "tickets_message"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")


def timed(func, runs: int = 1) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database (it is dropped and recreated)")
    fresh_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from helpdesk.sla.models import Obligation, Violation
    from helpdesk.sla.report import sla_report
    from helpdesk.sla.sweep import sla_sweep

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    populate(n)
    print(f"populated {Obligation.objects.count():,} obligations in "
          f"{time.perf_counter() - started:.0f} s")

    first = timed(lambda: sla_sweep())
    print(f"sweep recording {Violation.objects.count():,} new breaches: {first:.2f} s")
    idle = timed(lambda: sla_sweep(), runs=5)
    print(f"sweep finding nothing new (median of 5): {idle * 1000:.0f} ms")
    now = timezone.now()
    report = timed(
        lambda: sla_report(since=now - timezone.timedelta(days=90), until=now, now=now), runs=5
    )
    print(f"sla_report, 90-day window (median of 5): {report * 1000:.0f} ms")


if __name__ == "__main__":
    main()

"""The managers' reports page and its CSV files over 1,000,000 obligations and 100,000
orders on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports .venv/bin/python bench/reports.py [N]

Builds the SLA benchmark's data (`bench/sla.py`: N tickets with a buyer message and a clock
each, spread over a year) and adds: a reply message per answered clock, half of them sent
through the outbox by one of 20 agents, every ticket assigned, a product (one of 200 ASINs)
and a complaint category per ticket, 100,000 orders over the last 120 days and 3,000 claim,
chargeback and feedback tickets on them. Then times, as a manager, `/reports/` for the last
90 days and each CSV file (median of 5 after one warm-up).
"""

import os
import statistics
import sys
import time

from sla import NEW_BREACHES, fresh_database

AGENTS = 20
ORDERS = 100_000


def bulk_defaults() -> None:
    """The bulk rows leave these columns out: give them their defaults in the database."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table, column, default in (
            ("tickets_ticket", "asin", "''"),
            ("tickets_message", "untrusted_reason", "''"),
            ("tickets_message", "thread_pinned", "false"),
            ("sla_violation", "withdrawn_reason", "''"),
        ):
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {default}")


def populate_reports(n: int) -> None:
    """Every row written once by INSERT … SELECT generate_series: no UPDATE over the million
    tickets or clocks (each would rewrite every row and every index on it)."""
    from django.contrib.auth.models import Group, User
    from django.db import connection

    group = Group.objects.get_or_create(name="agent")[0]
    for i in range(AGENTS):
        User.objects.create_user(f"agent{i}").groups.add(group)
    first_user = User.objects.order_by("pk").first().pk
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("SELECT id FROM marketplaces_channel WHERE code = 'amazon-com'")
        channel = cursor.fetchone()[0]
        # bench/sla.py's tickets, buyer messages and clocks, with the columns the reports read.
        cursor.execute(f"""
            INSERT INTO tickets_ticket (id, kind, status, channel_id, subject, thread_subject,
                language, created_at, last_message_at, assignee_id, asin, search_text)
            SELECT g, 'buyer_message', 'open', {channel}, 'Question ' || g, 'question', 'en',
                   now() - (g % 525600) * interval '1 minute',
                   now() - (g % 525600) * interval '1 minute',
                   {first_user} + g % {AGENTS}, 'B0BENCH' || lpad((g % 200)::text, 3, '0'),
                   'Question ' || g
            FROM generate_series(1, {n}) g""")
        cursor.execute(f"""
            INSERT INTO tickets_message (id, ticket_id, direction, kind, is_auto, sent_at,
                received_at, message_id, in_reply_to, subject, from_address, from_name,
                to_address, language, buyer_text, quoted_text, body_html)
            SELECT g, g, 'in', 'buyer_message', false, t.created_at, t.created_at,
                   '<' || g || '@bench>', '', t.subject, 'b@marketplace.amazon.com', '', '',
                   'en', 'Where is my order?', '', ''
            FROM generate_series(1, {n}) g JOIN tickets_ticket t ON t.id = g""")
        # As bench/sla.py: every 50th clock open (the newest pending, NEW_BREACHES past due
        # and not yet recorded, the rest breached and recorded); the others ended by the
        # reply message n + ticket id.
        cursor.execute(f"""
            INSERT INTO sla_obligation (ticket_id, message_id, channel_id, kind, starts_at, due_at,
                at_risk_at, claim_risk_at, satisfied_at, satisfied_by, response_seconds, state,
                is_open, breached, claim_risk, at_risk_alerted_at, violation_recorded)
            SELECT g, g, {channel}, 'buyer_reply', s, s + interval '24 hours',
                   s + interval '20 hours', s + interval '48 hours',
                   CASE WHEN g % 50 = 0 THEN NULL ELSE s + (g % 30) * interval '1 hour' END,
                   CASE WHEN g % 50 = 0 THEN '' ELSE ({n} + g)::text END,
                   CASE WHEN g % 50 = 0 THEN NULL ELSE (g % 30) * 3600 END,
                   CASE WHEN g % 50 = 0 THEN 'overdue' WHEN g % 30 > 24 THEN 'met_late'
                        ELSE 'met' END,
                   g % 50 = 0, breached, g % 50 = 0 AND g > {NEW_BREACHES * 50},
                   CASE WHEN g % 50 = 0 AND g > {NEW_BREACHES * 50} THEN s + interval '20 hours'
                        END,
                   breached
            FROM (SELECT g, now() - interval '2 days' - (g % 525600) * interval '1 minute' AS s,
                         (g % 50 = 0 AND g > {NEW_BREACHES * 50}) OR (g % 50 <> 0 AND g % 30 > 24)
                         AS breached
                  FROM generate_series(1, {n}) g) x""")
        cursor.execute(f"""
            INSERT INTO tickets_message (id, ticket_id, direction, kind, is_auto, sent_at,
                received_at, message_id, in_reply_to, subject, from_address, from_name,
                to_address, language, buyer_text, quoted_text, body_html)
            SELECT {n} + o.ticket_id, o.ticket_id, 'out', 'seller_reply', false, o.satisfied_at,
                   o.satisfied_at, '<r' || o.ticket_id || '@bench>', '', 'Re', 's@x', '', '',
                   'en', '', '', ''
            FROM sla_obligation o WHERE o.satisfied_at IS NOT NULL""")
        cursor.execute(f"""
            INSERT INTO replies_outbox (ticket_id, author_id, language, subject, body, message_id,
                from_address, to_address, in_reply_to, "references", state, attempts,
                last_error, claim_token, sent_at, sent_message_id, findings, override_reason,
                created_at)
            SELECT o.ticket_id, {first_user} + (o.ticket_id * 7) % {AGENTS}, 'en', 'Re', 'Hi',
                   '<r' || o.ticket_id || '@bench>', 's@x', 'b@x', '', '', 'sent', 1, '', '',
                   o.satisfied_at, {n} + o.ticket_id, '[]', '', o.satisfied_at
            FROM sla_obligation o
            WHERE o.satisfied_at IS NOT NULL AND o.ticket_id % 2 = 0""")
        # Every breach recorded, as the sweep would have (with the assignee of the time).
        cursor.execute(f"""
            INSERT INTO sla_violation (obligation_id, ticket_id, channel_id, kind, starts_at,
                due_at, occurred_at, recorded_at, assignee_id)
            SELECT o.id, o.ticket_id, o.channel_id, o.kind, o.starts_at, o.due_at, o.due_at,
                   o.due_at + interval '1 minute', {first_user} + o.ticket_id % {AGENTS}
            FROM sla_obligation o WHERE o.breached""")
        cursor.execute("SELECT id FROM complaints_complaintcategory ORDER BY position")
        categories = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"""
            INSERT INTO complaints_ticketcomplaint (ticket_id, category_id, source, matched,
                updated_at)
            SELECT g, (ARRAY{categories})[1 + g % {len(categories)}], 'rule', '', now()
            FROM generate_series(1, {n}) g""")
        for table in ("tickets_ticket", "tickets_message"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute(f"""
            INSERT INTO marketplaces_order (order_id, channel_id, purchased_at, status,
                fulfilment, created_at)
            SELECT '900-' || lpad(g::text, 7, '0') || '-0000000', {channel},
                   now() - (g % 172800) * interval '1 minute', 'Shipped', 'Merchant', now()
            FROM generate_series(1, {ORDERS}) g""")
        cursor.execute(f"""
            INSERT INTO tickets_ticket (kind, status, channel_id, order_id, subject,
                thread_subject, language, asin, created_at, last_message_at, search_text)
            SELECT (ARRAY['claim', 'chargeback', 'feedback'])[1 + g % 3], 'open', {channel},
                   (SELECT min(id) FROM marketplaces_order) + (g * 31) % {ORDERS}, 'Defect', '',
                   'en', '', now() - (g % 80) * interval '1 day', now(), 'Defect'
            FROM generate_series(1, 3000) g""")


def timed(func, runs: int = 5) -> tuple[float, float]:
    func()  # warm-up
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), max(seconds)


def reports_bench(argv: list[str], *, populate_more=None):
    """Build the data for N (``argv``; a fresh database) or, with ``--reuse``, keep what a
    previous run built; apply new migrations, VACUUM ANALYZE, and return a manager's client.
    ``populate_more`` adds a benchmark's own rows after ``populate_reports``."""
    args = [a for a in argv if not a.startswith("--")]
    reuse = "--reuse" in argv  # time again on the data already built
    n = int(args[0]) if args else 1_000_000
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database (it is dropped and recreated)")
    if not reuse:
        fresh_database(url)
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from helpdesk.sla.models import Obligation

    setup_test_environment()
    # On a reused build this adds only the migrations written since (e.g. new indexes).
    call_command("migrate", verbosity=0)
    if not reuse:
        started = time.perf_counter()
        bulk_defaults()
        populate_reports(n)
        if populate_more is not None:
            populate_more()
        print(
            f"populated {Obligation.objects.count():,} obligations in "
            f"{time.perf_counter() - started:.0f} s"
        )
    with connection.cursor() as cursor:
        # Fresh statistics and a visibility map, as autovacuum keeps them in production: the
        # reports' index-only scans depend on the latter.
        cursor.execute("VACUUM ANALYZE")
    manager, _ = User.objects.get_or_create(username="bench-manager")
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])
    client = Client()
    client.force_login(manager)
    window = Obligation.objects.filter(
        starts_at__gte=timezone.now() - timezone.timedelta(days=90)
    ).count()
    print(f"{window:,} obligations in the 90-day window")
    return client


def pages_timed(client, urls: list[str]) -> None:
    """Each page as the manager, median and worst of ``timed``, as a table row."""
    for url in urls:

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        median, worst = timed(get)
        print(f"| `{url}` | {median * 1000:.0f} ms | {worst * 1000:.0f} ms |")


def main() -> None:
    client = reports_bench(sys.argv[1:])
    pages_timed(client, [
        "/reports/?period=90",
        "/reports/?period=90&channel=amazon-com",
        "/reports/?period=30",
        "/reports/violations/?period=90",
        *[
            f"/reports/csv/{t}/?period=90"
            for t in (
                "overview",
                "agents",
                "channels",
                "days",
                "cases",
                "violations",
                "complaints",
                "odr_orders",
            )
        ],
    ])


if __name__ == "__main__":
    main()

"""The inbox and the ticket page over a million tickets on PostgreSQL, or on SQLite (the
embedded default) with a file of its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_inbox .venv/bin/python bench/inbox.py [N]
    DATABASE_URL=sqlite:////tmp/bench_inbox.sqlite3 .venv/bin/python bench/inbox.py 100000

Builds N tickets (default 1,000,000) in SQL (`generate_series`, a recursive CTE on SQLite), a
year of history: each has
a buyer message, a buyer-reply clock and two timeline lines; 2 % are open with a running
clock (some overdue, some at risk), 1 % wait for the buyer, 1 % are open notices without a
clock, the rest are resolved. 200,000 buyers, an order per ticket, 20 agents, a few hundred
seller support escalations. Then, logged in as an agent whose queues cover all Amazon
channels (and once as a manager), times each inbox view, a search and a ticket page with
Django's test client: server time, 50 requests each, median and p95.
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
os.environ["ALLOWED_HOSTS"] = "testserver"
RUNS = 50
AGENTS = 20


def fresh_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)


# Ticket g says phrase g / 7 % 10: each phrase in one ticket in ten, old and new alike (the
# newest tickets are those with g % 100 < 4).
WORDS = ["where is my order", "the mug arrived broken", "lid is leaking", "wrong colour sent",
         "please cancel my order", "how do I return this", "thanks a lot", "size is too small",
         "parcel never arrived", "is it dishwasher safe"]


def populate(n: int) -> None:
    from django.db import connection

    phrases = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    with connection.cursor() as c:
        c.execute("SELECT array_agg(id ORDER BY id) FROM marketplaces_channel "
                  "WHERE platform = 'amazon'")
        channels = c.fetchone()[0]
        ch = f"(ARRAY{channels})[1 + g % {len(channels)}]"
        c.execute("SELECT array_agg(id ORDER BY id) FROM auth_user")
        agents = c.fetchone()[0]
        assignee = f"CASE WHEN g % 3 = 0 THEN NULL ELSE (ARRAY{agents})[1 + g % {len(agents)}] END"
        buyers = n // 5
        c.execute(f"""
            INSERT INTO marketplaces_buyer (id, alias, name, language, channel_id, created_at)
            SELECT g, 'b' || g || '@marketplace.amazon.com',
                   (ARRAY['Jane','Tom','Ann','Lukas','Marie','Kenji','Olivia','Marco'])[1 + g % 8]
                   || ' ' || (ARRAY['Doe','Ray','Lee','Schmidt','Martin','Sato','Grant'])[1 + g % 7]
                   || ' ' || g, 'en', {ch}, now()
            FROM generate_series(1, {buyers}) g""")
        order_cols = {col.name for col in connection.introspection.get_table_description(
            c, "marketplaces_order")}
        order_blank = sorted(order_cols & {"status", "fulfilment"})
        c.execute(f"""
            INSERT INTO marketplaces_order (id, order_id, channel_id, buyer_id, created_at
                {"".join(", " + col for col in order_blank)})
            SELECT g, lpad((100 + g % 900)::text, 3, '0') || '-'
                   || lpad((g % 9999999)::text, 7, '0') || '-' || lpad(g::text, 7, '0'),
                   {ch}, 1 + g % {buyers}, now() {", ''" * len(order_blank)}
            FROM generate_series(1, {n}) g""")
        # Status by g % 100: 0-1 open with a running clock, 2 waiting, 3 an open notice.
        # (Text columns other apps may have added since are filled with '' too.)
        ticket_cols = {col.name for col in connection.introspection.get_table_description(
            c, "tickets_ticket")}
        blank = sorted(ticket_cols & {"asin"})
        # The search text: the subject, then the message's words (as inserted below).
        searchable = "search_text" in ticket_cols
        search_value = (f", 'Inquiry ' || g || ': ' || ({phrases})[1 + g / 7 % 10] || E'\\n' || "
                        f"'Hello, ' || ({phrases})[1 + g / 7 % 10] || '. Order ' || g")
        c.execute(f"""
            INSERT INTO tickets_ticket (id, kind, status, channel_id, buyer_id, order_id,
                assignee_id, subject, thread_subject, language, created_at, last_message_at
                {"".join(", " + col for col in blank)}{", search_text" if searchable else ""})
            SELECT g,
                   CASE WHEN g % 100 = 3 THEN 'other' WHEN g % 37 = 0 THEN 'return_request'
                        WHEN g % 53 = 0 THEN 'claim' ELSE 'buyer_message' END,
                   CASE WHEN g % 100 < 2 OR g % 100 = 3 THEN 'open'
                        WHEN g % 100 = 2 THEN 'waiting' ELSE 'resolved' END,
                   {ch}, 1 + g % {buyers}, g, {assignee},
                   'Inquiry ' || g || ': ' || ({phrases})[1 + g / 7 % 10], 'inquiry', 'en', t, t
                   {", ''" * len(blank)}
                   {search_value if searchable else ""}
            FROM (SELECT g, CASE WHEN g % 100 < 4 THEN now() - (g % 2880) * interval '1 minute'
                                 ELSE now() - (g % 525600) * interval '1 minute' END AS t
                  FROM generate_series(1, {n}) g) x""")
        # Columns later versions added without a database default: their model default.
        message_cols = {col.name for col in connection.introspection.get_table_description(
            c, "tickets_message")}
        message_extra = [(col, value) for col, value in
                         (("thread_pinned", "false"), ("untrusted_reason", "''"))
                         if col in message_cols]
        c.execute(f"""
            INSERT INTO tickets_message (id, ticket_id, direction, kind, is_auto, sent_at,
                received_at, message_id, in_reply_to, subject, from_address, from_name,
                to_address, language, buyer_text, quoted_text, body_html
                {"".join(", " + col for col, _value in message_extra)})
            SELECT t.id, t.id, 'in', t.kind, false, t.created_at, t.created_at,
                   '<' || t.id || '@bench>', '', t.subject, 'b@marketplace.amazon.com',
                   'Buyer', '', 'en', 'Hello, ' || ({phrases})[1 + t.id / 7 % 10]
                   || '. Order ' || t.id, '', ''
                   {"".join(", " + value for _col, value in message_extra)}
            FROM tickets_ticket t""")
        c.execute("""
            INSERT INTO tickets_timelineevent (ticket_id, at, kind, text, data)
            SELECT id, created_at, 'opened', 'Ticket opened', '{}'::jsonb FROM tickets_ticket
            UNION ALL
            SELECT id, created_at, 'message_in', 'Message received', '{}'::jsonb
            FROM tickets_ticket""")
        # Open clocks (g % 100 < 2): due 24 h after the message, so ages up to 48 h give
        # overdue, at-risk and pending ones; every other buyer message has a met clock.
        # Columns the SLA app may have added since (booleans, false here) are filled too.
        existing = {col.name for col in connection.introspection.get_table_description(
            c, "sla_obligation")}
        extra = sorted(existing & {"violation_recorded"})
        c.execute(f"""
            INSERT INTO sla_obligation (ticket_id, message_id, channel_id, kind, starts_at,
                due_at, at_risk_at, claim_risk_at, satisfied_at, satisfied_by,
                response_seconds, state, is_open, breached, claim_risk
                {"".join(", " + col for col in extra)})
            SELECT t.id, t.id, t.channel_id, 'buyer_reply', t.created_at,
                   t.created_at + interval '24 hours', t.created_at + interval '20 hours',
                   t.created_at + interval '48 hours',
                   CASE WHEN open THEN NULL ELSE t.created_at + interval '3 hours' END,
                   CASE WHEN open THEN '' ELSE 'reply' END,
                   CASE WHEN open THEN NULL ELSE 10800 END,
                   CASE WHEN NOT open THEN 'met'
                        WHEN t.created_at < now() - interval '24 hours' THEN 'overdue'
                        ELSE 'pending' END,
                   open, open AND t.created_at < now() - interval '24 hours', false
                   {", false" * len(extra)}
            FROM (SELECT *, id % 100 < 2 AS open FROM tickets_ticket
                  WHERE kind IN ('buyer_message', 'return_request', 'claim')) t""")
        c.execute(f"""
            INSERT INTO tickets_escalation (ticket_id, case_id, note, opened_at,
                follow_up_due_at, closed_at)
            SELECT g * 997, 'CASE-' || g, '', now() - (g % 96) * interval '1 hour',
                   now() - (g % 96) * interval '1 hour' + interval '48 hours',
                   CASE WHEN g % 2 = 0 THEN now() END
            FROM generate_series(1, {min(600, n // 997)}) g""")
        for table in ("tickets_ticket", "tickets_message", "marketplaces_buyer",
                      "marketplaces_order"):
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                      f"(SELECT max(id) FROM {table}))")
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")


def _pick(values: list, index: str) -> str:
    """SQLite has no arrays: ``values[index]`` (0-based) as a CASE expression."""
    whens = " ".join(f"WHEN {i} THEN {v!r}" if isinstance(v, str) else f"WHEN {i} THEN {v}"
                     for i, v in enumerate(values))
    return f"(CASE {index} {whens} END)"


def _ago(minutes: str) -> str:
    """``now() - minutes`` as Django stores a datetime on SQLite (UTC text)."""
    return f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ({minutes}) || ' minutes')"


def _later(at: str, hours: int) -> str:
    return f"strftime('%Y-%m-%d %H:%M:%f', {at}, '+{hours} hours')"


def populate_sqlite(n: int) -> None:
    """The same data as ``populate``, in SQLite's SQL."""
    from django.db import connection

    def series(count: int) -> str:
        return (f"WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s "
                f"WHERE g < {count})")

    with connection.cursor() as c:
        c.execute("SELECT id FROM marketplaces_channel WHERE platform = 'amazon' ORDER BY id")
        channels = [row[0] for row in c.fetchall()]
        ch = _pick(channels, f"g % {len(channels)}")
        c.execute("SELECT id FROM auth_user ORDER BY id")
        agents = [row[0] for row in c.fetchall()]
        assignee = f"CASE WHEN g % 3 = 0 THEN NULL ELSE {_pick(agents, f'g % {len(agents)}')} END"
        buyers = n // 5
        first = _pick(["Jane", "Tom", "Ann", "Lukas", "Marie", "Kenji", "Olivia", "Marco"],
                      "g % 8")
        last = _pick(["Doe", "Ray", "Lee", "Schmidt", "Martin", "Sato", "Grant"], "g % 7")
        c.execute(f"""{series(buyers)}
            INSERT INTO marketplaces_buyer (id, alias, name, language, channel_id, created_at)
            SELECT g, 'b' || g || '@marketplace.amazon.com', {first} || ' ' || {last} || ' ' || g,
                   'en', {ch}, {_ago('0')} FROM s""")
        order_cols = {col.name for col in connection.introspection.get_table_description(
            c, "marketplaces_order")}
        order_blank = sorted(order_cols & {"status", "fulfilment"})
        c.execute(f"""{series(n)}
            INSERT INTO marketplaces_order (id, order_id, channel_id, buyer_id, created_at
                {"".join(", " + col for col in order_blank)})
            SELECT g, substr('000' || (100 + g % 900), -3) || '-'
                   || substr('0000000' || (g % 9999999), -7) || '-' || substr('0000000' || g, -7),
                   {ch}, 1 + g % {buyers}, {_ago('0')} {", ''" * len(order_blank)} FROM s""")
        ticket_cols = {col.name for col in connection.introspection.get_table_description(
            c, "tickets_ticket")}
        blank = sorted(ticket_cols & {"asin"})
        phrase = _pick(WORDS, "g / 7 % 10")
        searchable = "search_text" in ticket_cols
        search_value = (f", 'Inquiry ' || g || ': ' || {phrase} || char(10) || "
                        f"'Hello, ' || {phrase} || '. Order ' || g")
        c.execute(f"""{series(n)}, x AS (
                SELECT g, CASE WHEN g % 100 < 4 THEN {_ago('g % 2880')}
                               ELSE {_ago('g % 525600')} END AS t FROM s)
            INSERT INTO tickets_ticket (id, kind, status, channel_id, buyer_id, order_id,
                assignee_id, subject, thread_subject, language, created_at, last_message_at
                {"".join(", " + col for col in blank)}{", search_text" if searchable else ""})
            SELECT g,
                   CASE WHEN g % 100 = 3 THEN 'other' WHEN g % 37 = 0 THEN 'return_request'
                        WHEN g % 53 = 0 THEN 'claim' ELSE 'buyer_message' END,
                   CASE WHEN g % 100 < 2 OR g % 100 = 3 THEN 'open'
                        WHEN g % 100 = 2 THEN 'waiting' ELSE 'resolved' END,
                   {ch}, 1 + g % {buyers}, g, {assignee},
                   'Inquiry ' || g || ': ' || {phrase}, 'inquiry', 'en', t, t
                   {", ''" * len(blank)}
                   {search_value if searchable else ""}
            FROM x""")
        tphrase = _pick(WORDS, "t.id / 7 % 10")
        # Columns later versions added without a database default: their model default.
        message_cols = {col.name for col in connection.introspection.get_table_description(
            c, "tickets_message")}
        message_extra = [(col, value) for col, value in
                         (("thread_pinned", "0"), ("untrusted_reason", "''"))
                         if col in message_cols]
        c.execute(f"""
            INSERT INTO tickets_message (id, ticket_id, direction, kind, is_auto, sent_at,
                received_at, message_id, in_reply_to, subject, from_address, from_name,
                to_address, language, buyer_text, quoted_text, body_html
                {"".join(", " + col for col, _value in message_extra)})
            SELECT t.id, t.id, 'in', t.kind, 0, t.created_at, t.created_at,
                   '<' || t.id || '@bench>', '', t.subject, 'b@marketplace.amazon.com',
                   'Buyer', '', 'en', 'Hello, ' || {tphrase} || '. Order ' || t.id, '', ''
                   {"".join(", " + value for _col, value in message_extra)}
            FROM tickets_ticket t""")
        c.execute("""
            INSERT INTO tickets_timelineevent (ticket_id, at, kind, text, data)
            SELECT id, created_at, 'opened', 'Ticket opened', '{}' FROM tickets_ticket
            UNION ALL
            SELECT id, created_at, 'message_in', 'Message received', '{}'
            FROM tickets_ticket""")
        existing = {col.name for col in connection.introspection.get_table_description(
            c, "sla_obligation")}
        extra = sorted(existing & {"violation_recorded"})
        overdue = f"t.created_at < {_ago('24 * 60')}"
        c.execute(f"""
            INSERT INTO sla_obligation (ticket_id, message_id, channel_id, kind, starts_at,
                due_at, at_risk_at, claim_risk_at, satisfied_at, satisfied_by,
                response_seconds, state, is_open, breached, claim_risk
                {"".join(", " + col for col in extra)})
            SELECT t.id, t.id, t.channel_id, 'buyer_reply', t.created_at,
                   {_later("t.created_at", 24)}, {_later("t.created_at", 20)},
                   {_later("t.created_at", 48)},
                   CASE WHEN open THEN NULL ELSE {_later("t.created_at", 3)} END,
                   CASE WHEN open THEN '' ELSE 'reply' END,
                   CASE WHEN open THEN NULL ELSE 10800 END,
                   CASE WHEN NOT open THEN 'met' WHEN {overdue} THEN 'overdue'
                        ELSE 'pending' END,
                   open, open AND {overdue}, 0
                   {", 0" * len(extra)}
            FROM (SELECT *, id % 100 < 2 AS open FROM tickets_ticket
                  WHERE kind IN ('buyer_message', 'return_request', 'claim')) t""")
        c.execute(f"""{series(min(600, n // 997))}
            INSERT INTO tickets_escalation (ticket_id, case_id, note, opened_at,
                follow_up_due_at, closed_at)
            SELECT g * 997, 'CASE-' || g, '', {_ago('(g % 96) * 60')},
                   {_later(_ago('(g % 96) * 60'), 48)},
                   CASE WHEN g % 2 = 0 THEN {_ago('0')} END
            FROM s""")


def users() -> tuple:
    from django.contrib.auth.models import Group, User

    from helpdesk.marketplaces.models import Channel
    from helpdesk.tickets.models import Queue

    agent_group, _ = Group.objects.get_or_create(name="agent")
    manager_group, _ = Group.objects.get_or_create(name="manager")
    agents = [User.objects.create_user(f"agent{i}") for i in range(AGENTS)]
    for user in agents:
        user.groups.add(agent_group)
    for name, codes in (("Amazon US", ["amazon-com", "amazon-ca"]),
                        ("Amazon EU", ["amazon-co-uk", "amazon-de", "amazon-fr", "amazon-it",
                                       "amazon-es"]), ("Amazon JP", ["amazon-co-jp"])):
        queue = Queue.objects.create(name=name)
        queue.channels.set(Channel.objects.filter(code__in=codes))
        queue.members.set(agents)
    manager = User.objects.create_user("manager")
    manager.groups.add(manager_group)
    return agents[1], manager


def timed(client, url: str, params: dict | None = None,
          headers: dict | None = None) -> tuple[float, float]:
    client.get(url, params, headers=headers)  # warm
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url, params, headers=headers)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, params, response.status_code)
    seconds.sort()
    return statistics.median(seconds) * 1000, seconds[int(len(seconds) * 0.95) - 1] * 1000


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1_000_000
    reuse = "--reuse" in sys.argv  # time again on the database a previous run built
    url = os.environ.get("DATABASE_URL", "")
    sqlite = url.startswith("sqlite:///")
    if not url.startswith("postgres") and not sqlite:
        sys.exit("set DATABASE_URL to a PostgreSQL database or an SQLite file (it is dropped "
                 "and recreated)")
    if not reuse:
        if sqlite:
            Path(url.removeprefix("sqlite://")).unlink(missing_ok=True)
        else:
            fresh_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from helpdesk.sla.models import Obligation
    from helpdesk.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    if reuse:
        from django.contrib.auth.models import User

        agent, manager = User.objects.get(username="agent1"), User.objects.get(username="manager")
        n = Ticket.objects.count()
    else:
        agent, manager = users()
        started = time.perf_counter()
        (populate_sqlite if sqlite else populate)(n)
    print(f"populated {Ticket.objects.count():,} tickets, "
          f"{Obligation.objects.filter(is_open=True).count():,} open clocks "
          + ("(reused)" if reuse else f"in {time.perf_counter() - started:.0f} s"))
    client = Client()
    client.force_login(agent)
    print("\n| request | median | p95 |\n|---|---|---|", flush=True)

    def row(label: str, url: str, params: dict | None = None, **kwargs) -> None:
        median, p95 = timed(client, url, params, **kwargs)
        print(f"| `{label}` | {median:.0f} ms | {p95:.0f} ms |", flush=True)

    for view in ("open", "mine", "unassigned", "at_risk", "overdue", "follow_up", "returns",
                 "claims", "waiting", "resolved", "all"):
        row(f"/inbox/?view={view}", "/inbox/", {"view": view})
    row("/inbox/?view=open&page=5", "/inbox/", {"view": "open", "page": 5})
    row("/inbox/?view=all&page=500 (past the clocks)", "/inbox/", {"view": "all", "page": 500})
    channel = Ticket.objects.values_list("channel_id", flat=True).first()
    row("/inbox/?channel=<one channel>", "/inbox/", {"channel": channel})
    row("/inbox/?assignee=<an agent>", "/inbox/", {"assignee": agent.pk})
    row("/inbox/ (htmx refresh)", "/inbox/", {"view": "open"},
        headers={"HX-Request": "true", "HX-Target": "inbox-results"})
    row("/inbox/?q=<order id>", "/inbox/", {"q": Ticket.objects.get(pk=n // 2).order.order_id})
    row("/inbox/?q=<buyer name>", "/inbox/", {"q": Ticket.objects.get(pk=n // 3).buyer.name})
    row("/inbox/?q=broken (in 10 % of all messages)", "/inbox/", {"q": "broken"})
    row("/inbox/?q=dishwasher safe (both in 10 %)", "/inbox/", {"q": "dishwasher safe"})
    row("/inbox/?q=jane (the name of one buyer in 8)", "/inbox/", {"q": "jane"})
    row("/inbox/?q=jane doe (one buyer in 56)", "/inbox/", {"q": "jane doe"})
    row("/inbox/?q=<a word in no ticket>", "/inbox/", {"q": "zyzzyva"})
    ticket = Ticket.objects.filter(obligations__is_open=True).order_by("pk").first()
    row("/inbox/tickets/<id>/", f"/inbox/tickets/{ticket.pk}/")
    client.force_login(manager)
    row("/inbox/ as a manager (every queue)", "/inbox/")


if __name__ == "__main__":
    main()

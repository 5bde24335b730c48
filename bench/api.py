"""The ticket list through the API over a million tickets on PostgreSQL (or SQLite), with
the data of bench/inbox.py (the same seeding, reused from there).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_api .venv/bin/python bench/api.py [N]
    DATABASE_URL=sqlite:////tmp/bench_api.sqlite3 .venv/bin/python bench/api.py 10000

N tickets (default 1,000,000); ``--reuse`` times again on a database a previous run (of this
bench or bench/inbox.py) built. An agent's API token (queues covering every Amazon channel)
and a manager's; each request 50 times with Django's test client (server time, no network):
median and p95.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
# Timing, not the rate limits: these would stop the run after 600 requests.
os.environ["API_RATE_READ"] = "1000000/min"

import inbox as seed  # noqa: E402  (bench/inbox.py: the seeding and the timer)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1_000_000
    reuse = "--reuse" in sys.argv
    url = os.environ.get("DATABASE_URL", "")
    sqlite = url.startswith("sqlite:///")
    if not url.startswith("postgres") and not sqlite:
        sys.exit("set DATABASE_URL to a PostgreSQL database or an SQLite file (it is dropped "
                 "and recreated)")
    if not reuse:
        if sqlite:
            Path(url.removeprefix("sqlite://")).unlink(missing_ok=True)
        else:
            seed.fresh_database(url)
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from helpdesk.api.tokens import token_create
    from helpdesk.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    if reuse:
        agent, manager = User.objects.get(username="agent1"), User.objects.get(username="manager")
    else:
        agent, manager = seed.users()
        started = time.perf_counter()
        (seed.populate_sqlite if sqlite else seed.populate)(n)
        print(f"populated {Ticket.objects.count():,} tickets in "
              f"{time.perf_counter() - started:.0f} s")
    client = APIClient()
    auth = {"Authorization": "Bearer " + token_create(user=agent, name="bench",
                                                      scopes=["read"]).secret}
    print(f"\n{Ticket.objects.count():,} tickets\n\n| request | median | p95 |\n|---|---|---|",
          flush=True)

    def row(label: str, path: str, params: dict | None = None, headers: dict = auth) -> None:
        median, p95 = seed.timed(client, path, params, headers=headers)
        print(f"| `{label}` | {median:.0f} ms | {p95:.0f} ms |", flush=True)

    row("/api/tickets/ (open)", "/api/tickets/")
    row("/api/tickets/?view=all", "/api/tickets/", {"view": "all"})
    second = client.get("/api/tickets/", {"view": "all"}, headers=auth).json()["next"]
    row("/api/tickets/?view=all, page 2 (cursor)", second)
    for view in ("mine", "unassigned", "at_risk", "overdue", "resolved"):
        row(f"/api/tickets/?view={view}", "/api/tickets/", {"view": view})
    row("/api/tickets/?page_size=100&view=all", "/api/tickets/", {"view": "all",
                                                                  "page_size": 100})
    row("/api/tickets/?q=broken", "/api/tickets/", {"q": "broken"})
    ticket = Ticket.objects.filter(obligations__is_open=True).order_by("pk").first()
    row("/api/tickets/<id>/", f"/api/tickets/{ticket.pk}/")
    boss = {"Authorization": "Bearer " + token_create(user=manager, name="bench",
                                                      scopes=["read"]).secret}
    row("/api/tickets/?view=all as a manager", "/api/tickets/", {"view": "all"}, headers=boss)


if __name__ == "__main__":
    main()

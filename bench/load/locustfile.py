"""50 agents working the inbox and ticket pages while mail services post 100 mails/s.

Run by ``bench/load/run.py``, which builds the database, starts gunicorn and a worker, and
passes: LOAD_WARMUP (seconds left out of the figures), LOAD_AGENTS (a file of session keys,
one signed-in agent a line), LOAD_TICKETS (a file of ticket
ids the agents may open), INGEST_TOKEN, LOAD_MAILS_PER_SECOND, LOAD_RESULTS (where every
response time is written as JSON at the end, for the median and p95 per group).
"""

import json
import os
import random
import sys
import time
from collections import defaultdict
from itertools import count
from pathlib import Path

from locust import HttpUser, between, constant_throughput, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mailgen import mails_generate  # noqa: E402

AGENTS = [line.split() for line in Path(os.environ["LOAD_AGENTS"]).read_text().splitlines()]
TICKETS = [int(n) for n in Path(os.environ["LOAD_TICKETS"]).read_text().split()]
TOKEN = os.environ["INGEST_TOKEN"]
MAILS_PER_SECOND = float(os.environ.get("LOAD_MAILS_PER_SECOND", "100"))
# Enough senders that a slow answer now and then does not lower the rate they post at.
SENDERS = 30
# Every mail distinct: 60 s at 100/s, with room to spare.
# Every mail new to the database, also on a --reuse run: the run's seed tags the Message-IDs.
_SEED = os.environ.get("LOAD_SEED", "101")
MAILS = iter(list(mails_generate(int(MAILS_PER_SECOND * 90) + 1000, seed=int(_SEED),
                                 tag=f"{_SEED}-")))
# Requests in the first WARMUP seconds (the logins, the first page of each agent, gunicorn
# warming up) are not in the figures: they measure the steady state.
WARMUP = float(os.environ.get("LOAD_WARMUP", "15"))
_started = [0.0]
_next_agent = count()
_times: dict[str, list[float]] = defaultdict(list)
_errors: dict[str, int] = defaultdict(int)


@events.test_start.add_listener
def _start(environment, **kwargs):
    _started[0] = time.monotonic()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    group = "login" if name == "login" else "ingest" if name == "POST /ingest/raw/" else "pages"
    if group != "login" and time.monotonic() - _started[0] < WARMUP:
        return
    _times[group].append(response_time)
    if exception is not None:
        _errors[group] += 1


@events.quitting.add_listener
def _write(environment, **kwargs):
    if path := os.environ.get("LOAD_RESULTS"):
        Path(path).write_text(json.dumps({"times": _times, "errors": _errors}))


class Agent(HttpUser):
    """Reads the inbox views, opens tickets (with the page's presence poll), refreshes the
    list as the page does every 30 s, searches now and then."""

    fixed_count = 50
    wait_time = between(1, 3)

    def on_start(self) -> None:
        [session_key] = AGENTS[next(_next_agent) % len(AGENTS)]
        self.client.cookies.set("sessionid", session_key)
        with self.client.get("/inbox/", name="login", catch_response=True) as response:
            if not response.url.endswith("/inbox/") or response.status_code != 200:
                response.failure("the agent's session was not accepted")

    @task(4)
    def inbox(self) -> None:
        view = random.choice(["open", "open", "mine", "unassigned", "at_risk", "overdue",
                              "waiting", "returns"])
        self.client.get(f"/inbox/?view={view}", name="/inbox/?view=…")

    @task(2)
    def refresh(self) -> None:
        self.client.get("/inbox/?view=open", name="/inbox/ (htmx refresh)",
                        headers={"HX-Request": "true", "HX-Target": "inbox-results"})

    @task(3)
    def ticket(self) -> None:
        pk = random.choice(TICKETS)
        self.client.get(f"/inbox/tickets/{pk}/", name="/inbox/tickets/<id>/")
        self.client.post(f"/inbox/tickets/{pk}/presence/", name="/inbox/tickets/<id>/presence/",
                         data={"composing": "0"},
                         headers={"X-CSRFToken": self.client.cookies.get("csrftoken", ""),
                                  "HX-Request": "true"})

    @task(1)
    def search(self) -> None:
        self.client.get(f"/inbox/?q={random.choice(['broken', 'leaking', 'cancel'])}",
                        name="/inbox/?q=…")


class MailService(HttpUser):
    """A webhook sender: together they post LOAD_MAILS_PER_SECOND distinct mails a second."""

    fixed_count = SENDERS
    wait_time = constant_throughput(MAILS_PER_SECOND / SENDERS)

    @task
    def post_mail(self) -> None:
        raw = next(MAILS)
        with self.client.post("/ingest/raw/", data=raw, name="POST /ingest/raw/",
                              catch_response=True, headers={
                                  "Authorization": f"Bearer {TOKEN}",
                                  "Content-Type": "message/rfc822"}) as response:
            if response.status_code != 202:
                response.failure(f"{response.status_code}: {response.text[:200]}")

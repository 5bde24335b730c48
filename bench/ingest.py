"""Ingest throughput and memory.

    .venv/bin/python bench/ingest.py 10000 100000            # SQLite (a fresh file each run)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/ingest.py 10000
    .venv/bin/python bench/ingest.py --shuffled 10000         # the same mails in random order

With ``--shuffled`` the mbox holds the mails in a random (seeded) order: replies before the
mails they answer, follow-ups before questions, so that late mail makes the product replay
the threads it touches (tickets.rethread). The tickets it ends with are the same.

For each N: writes N generated mails into one mbox, times the parse-only pass over the same
mails in this process, then runs `manage.py ingest FILE --json` in a child process on an empty
database and reports mails/s and the peak memory (max RSS) of the ingesting process and its
reading-ahead child, whichever is larger, and the CPU seconds of each.

Each run's directory (mbox, database, raw store) is kept: see ``run``. Measure on a disk
that has not deleted many files in the last minutes, and delete the directories afterwards.
"""

import json
import mailbox
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from mailgen import mails_generate  # noqa: E402


def _database_env(workdir: Path) -> dict:
    env = dict(os.environ, VAR_DIR=str(workdir / "var"), DJANGO_SETTINGS_MODULE="helpdesk.settings",
               SELLER_ADDRESSES="support@example-seller.com")
    env.pop("REDIS_URL", None)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        base, _, name = url.rpartition("/")
        admin = f"{base}/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    return env


def run(count: int, *, shuffled: bool = False) -> dict:
    """One measured ingest in a new directory, which is left in place (its path is printed
    to stderr): deleting a store of many files made file creation on this machine's disk
    five to eight times slower for at least a minute after, so a run after a deletion
    measured the disk's discards, not the ingest. Delete them when done measuring:
    ``rm -rf /tmp/helpdesk-ingest-bench-*``."""
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-ingest-bench-"))
    print(f"kept in {workdir}", file=sys.stderr)
    box_path = workdir / "mails.mbox"
    box = mailbox.mbox(box_path)
    mails = list(mails_generate(count))
    if shuffled:
        random.Random(7).shuffle(mails)
    for raw in mails:
        box.add(raw)
    box.close()

    env = _database_env(workdir)
    py = sys.executable
    # A deployed process starts from the project's compiled bytecode (`make setup` writes
    # it); where PYTHONDONTWRITEBYTECODE is set, every start would compile the modules anew.
    subprocess.run([py, "-m", "compileall", "-q", "helpdesk"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    parse = subprocess.run(
        [py, "-c", PARSE_ONLY, str(box_path)], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )
    parse_rate = float(parse.stdout.strip())

    started = time.perf_counter()
    result = subprocess.run(
        [py, "-c", INGEST_MEASURED, str(box_path)], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    summary = json.loads(result.stdout)
    peak_kib = max(summary.pop("peak_kib"), summary.pop("keeper_peak_kib"))
    assert summary["stored"] == count, summary
    return {
        "mails": count,
        "order": "shuffled" if shuffled else "as written",
        "database": "postgresql" if "postgres" in os.environ.get("DATABASE_URL", "") else "sqlite",
        "ingest_mails_per_s": round(count / elapsed),
        "parse_only_mails_per_s": round(parse_rate),
        "share_of_parse_speed": round(count / elapsed / parse_rate, 2),
        "peak_rss_mib": round(peak_kib / 1024),
        "tickets_created": summary["tickets_created"],
        # CPU seconds of the storing process and of its reading-ahead child: the larger
        # one bounds the rate.
        "cpu_storing_s": round(summary["cpu"][0], 1),
        "cpu_reading_s": round(summary["cpu"][1], 1),
    }


# `manage.py ingest FILE --json` in a process of its own, which then reports its peak memory and
# that of its reading-ahead child: the parse-only pass, which holds every mail at once, and
# `migrate` are other processes and not counted.
INGEST_MEASURED = """
import io, json, resource, sys, django
django.setup()
from django.core.management import call_command
out = io.StringIO()
call_command("ingest", sys.argv[1], json=True, stdout=out)
summary = json.loads(out.getvalue())
own, child = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
summary["peak_kib"], summary["keeper_peak_kib"] = own.ru_maxrss, child.ru_maxrss
summary["cpu"] = [own.ru_utime + own.ru_stime, child.ru_utime + child.ru_stime]
print(json.dumps(summary))
"""

PARSE_ONLY = """
import sys, time, mailbox, django
django.setup()
from helpdesk.mail.parse import parse_mail
box = mailbox.mbox(sys.argv[1], create=False)
mails = [box.get_bytes(k) for k in box.iterkeys()]
started = time.perf_counter()
for raw in mails:
    parse_mail(raw)
print(len(mails) / (time.perf_counter() - started))
"""


if __name__ == "__main__":
    args = sys.argv[1:]
    shuffled = "--shuffled" in args
    for n in [int(a) for a in args if a != "--shuffled"] or [10000]:
        print(json.dumps(run(n, shuffled=shuffled)), flush=True)

"""Jobs for the job-queue tests, importable by a real ``manage.py rqworker`` (the tests put
this folder on its PYTHONPATH)."""

import os
import time
from pathlib import Path


def job_killed_on_first_run(path: str) -> None:
    """Records each run, with its process id, in ``path``; the first run waits (to be killed
    mid-job), a later one finishes."""
    runs = Path(path)
    with runs.open("a") as log:
        log.write(f"start {os.getpid()}\n")
    if runs.read_text().count("start") == 1:
        time.sleep(600)
    with runs.open("a") as log:
        log.write("done\n")


def job_noop() -> None:
    """A job that does nothing: it only has to be moved between RQ's registries."""

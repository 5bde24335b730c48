"""Shared fixtures. Tests talk to the real services named by DATABASE_URL and REDIS_URL."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from mails import CORPORA, FIXTURE_MAIL, MAIL_SERVERS, SELLER_ADDRESSES


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path_factory) -> Iterator[None]:
    """Each test gets its own raw store, the demo seller addresses, and fresh rules."""
    from helpdesk.complaints.services import matcher_forget
    from helpdesk.mail.recognise import ruleset_forget

    settings.RAW_MAIL_DIR = tmp_path_factory.mktemp("raw")
    settings.SELLER_ADDRESSES = SELLER_ADDRESSES
    settings.MAIL_AUTHSERV_IDS = MAIL_SERVERS
    ruleset_forget()
    matcher_forget()
    yield
    ruleset_forget()
    matcher_forget()


@pytest.fixture(scope="session", autouse=True)
def _admin_discovered() -> None:
    """Every app's admin registered, as in the web process, where the URLconf imports them
    before any admin page runs (helpdesk.admin_apps): a test may reach a ModelAdmin
    through ``admin.site`` without requesting a page first."""
    from django.contrib import admin

    admin.autodiscover()


@pytest.fixture(autouse=True)
def _api_rate_counters() -> None:
    """The API's rate-limit counters start at zero in each test: user ids repeat between
    tests, and a fuzz run's hundreds of requests must not throttle the next test."""
    from django.core.cache import caches

    cache = caches["api"]
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is None:
        cache.clear()
        return
    redis = client(write=True)
    for key in redis.scan_iter(match=f"*{settings.CACHES['api']['KEY_PREFIX']}*"):
        redis.delete(key)


@pytest.fixture
def ingest_file(db) -> Callable:
    """Ingest one fixture mail (path relative to fixtures/mail/) and return the result."""
    from helpdesk.mail.services import mail_ingest

    def ingest(relative: str, *, defer: bool = False):
        path = FIXTURE_MAIL / relative
        return mail_ingest(raw=path.read_bytes(), source=f"file:{path}", defer=defer)

    return ingest


@pytest.fixture
def run_jobs(db) -> Callable[[], None]:
    """Run the jobs enqueued so far: with Redis through a real RQ worker in burst mode,
    without it in-process (as the product does)."""
    queues = ("default", "ingest", "mail")
    if settings.REDIS_URL:
        import django_rq

        from helpdesk import jobs

        for name in queues:
            django_rq.get_queue(name).empty()
        jobs.once_forget()

    def run() -> None:
        # Jobs are handed over on commit; a test runs inside one transaction.
        from django.db import connection

        while connection.run_on_commit:
            pending = list(connection.run_on_commit)
            connection.run_on_commit = []
            for _sids, callback, _robust in pending:
                callback()
        if settings.REDIS_URL:
            import django_rq
            from rq import SimpleWorker

            worker = SimpleWorker(
                [django_rq.get_queue(name) for name in queues],
                connection=django_rq.get_connection("default"),
            )
            worker.work(burst=True)

    return run


@pytest.fixture
def own_redis(settings) -> Iterator:
    """A Redis of the test's own (tests/services.py), set as the job queue; the fault tests
    stop and start it."""
    from faults_support import redis_own

    yield from redis_own(settings)


@pytest.fixture
def queue():
    """One queue over two Amazon channels (modules may define their own)."""
    from inbox_support import queue_make

    return queue_make("Amazon", ["amazon-com", "amazon-de"])


@pytest.fixture
def agent(client, queue):
    """An agent of ``queue``, signed in on ``client`` (modules may define their own)."""
    from inbox_support import user_make

    user = user_make("agent1", queues=[queue])
    client.force_login(user)
    return user


@pytest.fixture
def corpora() -> Path:
    """The shared real-world mail corpora. A contributor's clone may not have them: the test
    is skipped, saying so. Under CI (``CI=true``) their absence fails the run instead."""
    if CORPORA.is_dir():
        return CORPORA
    reason = (f"the shared mail corpora are not at {CORPORA} (they live beside the "
              "repository, in ../shared/corpora; CORPORA_DIR=PATH names another place)")
    if os.environ.get("CI", "").lower() in {"true", "1"}:
        pytest.fail(f"CI: {reason}", pytrace=False)
    pytest.skip(reason)

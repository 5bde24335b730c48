"""One attempt of a delivery: signed, POSTed with bounded time and a bounded read of the
answer, logged as an ``Attempt``; retried with backoff; an endpoint that keeps failing is
switched off and the admins are told.

The signature (docs/API.md): ``X-Helpdesk-Signature: t=<unix time>,v1=<hex>``, where hex is
HMAC-SHA256 with the endpoint's secret over ``"<t>.<body>"``. The receiver recomputes it and
refuses a ``t`` far from its own clock (a replayed old delivery)."""

import functools
import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from helpdesk import jobs
from helpdesk.accounts.roles import ADMIN

from .models import Attempt, Delivery, DeliveryState, WebhookEndpoint

logger = logging.getLogger(__name__)

# Waits before the 2nd, 3rd… attempt: about two days in all, then the delivery is abandoned.
BACKOFF = [timedelta(minutes=m) for m in (1, 5, 30, 120, 360, 720, 1440)]
RESPONSE_MAX = 64 * 1024  # bytes of an answer read at most; the rest is not waited for
EXCERPT_MAX = 1000
USER_AGENT = "Helpdesk-Webhooks/1"
SIGNATURE_HEADER = "X-Helpdesk-Signature"
RETRYABLE = [DeliveryState.PENDING, DeliveryState.FAILED]


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a hop: the body goes to the URL the admin entered only."""

    def redirect_request(self, *args, **kwargs):
        return None


@functools.cache
def _opener() -> urllib.request.OpenerDirector:
    """Built at the first delivery: its HTTPS handler loads the system's certificates (50 ms),
    which every process that merely emits events (ingest, the web server) would pay."""
    return urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int, bytes]:
    """(status, the first RESPONSE_MAX bytes); raises OSError/ValueError when no answer came
    within ``timeout`` (connecting, and the whole reading, each bounded by it)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("only http and https URLs are called")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    deadline = time.monotonic() + timeout
    try:
        response = _opener().open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx, 5xx: an answer
        response = exc
    with response:
        data = b""
        while len(data) < RESPONSE_MAX and time.monotonic() < deadline:
            chunk = response.read1(min(8192, RESPONSE_MAX - len(data))) \
                if hasattr(response, "read1") else response.read(RESPONSE_MAX - len(data))
            if not chunk:
                break
            data += chunk
        return response.status, data


def delivery_attempt_job(delivery_id: int, now: datetime | None = None) -> None:
    delivery_attempt(delivery_id=delivery_id, now=now)


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> str:
    """One attempt, if the delivery is due and its endpoint is on. Safe to run twice or
    concurrently: the attempt claims the row first. Returns the delivery's state."""
    now = now or timezone.now()
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    lease = now + timedelta(seconds=timeout * 3 + 30)
    claimed = Delivery.objects.filter(
        Q(state__in=RETRYABLE, next_attempt_at__lte=now)
        | Q(state=DeliveryState.SENDING, claimed_until__lt=now),
        pk=delivery_id, endpoint__active=True,
    ).update(state=DeliveryState.SENDING, claimed_until=lease, attempts=F("attempts") + 1)
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or not claimed:
        return delivery.state if delivery else ""
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        "X-Helpdesk-Event": delivery.event, "X-Helpdesk-Delivery": delivery.event_id,
        SIGNATURE_HEADER: signature(secret=endpoint.secret, timestamp=int(time.time()),
                                    body=body),
    }
    started = time.monotonic()
    status, excerpt, error = None, b"", ""
    try:
        status, excerpt = _post(endpoint.url, body, headers, timeout)
    except (OSError, ValueError) as exc:  # refused, unreachable, timed out, TLS, bad URL
        reason = getattr(exc, "reason", exc)  # urllib wraps the socket's error
        error = f"{type(reason).__name__}: {reason}"
    except Exception as exc:  # anything else an HTTP library can raise on a hostile answer
        logger.exception("webhook delivery %s: attempt failed", delivery_id)
        error = f"{type(exc).__name__}: {exc}"
    ok = status is not None and 200 <= status < 300
    if status is not None and not ok:
        error = f"HTTP {status}"
    return _record(delivery, ok=ok, status=status, error=error, excerpt=excerpt,
                   duration_ms=int((time.monotonic() - started) * 1000), now=timezone.now())


@transaction.atomic
def _record(delivery: Delivery, *, ok: bool, status: int | None, error: str, excerpt: bytes,
            duration_ms: int, now: datetime) -> str:
    Attempt.objects.create(
        delivery=delivery, at=now, duration_ms=duration_ms, status_code=status, ok=ok,
        error=error[:500], response_excerpt=excerpt.decode("utf-8", "replace")[:EXCERPT_MAX],
    )
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    if ok:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryState.DELIVERED, now, None)
        endpoint.failures, endpoint.failing_since = 0, None
    else:
        give_up = delivery.attempts > len(BACKOFF)
        delivery.state = DeliveryState.ABANDONED if give_up else DeliveryState.FAILED
        delivery.next_attempt_at = None if give_up else now + BACKOFF[delivery.attempts - 1]
        endpoint.failures += 1
        endpoint.failing_since = endpoint.failing_since or now
        _maybe_switch_off(endpoint, now, error)
    delivery.claimed_until = None
    delivery.save(update_fields=["state", "delivered_at", "next_attempt_at", "claimed_until"])
    endpoint.save(update_fields=["failures", "failing_since", "active", "disabled_at",
                                 "disabled_reason"])
    return delivery.state


def _maybe_switch_off(endpoint: WebhookEndpoint, now: datetime, error: str) -> None:
    """Off after WEBHOOK_DISABLE_AFTER_FAILURES failed attempts in a row spanning at least
    WEBHOOK_DISABLE_AFTER_HOURS: a short outage, however busy, does not switch it off."""
    if not endpoint.active:
        return
    if endpoint.failures < settings.WEBHOOK_DISABLE_AFTER_FAILURES:
        return
    if now - endpoint.failing_since < timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS):
        return
    endpoint.active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = (
        f"{endpoint.failures} failed attempts in a row since "
        f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC; the last: {error}")[:500]
    jobs.enqueue(endpoint_disabled_alert_job, endpoint.pk, queue="mail")


def endpoint_disabled_alert_job(endpoint_id: int) -> int:
    """Tell the admins that an endpoint was switched off; how many mails went."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.active:
        return 0
    admins = sorted(set(
        get_user_model().objects.filter(Q(groups__name=ADMIN) | Q(is_superuser=True),
                                        is_active=True)
        .exclude(email="").values_list("email", flat=True)
    ))
    if not admins:
        return 0
    message = EmailMessage(
        subject=f"[Helpdesk] Webhook endpoint “{endpoint.name}” switched off",
        body=(f"The webhook endpoint “{endpoint.name}” ({endpoint.url}) kept failing and was "
              f"switched off: {endpoint.disabled_reason}\n\nWhile it is off, no events are "
              "recorded for it. The deliveries that were waiting are kept: once the receiver "
              "works again, switch the endpoint on in the admin (Webhook endpoints) and they "
              "are sent.\n"),
        from_email=settings.DEFAULT_FROM_EMAIL, to=admins,
    )
    return mailers.default.send_messages([message]) or 0


def deliveries_retry(*, now: datetime | None = None) -> int:
    """The periodic run: queue an attempt of every delivery that is due (a retry after its
    backoff, one whose job was lost, one whose attempt died). Returns how many."""
    now = now or timezone.now()
    due = list(Delivery.objects.filter(
        Q(state__in=RETRYABLE, next_attempt_at__lte=now)
        | Q(state=DeliveryState.SENDING, claimed_until__lt=now),
        endpoint__active=True,
    ).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:1000])
    for pk in due:
        jobs.enqueue(delivery_attempt_job, pk, now)
    return len(due)


# Finished deliveries (delivered, or given up on) are kept this long for the admin's log,
# then deleted with their attempts, at most PRUNE_MAX a run so that one run's work stays
# bounded however many piled up. Deliveries still being retried are never deleted.
KEEP_FINISHED = timedelta(days=30)
PRUNE_MAX = 5000


def deliveries_prune(*, now: datetime | None = None) -> int:
    """Delete the finished deliveries older than ``KEEP_FINISHED``, oldest first, and their
    attempts; how many deliveries went."""
    now = now or timezone.now()
    old = list(Delivery.objects.filter(
        state__in=[DeliveryState.DELIVERED, DeliveryState.ABANDONED],
        created_at__lt=now - KEEP_FINISHED,
    ).order_by("created_at", "pk").values_list("pk", flat=True)[:PRUNE_MAX])
    if old:
        with transaction.atomic():
            Attempt.objects.filter(delivery_id__in=old).delete()
            Delivery.objects.filter(pk__in=old).delete()
    return len(old)


def endpoint_switch_on(*, endpoint: WebhookEndpoint, now: datetime | None = None) -> None:
    """The admin's "switch on again": counters reset, and what waited is due at once."""
    now = now or timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=True, failures=0, failing_since=None, disabled_at=None, disabled_reason="")
    Delivery.objects.filter(endpoint=endpoint, state__in=RETRYABLE).update(next_attempt_at=now)

"""POST /ingest/raw/: inbound webhook for mail services (a raw RFC 822 body, bearer token)."""

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from helpdesk import jobs

from .models import RawMail, RawMailStatus
from .raw_store import RawStoreError
from .services import Outcome, mail_ingest

# A form upload is a sender using the wrong API, not a mail: refused so that it notices,
# rather than kept as a quarantined "mail" that is really a form body.
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _authorised(request: HttpRequest) -> bool:
    expected = settings.INGEST_TOKEN
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())


def _body_read(request: HttpRequest, most: int) -> bytes:
    """At most ``most`` bytes of the body, with or without a Content-Length.

    A body sent with ``Transfer-Encoding: chunked`` has no length, and Django then reads it
    as empty. The server has already undone the chunking; when it promises that its input
    stream ends with the body (``wsgi.input_terminated``, as gunicorn does) that stream is
    read directly, still never more than ``most`` bytes."""
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    if request.META.get("CONTENT_LENGTH") or not chunked \
            or not request.META.get("wsgi.input_terminated"):
        return request.read(most)
    stream = request.META["wsgi.input"]
    parts: list[bytes] = []
    left = most
    while left > 0 and (part := stream.read(min(left, 64 * 1024))):
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


@csrf_exempt  # machine-to-machine: the bearer token is the credential, not a session cookie
@login_not_required
@require_POST
def ingest_raw(request: HttpRequest) -> JsonResponse:
    if not _authorised(request):
        response = JsonResponse({"error": "a valid bearer token is required"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="ingest"'
        return response
    if request.content_type.lower().startswith(FORM_TYPES):
        return JsonResponse(
            {"error": "a form upload is not accepted: send the raw mail as the body "
                      "(Content-Type: message/rfc822)"}, status=415,
        )
    limit = settings.INGEST_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return JsonResponse({"error": "invalid Content-Length"}, status=400)
    if declared > limit:
        return JsonResponse({"error": f"mail larger than {limit} bytes"}, status=413)
    raw = _body_read(request, limit + 1)
    if len(raw) > limit:
        return JsonResponse({"error": f"mail larger than {limit} bytes"}, status=413)
    if not raw.strip():
        return JsonResponse({"error": "empty body: send the raw mail as the body"}, status=400)
    try:
        # Anyone with the token can post any From: nothing posted here ends a clock by its
        # sender alone (mail.trust).
        result = mail_ingest(raw=raw, source="http", defer=True, trusted=False)
    except RawStoreError as exc:
        return JsonResponse({"error": str(exc)}, status=503)
    body = {"id": result.raw_mail_id, "status": result.outcome}
    if result.outcome == Outcome.QUEUED and jobs.uses_redis():
        # Kept and waiting for the backlog job: that is all there is to say yet.
        body["status"] = RawMailStatus.RECEIVED
        return JsonResponse(body, status=202)
    # Without a job queue the mail was processed on commit; say where it went.
    raw_mail = RawMail.objects.filter(pk=result.raw_mail_id).select_related("message").first()
    if raw_mail is not None:
        body["status"] = raw_mail.status if result.outcome != "duplicate" else "duplicate"
        message = getattr(raw_mail, "message", None)
        if message is not None:
            body.update(message_id=message.pk, ticket_id=message.ticket_id)
        if raw_mail.quarantine_reason:
            body["reason"] = raw_mail.quarantine_reason
    return JsonResponse(body, status=202)

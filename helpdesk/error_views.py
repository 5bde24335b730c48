"""The page for an unhandled error: a 503 that says to try again when the database is away."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error

DATABASE_AWAY = "The database is unavailable; nothing was saved. Try again in a moment."
RETRY_AFTER_SECONDS = 5


def server_error_or_unavailable(request: HttpRequest) -> HttpResponse:
    """Django's 500, except when the error is the database being unreachable (a restart, a
    failover): then a 503 with Retry-After, so that a webhook sender retries and an agent
    knows the action did not happen. Whatever the request wrote was in a transaction that
    the database rolled back, or is a raw mail kept and processed later."""
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return server_error(request)
    if request.path.startswith("/ingest/") or "json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"error": DATABASE_AWAY}, status=503)
    else:
        response = HttpResponse(DATABASE_AWAY, status=503, content_type="text/plain")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response

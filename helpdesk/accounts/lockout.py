"""Who is guessing passwords: the client's address behind the proxies we trust, and limits
that a guesser cannot dodge by spreading guesses over usernames or over addresses.

django-axes counts failed logins per (username, client address) and locks that pair out at
``AXES_FAILURE_LIMIT``. Its address must be the client's, not the proxy's: otherwise five bad
passwords from anyone lock a user out for everyone. Two more limits, counted over the same
cool-off window from axes' own records, close what the pair leaves open: one address trying
many usernames, and many addresses trying one username.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of the client (``AXES_CLIENT_IP_CALLABLE``).

    Each of the ``TRUSTED_PROXY_COUNT`` proxies in front of gunicorn appends the address it
    was reached from to ``X-Forwarded-For``; everything to the left of those entries was
    written by the client and may be forged. So the client is the entry that the outermost
    trusted proxy appended: the ``TRUSTED_PROXY_COUNT``-th from the right. With no trusted
    proxy (or a header shorter than the proxies claimed), the peer address is the client."""
    peer = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return peer
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < count:
        return peer
    return forwarded[-count][:45] or peer  # 45: the longest textual IPv6 address


def _failures(**where: str) -> int:
    return AccessAttempt.objects.filter(**where).aggregate(n=Sum("failures_since_start"))["n"] or 0


class LoginLockoutHandler(AxesDatabaseHandler):
    """axes' database handler (``AXES_HANDLER``) with the two limits across pairs: failures
    for one username from any address (``LOGIN_FAILURE_LIMIT_PER_USERNAME``) and from one
    address for any username (``LOGIN_FAILURE_LIMIT_PER_ADDRESS``), in the cool-off window.
    Reaching either counts as reaching axes' own limit, so the lockout page, its answer
    (429) and its cool-off are the same."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        limit = get_failure_limit(request, credentials)
        if failures >= limit:
            return failures
        since = get_cool_off_threshold(request)
        username = get_client_username(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        if username and _failures(username=username, attempt_time__gte=since) \
                >= settings.LOGIN_FAILURE_LIMIT_PER_USERNAME:
            return limit
        if address and _failures(ip_address=address, attempt_time__gte=since) \
                >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return limit
        return failures

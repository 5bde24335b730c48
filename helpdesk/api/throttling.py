"""Rate limits per user (whatever token or session they come with): reading and changing
are counted apart, so a sync that reads a lot cannot starve the agent actions. Counters live
in the ``api`` cache (Redis when there is one, so every web worker counts together)."""

from django.conf import settings
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .permissions import SAFE


class _PerUser(SimpleRateThrottle):
    methods_safe = True

    def __init__(self) -> None:
        self.cache = caches["api"]
        super().__init__()

    def get_rate(self) -> str | None:
        # Read at each request, not at import, so that a settings change takes effect.
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)

    def get_cache_key(self, request: Request, view: object) -> str | None:
        if (request.method in SAFE) != self.methods_safe or not request.user.is_authenticated:
            return None  # not this throttle's kind of request; anonymous ones are refused
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ReadThrottle(_PerUser):
    scope = "read"


class ActThrottle(_PerUser):
    scope = "act"
    methods_safe = False

"""Times are shown in the agent's own zone (their profile; else settings.TIME_ZONE) on the
pages; the API answers in UTC whoever asks (docs/API.md)."""

from collections.abc import Callable
from datetime import UTC

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.views import APIView

from helpdesk.tickets.selectors import agent_zone


class AgentTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = agent_zone(user=request.user)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request: HttpRequest, view_func: Callable, *args) -> None:
        # An API view writes and reads times in UTC: the same for a script's token and the
        # agent's browser session, whatever zone the agent chose for their pages or the
        # server runs in (a time sent without an offset is UTC, too).
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            timezone.activate(UTC)

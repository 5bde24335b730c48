"""Times are shown in the agent's own zone (their profile; else settings.TIME_ZONE)."""

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from helpdesk.tickets.models import AgentProfile


class AgentTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = None
        if request.user.is_authenticated:
            name = (
                AgentProfile.objects.filter(user=request.user)
                .values_list("time_zone", flat=True).first()
            )
        try:
            if name:
                timezone.activate(ZoneInfo(name))
            else:
                timezone.deactivate()
        except ZoneInfoNotFoundError:  # a zone removed from tzdata since it was chosen
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

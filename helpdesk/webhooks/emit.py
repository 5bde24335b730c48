"""An event becomes one delivery per active endpoint that wants it, written in the caller's
transaction (an event of work rolled back is never sent) and attempted once it commits."""

from datetime import datetime

from django.utils import timezone

from helpdesk import jobs

from .delivery import delivery_attempt_job
from .models import Delivery, WebhookEndpoint
from .payloads import envelope


def events_wanted() -> set[str]:
    """The events some active endpoint wants."""
    return {event for events in WebhookEndpoint.objects.filter(active=True)
            .values_list("events", flat=True) for event in (events or ())}


def events_emit(*, events: list[tuple[str, dict]], now: datetime | None = None) -> list[Delivery]:
    """``events``: (event name, data) pairs. One query when no endpoint is configured."""
    if not events:
        return []
    now = now or timezone.now()
    endpoints = list(WebhookEndpoint.objects.filter(active=True).only("pk", "events"))
    deliveries = []
    for event, data in events:
        wanting = [e for e in endpoints if event in (e.events or ())]
        if not wanting:
            continue
        event_id, body = envelope(event=event, data=data, at=now)
        deliveries += [Delivery(endpoint=e, event=event, event_id=event_id, body=body,
                                created_at=now, next_attempt_at=now) for e in wanting]
    Delivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        jobs.enqueue(delivery_attempt_job, delivery.pk)
    return deliveries

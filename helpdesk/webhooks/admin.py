"""Webhooks in Django admin: endpoints (URL, events, secret), their deliveries and every
attempt's outcome; switching an endpoint on again, retrying deliveries by hand."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from .delivery import deliveries_retry, endpoint_switch_on
from .models import Attempt, Delivery, DeliveryState, Event, WebhookEndpoint


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(choices=Event.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "active", "failures", "disabled_at"]
    list_filter = ["active"]
    readonly_fields = ["secret", "failures", "failing_since", "disabled_at", "disabled_reason",
                       "created_at"]
    actions = ["switch_on"]

    @admin.action(description="Switch on again (and send what waited)")
    def switch_on(self, request: HttpRequest, queryset) -> None:
        for endpoint in queryset:
            endpoint_switch_on(endpoint=endpoint)
        deliveries_retry()
        self.message_user(request, f"{queryset.count()} endpoint(s) switched on.")


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["at", "ok", "status_code", "error", "duration_ms",
                                "response_excerpt"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "state", "attempts", "created_at", "next_attempt_at",
                    "delivered_at"]
    list_filter = ["state", "event", "endpoint"]
    search_fields = ["event_id"]
    readonly_fields = ["endpoint", "event", "event_id", "body", "state", "attempts",
                       "next_attempt_at", "created_at", "delivered_at"]
    exclude = ["claimed_until"]
    inlines = [AttemptInline]
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Try again now")
    def retry_now(self, request: HttpRequest, queryset) -> None:
        n = queryset.filter(state__in=[DeliveryState.FAILED, DeliveryState.ABANDONED,
                                       DeliveryState.PENDING]).update(
            state=DeliveryState.FAILED, next_attempt_at=timezone.now())
        deliveries_retry()
        self.message_user(request, f"{n} deliver(ies) queued again.")

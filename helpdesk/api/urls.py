"""/api/: the endpoints, the OpenAPI schema and its reference page. The API answers its own
401 (a token or a session), so Django's login redirect is switched off for it."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register(r"tickets/(?P<ticket_pk>[0-9]{1,18})/messages", views.TicketMessages,
                basename="ticket-messages")
router.register("messages", views.MessageViewSet, basename="message")
router.register("clocks", views.ClockViewSet, basename="clock")
router.register("violations", views.ViolationViewSet, basename="violation")
router.register("buyers", views.BuyerViewSet, basename="buyer")
router.register("orders", views.OrderViewSet, basename="order")

app_name = "api"


def _open(patterns: list) -> list:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)
    return patterns


urlpatterns = _open([
    path("orders/import/", views.OrderImport.as_view(), name="order-import"),
    path("reports/sla/", views.SlaReport.as_view(), name="sla-report"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
])

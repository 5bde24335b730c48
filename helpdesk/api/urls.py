"""/api/: the endpoints, the OpenAPI schema and its reference page. The API answers its own
401/403 (a token or a session): DRF's views are exempt from Django's login redirect."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.routers import DefaultRouter

from . import views
from .security import reference_csp

router = DefaultRouter()
router.include_format_suffixes = False  # JSON; ?format=api for the browsable page
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register(r"tickets/(?P<ticket_pk>[0-9]{1,18})/messages", views.TicketMessages,
                basename="ticket-messages")
router.register("messages", views.MessageViewSet, basename="message")
router.register("clocks", views.ClockViewSet, basename="clock")
router.register("violations", views.ViolationViewSet, basename="violation")
router.register("buyers", views.BuyerViewSet, basename="buyer")
router.register("orders", views.OrderViewSet, basename="order")

app_name = "api"


urlpatterns = [
    path("docs/", reference_csp(SpectacularRedocView.as_view(url_name="api:schema")),
         name="docs"),
    path("orders/import/", views.OrderImport.as_view(), name="order-import"),
    path("reports/sla/", views.SlaReport.as_view(), name="sla-report"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include(router.urls)),
]

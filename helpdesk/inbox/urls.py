from django.urls import path

from . import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
]

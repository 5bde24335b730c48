from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("tickets/<int:pk>/category/", views.ticket_category_set, name="ticket_category"),
]

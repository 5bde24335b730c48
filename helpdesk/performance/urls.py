from django.urls import path

from . import views

app_name = "performance"
urlpatterns = [
    path("amazon/", views.amazon_page, name="amazon"),
    path("amazon/csv/", views.amazon_csv, name="amazon_csv"),
    path("health/", views.health_page, name="health"),
]

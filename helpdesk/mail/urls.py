from django.urls import path

from . import views

app_name = "mail"
urlpatterns = [path("raw/", views.ingest_raw, name="ingest_raw")]

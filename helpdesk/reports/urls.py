from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_page, name="page"),
    path("violations/", views.violations_page, name="violations"),
    path("csv/<slug:table>/", views.report_csv, name="csv"),
]

from django.urls import path

from . import account_views as views

app_name = "account"
urlpatterns = [
    path("", views.preferences, name="preferences"),
    path("password/", views.password_change, name="password_change"),
    path("password/done/", views.password_change_done, name="password_change_done"),
]

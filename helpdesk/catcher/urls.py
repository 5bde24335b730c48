from django.urls import path

from . import views

app_name = "catcher"
urlpatterns = [
    path("", views.mail_list, name="list"),
    path("<str:key>/", views.mail_detail, name="detail"),
]

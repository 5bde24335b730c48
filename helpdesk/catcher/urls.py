from django.urls import path

from . import views

app_name = "catcher"
urlpatterns = [
    path("", views.mail_list, name="list"),
    # The mail's key in the query string (?key=): a Maildir key, checked by the store.
    path("mail/", views.mail_detail, name="detail"),
]

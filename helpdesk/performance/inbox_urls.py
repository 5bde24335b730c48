"""The agents' side, under /inbox/: the "mark in Seller Central too" list and its tick."""

from django.urls import path

from . import views

app_name = "seller_central"
urlpatterns = [
    path("seller-central/", views.seller_central_list, name="list"),
    path("tickets/<int:pk>/marked-in-seller-central/", views.seller_central_mark,
         name="mark"),
]

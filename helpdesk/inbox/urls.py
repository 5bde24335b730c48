from django.urls import path

from . import composer, ticket_views, views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("bulk/", views.bulk, name="bulk"),
    path("tickets/<int:pk>/", ticket_views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/do/<slug:action>/", ticket_views.ticket_action, name="action"),
    path("tickets/<int:pk>/presence/", ticket_views.presence, name="presence"),
    path("tickets/<int:pk>/attachments/<int:attachment_pk>/", ticket_views.attachment_download,
         name="attachment"),
    path("tickets/<int:pk>/reply/template/", composer.reply_template, name="reply_template"),
    path("tickets/<int:pk>/reply/check/", composer.reply_check, name="reply_check"),
    path("tickets/<int:pk>/reply/", composer.reply_send_view, name="reply_send"),
    path("tickets/<int:pk>/reply/<int:outbox_pk>/retry/", composer.reply_retry,
         name="reply_retry"),
    path("tickets/<int:pk>/reply/<int:outbox_pk>/edit/", composer.reply_edit, name="reply_edit"),
    path("tickets/<int:pk>/reply/<int:outbox_pk>/<slug:decision>/", composer.reply_uncertain,
         name="reply_uncertain"),
    path("tickets/<int:pk>/seller-central/", composer.reply_seller_central,
         name="reply_seller_central"),
]

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from helpdesk.inbox import account_views

# Every app's admin module, imported here rather than when Django starts (helpdesk.admin_apps).
admin.autodiscover()

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="inbox:list", permanent=False)),
    path("login/", account_views.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", include("helpdesk.api.token_urls")),
    path("account/", include("helpdesk.inbox.account_urls")),
    path("api/", include("helpdesk.api.urls")),
    path("admin/", admin.site.urls),
    path("ingest/", include("helpdesk.mail.urls")),
    path("inbox/", include("helpdesk.inbox.urls")),
    path("inbox/", include("helpdesk.complaints.urls")),
    path("inbox/", include("helpdesk.performance.inbox_urls")),
    path("reports/", include("helpdesk.reports.urls")),
    path("reports/", include("helpdesk.performance.urls")),
    path("django-rq/", include("django_rq.urls")),
    # Mail sent under `make run` (its SMTP catcher); answers 404 unless DEBUG, for staff.
    path("dev/mail/", include("helpdesk.catcher.urls")),
]

handler500 = "helpdesk.error_views.server_error_or_unavailable"

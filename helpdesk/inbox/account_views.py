"""The agent's own account pages under ``/account/``: settings (the time zone), and
Django's own login and password change views, under the pages' Content-Security-Policy."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helpdesk.csp import inbox_csp
from helpdesk.tickets.agents import agent_profile_update, agent_time_zone

from .account_forms import PreferencesForm


@require_http_methods(["GET", "POST"])
@inbox_csp
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            agent_profile_update(user=request.user, time_zone=form.cleaned_data["time_zone"])
            messages.success(request, _("Settings saved."))
            return redirect("account:preferences")
    else:
        form = PreferencesForm(initial={"time_zone": agent_time_zone(user=request.user)})
    return render(request, "account/preferences.html", {"form": form})


login = inbox_csp(auth_views.LoginView.as_view(redirect_authenticated_user=True))
password_change = inbox_csp(auth_views.PasswordChangeView.as_view(
    success_url=reverse_lazy("account:password_change_done")
))
password_change_done = inbox_csp(auth_views.PasswordChangeDoneView.as_view())

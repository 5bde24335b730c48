"""/account/tokens/: a user's own API tokens, made and revoked. The secret is shown once,
on the page that answers the creation, and never again."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.csp import inbox_csp

from .forms import TokenForm
from .tokens import TokenError, token_create, token_revoke, tokens_of


@require_http_methods(["GET", "POST"])
@inbox_csp
def tokens(request: HttpRequest) -> HttpResponse:
    created = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                created = token_create(user=request.user, name=form.cleaned_data["name"],
                                       scopes=form.cleaned_data["scopes"])
            except TokenError as exc:
                form.add_error(None, str(exc))
            else:
                form = TokenForm()
    else:
        form = TokenForm()
    response = render(request, "account/tokens.html", {
        "form": form, "tokens": tokens_of(user=request.user), "created": created,
    }, status=400 if form.errors else 200)
    if created:
        response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@require_POST
@inbox_csp
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(tokens_of(user=request.user), pk=pk)
    token_revoke(token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("tokens:list")

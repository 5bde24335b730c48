from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .store import caught_mail_get, caught_mails


def _directory(request: HttpRequest) -> Path:
    # Development only, and for staff: on a real server this page does not exist at all.
    if not (settings.DEBUG and settings.MAIL_CATCHER_DIR and request.user.is_staff):
        raise Http404
    return Path(settings.MAIL_CATCHER_DIR)


@require_GET
def mail_list(request: HttpRequest) -> HttpResponse:
    mails, total = caught_mails(directory=_directory(request))
    return render(request, "catcher/list.html", {
        "mails": mails, "total": total, "directory": settings.MAIL_CATCHER_DIR,
    })


@require_GET
def mail_detail(request: HttpRequest) -> HttpResponse:
    mail = caught_mail_get(directory=_directory(request), key=request.GET.get("key", ""))
    if mail is None:
        raise Http404
    return render(request, "catcher/detail.html", {"mail": mail})

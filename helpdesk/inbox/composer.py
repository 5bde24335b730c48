"""The reply composer: fill from a template, check as the agent types, send.

Sending is refused once, with the news shown, when the thread moved on after the composer
was drawn (a buyer wrote again, or a colleague queued a reply): no blind double answer."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.replies.compliance import (
    CHECK_MAX_CHARS,
    check_size_problem,
    compliance_check,
    reply_facts,
)
from helpdesk.replies.errors import ComplianceBlocked, ReplyError
from helpdesk.replies.models import Outbox, ReplyTemplate, Severity
from helpdesk.replies.rendering import RenderError
from helpdesk.replies.services import is_manager, reply_compose, reply_send
from helpdesk.tickets import actions
from helpdesk.tickets.models import Ticket

from .page import Composer, templates_fitting, ticket_page_context
from .security import inbox_csp
from .ticket_views import ticket_get

# The live check's request: subject and body percent-encoded (up to 12 bytes a character).
CHECK_MAX_BYTES = CHECK_MAX_CHARS * 12 + 4096


def preview_html(body: str, findings: list) -> SafeString:
    """The reply as the buyer will read it, with what the checks found marked."""
    html = escape(body)
    for finding in findings:
        evidence = finding.evidence if hasattr(finding, "evidence") else finding["evidence"]
        for piece in filter(None, (p.strip() for p in evidence.split(";"))):
            escaped = escape(piece)
            if escaped in html:
                html = html.replace(escaped, f"<mark>{escaped}</mark>")
    return mark_safe(html)  # noqa: S308 - built from escaped text only


def _template(ticket: Ticket, template_id: str | None) -> ReplyTemplate | None:
    if not template_id or not str(template_id).isdigit():
        return None
    return next((t for t in templates_fitting(ticket) if t.pk == int(template_id)), None)


@require_GET
@inbox_csp
def reply_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The composer's fields filled from the chosen template (htmx swaps them in)."""
    ticket = ticket_get(request, pk)
    template = _template(ticket, request.GET.get("template"))
    composer = Composer(seen=request.GET.get("seen", ""))
    if template is None:  # unknown, inactive, or not for this ticket's kind and language
        raise Http404
    try:
        draft = reply_compose(ticket=ticket, template=template, author=request.user)
        composer.subject, composer.body, composer.language = draft.subject, draft.body, \
            draft.language
        composer.findings = draft.findings
    except RenderError as exc:
        composer.error = str(exc)
    composer.template_id = template.pk
    return render(request, "inbox/_composer_fields.html", {
        "ticket": ticket, "composer": composer, "templates": templates_fitting(ticket),
        "preview": preview_html(composer.body, composer.findings),
    })


@require_POST
@inbox_csp
def reply_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Live preview: the compliance findings for the text as it stands. A text longer than the
    check reads is answered 413 with the reason, before any of it is parsed if it says so."""
    ticket = ticket_get(request, pk)
    length = request.META.get("CONTENT_LENGTH", "")
    if length.isdigit() and int(length) > CHECK_MAX_BYTES:
        return HttpResponse(_("The reply is too long to check."), status=413)
    subject, body = request.POST.get("subject", ""), request.POST.get("body", "")
    facts = reply_facts(ticket=ticket, subject=subject, body=body,
                        language=request.POST.get("language", "")[:10])
    too_long = check_size_problem(subject=subject, body=body) is not None
    findings = compliance_check(facts=facts, channel=ticket.channel) \
        if body.strip() or too_long else []
    return render(request, "inbox/_preview.html", {
        "findings": findings, "preview": "" if too_long else preview_html(body, findings),
        "subject": subject, "blocked": any(f.severity == Severity.BLOCK for f in findings),
    }, status=413 if too_long else 200)


def _newer(ticket: Ticket, seen: str) -> tuple[list, list]:
    """Messages and queued replies newer than what the composer saw."""
    message_pk, _sep, outbox_pk = seen.partition(".")
    if not message_pk.isdigit():
        return [], []
    newer_messages = list(ticket.messages.filter(pk__gt=int(message_pk)).order_by("pk"))
    newer_replies = list(
        Outbox.objects.filter(ticket=ticket, pk__gt=int(outbox_pk or 0))
        .select_related("author").order_by("pk")
    )
    return newer_messages, newer_replies


@require_POST
@inbox_csp
def reply_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_get(request, pk)
    post = request.POST
    template = _template(ticket, post.get("template"))
    composer = Composer(
        subject=post.get("subject", ""), body=post.get("body", ""),
        template_id=template.pk if template else None, language=post.get("language", ""),
        override_reason=post.get("override_reason", ""),
    )
    newer_messages, newer_replies = _newer(ticket, post.get("seen", ""))
    if newer_messages or newer_replies:
        # Shown with the news; the page carries the new version, so sending again goes.
        composer.stale = newer_messages
        composer.stale_replies = newer_replies
        return _again(request, ticket, composer, status=409)
    try:
        reply_send(
            ticket=ticket, author=request.user, subject=composer.subject, body=composer.body,
            template=template, override_reason=composer.override_reason.strip() or None,
            language=composer.language,
        )
    except ComplianceBlocked as exc:
        composer.findings, composer.blocked = exc.findings, True
        composer.error = _("The compliance check blocked this reply.")
        return _again(request, ticket, composer, status=422)
    except (ReplyError, RenderError) as exc:
        composer.error = str(exc)
        return _again(request, ticket, composer, status=422)
    now = timezone.now()
    actions.ticket_mark_read(ticket=ticket, user=request.user, now=now)
    actions.presence_touch(ticket=ticket, user=request.user, composing=False, now=now)
    messages.success(request, _("Reply queued for sending."))
    return redirect("inbox:ticket", pk=ticket.pk)


def _again(request: HttpRequest, ticket: Ticket, composer: Composer, *,
           status: int) -> HttpResponse:
    context = ticket_page_context(ticket=ticket, user=request.user, now=timezone.now(),
                                  composer=composer)
    context["may_override"] = composer.blocked and is_manager(request.user)
    context["preview"] = preview_html(composer.body, composer.findings)
    return render(request, "inbox/ticket.html", context, status=status)

"""The reply composer: fill from a template, check as the agent types, send.

Sending is refused once, with the news shown, when the thread moved on after the composer
was drawn (a buyer wrote again, or a colleague queued a reply): no blind double answer."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.csp import inbox_csp
from helpdesk.db import row_id
from helpdesk.replies.compliance import (
    CHECK_MAX_CHARS,
    check_size_problem,
    compliance_check,
    reply_facts,
)
from helpdesk.replies.errors import ComplianceBlocked, ReplyError
from helpdesk.replies.models import Outbox, OutboxState, ReplyTemplate, Severity
from helpdesk.replies.outbox import (
    outbox_confirm_delivered,
    outbox_retry_failed,
    outbox_send_again,
)
from helpdesk.replies.rendering import RenderError
from helpdesk.replies.seller_central import seller_central_responded
from helpdesk.replies.services import is_manager, reply_compose, reply_send
from helpdesk.tickets import actions
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.selectors import agent_zone

from .page import Composer, templates_fitting, ticket_page_context
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
    wanted = row_id(template_id)
    return next((t for t in templates_fitting(ticket) if t.pk == wanted), None)


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
        composer.wanted_language = draft.wanted_language if draft.fallback else ""
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
    message_pk = row_id(message_pk)
    if message_pk is None:
        return [], []
    newer_messages = list(ticket.messages.filter(pk__gt=message_pk).order_by("pk"))
    newer_replies = list(
        Outbox.objects.filter(ticket=ticket, pk__gt=row_id(outbox_pk) or 0)
        .select_related("author").order_by("pk")
    )
    return newer_messages, newer_replies


@require_POST
@inbox_csp
def reply_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_get(request, pk)
    post = request.POST
    template = _template(ticket, post.get("template"))
    replaces = _failed_reply(ticket, post.get("replaces", ""))
    composer = Composer(
        subject=post.get("subject", ""), body=post.get("body", ""),
        template_id=template.pk if template else None, language=post.get("language", ""),
        override_reason=post.get("override_reason", ""),
        replaces=replaces.pk if replaces else None,
    )
    try:
        with transaction.atomic():
            # The check and the reply under the ticket's lock: a double click's second
            # request waits here until the first one's reply is saved, then finds it newer
            # than what its page saw, instead of both passing the check and both sending.
            Ticket.objects.select_for_update().filter(pk=ticket.pk).exists()
            newer_messages, newer_replies = _newer(ticket, post.get("seen", ""))
            outbox = None if newer_messages or newer_replies else reply_send(
                ticket=ticket, author=request.user, subject=composer.subject,
                body=composer.body, template=template,
                override_reason=composer.override_reason.strip() or None,
                language=composer.language, replaces=replaces,
            )
    except ComplianceBlocked as exc:
        composer.findings, composer.blocked = exc.findings, True
        composer.error = _("The compliance check blocked this reply.")
        return _again(request, ticket, composer, status=422)
    except (ReplyError, RenderError) as exc:
        composer.error = str(exc)
        return _again(request, ticket, composer, status=422)
    if outbox is None:
        # Shown with the news; the page carries the new version, so sending again goes.
        composer.stale = newer_messages
        composer.stale_replies = newer_replies
        return _again(request, ticket, composer, status=409)
    now = timezone.now()
    actions.ticket_mark_read(ticket=ticket, user=request.user, now=now)
    actions.presence_touch(ticket=ticket, user=request.user, composing=False, now=now)
    _tell_outcome(request, outbox)
    return redirect("inbox:ticket", pk=ticket.pk)


def _tell_outcome(request: HttpRequest, outbox: Outbox) -> None:
    """What became of the reply by the time the page answers, as it is: without a queue the
    first attempt has run already; with one it may still be waiting."""
    outbox.refresh_from_db()
    match outbox.state:
        case OutboxState.SENT:
            messages.success(request, _("Reply sent to %(to)s.") % {"to": outbox.to_address})
        case OutboxState.FAILED:
            if outbox.next_attempt_at:
                zone = agent_zone(user=request.user) or timezone.get_current_timezone()
                at = timezone.localtime(outbox.next_attempt_at, zone)
                after = _("It is tried again at %(at)s; or retry it now, or edit and resend "
                          "it, below.") % {"at": f"{at:%H:%M %Z}"}
            else:
                after = _("It is not tried again by itself: retry it, or edit and resend it, "
                          "below.")
            messages.error(request, _("Reply NOT sent: %(reason)s. %(after)s")
                           % {"reason": outbox.last_error, "after": after})
        case OutboxState.UNCERTAIN:
            messages.warning(request, _("Reply may not have been delivered: %(reason)s")
                             % {"reason": outbox.last_error})
        case _:
            messages.info(request, _("Reply queued for sending: it goes out as soon as the "
                                     "mail worker takes it."))


def _failed_reply(ticket: Ticket, pk: object) -> Outbox | None:
    if (wanted := row_id(pk)) is None:
        return None
    return Outbox.objects.filter(ticket=ticket, pk=wanted, state=OutboxState.FAILED).first()


@require_POST
@inbox_csp
def reply_retry(request: HttpRequest, pk: int, outbox_pk: int) -> HttpResponse:
    """"Retry now" on a failed reply: one attempt at once, and the page says how it went."""
    ticket = ticket_get(request, pk)
    outbox = get_object_or_404(Outbox, ticket=ticket, pk=outbox_pk)
    try:
        outbox = outbox_retry_failed(outbox=outbox, user=request.user)
    except ReplyError as exc:
        messages.error(request, str(exc))
    else:
        _tell_outcome(request, outbox)
    return redirect("inbox:ticket", pk=ticket.pk)


@require_POST
@inbox_csp
def reply_uncertain(request: HttpRequest, pk: int, outbox_pk: int, decision: str) -> HttpResponse:
    """A reply whose delivery is unknown: the agent saw it arrived ("confirm"), or decides it
    did not and sends it again knowingly, with a reason ("again")."""
    ticket = ticket_get(request, pk)
    outbox = get_object_or_404(Outbox, ticket=ticket, pk=outbox_pk)
    try:
        if decision == "confirm":
            outbox_confirm_delivered(outbox=outbox, user=request.user,
                                     note=request.POST.get("note", "").strip()[:500])
            messages.success(request, _("Delivery confirmed: the clock counts the reply."))
        elif decision == "again":
            outbox = outbox_send_again(outbox=outbox, user=request.user,
                                       reason=request.POST.get("reason", "")[:500])
            _tell_outcome(request, outbox)
        else:
            raise Http404
    except ReplyError as exc:
        messages.error(request, str(exc))
    return redirect("inbox:ticket", pk=ticket.pk)


@require_GET
@inbox_csp
def reply_edit(request: HttpRequest, pk: int, outbox_pk: int) -> HttpResponse:
    """"Edit and resend": the failed reply's text in the composer; sending it replaces the
    failed one, which is then never sent."""
    ticket = ticket_get(request, pk)
    outbox = get_object_or_404(Outbox, ticket=ticket, pk=outbox_pk, state=OutboxState.FAILED)
    composer = Composer(subject=outbox.subject, body=outbox.body, language=outbox.language,
                        template_id=outbox.template_id, replaces=outbox.pk)
    return _again(request, ticket, composer, status=200)


@require_POST
@inbox_csp
def reply_seller_central(request: HttpRequest, pk: int) -> HttpResponse:
    """"Responded in Seller Central" on a notice ticket, with what was answered."""
    ticket = ticket_get(request, pk)
    try:
        ended = seller_central_responded(ticket=ticket, actor=request.user,
                                         note=request.POST.get("note", ""))
    except ReplyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Recorded: responded in Seller Central.")
                         + (" " + _("Its clock is stopped.") if ended else ""))
    return redirect("inbox:ticket", pk=ticket.pk)


def _again(request: HttpRequest, ticket: Ticket, composer: Composer, *,
           status: int) -> HttpResponse:
    context = ticket_page_context(ticket=ticket, user=request.user, now=timezone.now(),
                                  composer=composer)
    context["may_override"] = composer.blocked and is_manager(request.user)
    context["preview"] = preview_html(composer.body, composer.findings)
    return render(request, "inbox/ticket.html", context, status=status)

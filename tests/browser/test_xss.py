"""Stored XSS, in a real browser: a buyer's mail whose subject, name, text, HTML and
attachment file name carry script, and a reply template whose text does, are shown to an
agent, a manager and an admin on every page that shows them (the inbox list, the ticket, the
composer and its live preview, the admin's template preview). Nothing runs: no dialog, no
hook set, no injected element, no Content-Security-Policy violation (which would mean the
markup got in and only the policy stopped it)."""

import re
from email.message import EmailMessage
from email.utils import formataddr

import pytest
from django.contrib.auth.models import User
from inbox_support import queue_make, user_make
from mails import amazon_body
from playwright.sync_api import expect

from helpdesk.mail.defaults import rules_install_defaults
from helpdesk.mail.recognise import ruleset_forget
from helpdesk.mail.services import mail_ingest
from helpdesk.marketplaces.defaults import channels_install_defaults
from helpdesk.replies.models import ReplyTemplate, ReplyTemplateVariant
from helpdesk.tickets.models import Message

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def payloads(n: int) -> list[str]:
    """Each sets a hook on the top window and opens a dialog, if it ever runs."""
    run = f"top.__xss={n};alert({n})"
    return [
        f"<script>{run}</script>",
        f'<img src=x onerror="{run}">',
        f'"><script>{run}</script>',
        f"'><svg onload={run}>",
        f'<a href="javascript:{run}">click me</a>',
        f'<iframe srcdoc="<script>{run}</script>"></iframe>',
        f"</textarea><script>{run}</script>",
        f"</title><script>{run}</script>",
        "{{ 7*7 }}",
    ]


SUBJECT = "Lid broken " + " ".join(payloads(1)[:4])
NAME = 'Eve"><img src=x onerror="top.__xss=2;alert(2)">'
WORDS = "Please help. " + " ".join(payloads(3))
HTML = "<p id='buyer-html'>Hello</p>" + "".join(payloads(4))
FILENAME = '"><img src=x onerror="top.__xss=5;alert(5)">.pdf'
TEMPLATE_TEXT = "Hello, " + " ".join(payloads(6)) + " {{ ticket.subject }}"
PASSWORD = "xss-pass-1234"
# Elements that carry a payload as markup rather than as text: a handler, a link, a source
# or a script body holding the hook. (A form field's value holding it is text, and fine.)
INJECTED = """() => [...document.querySelectorAll('*')].filter(e =>
    [...e.attributes].some(a => (a.name.startsWith('on') || ['href', 'src', 'srcdoc',
        'action', 'formaction'].includes(a.name)) && a.value.includes('__xss'))
    || (['SCRIPT', 'svg', 'IFRAME', 'STYLE'].includes(e.tagName)
        && (e.textContent || '').includes('__xss'))
).map(e => e.outerHTML.slice(0, 300))"""


@pytest.fixture
def evil(settings):
    channels_install_defaults()
    rules_install_defaults()
    ruleset_forget()
    mail = EmailMessage()
    mail["From"] = formataddr((f"{NAME} - Amazon Marketplace",
                               "evil0xyz@marketplace.amazon.com"))
    mail["To"] = "support@example-seller.com"
    mail["Subject"] = SUBJECT
    mail["Message-ID"] = "<xss@example.test>"
    mail["Date"] = "Mon, 05 Oct 2026 10:00:00 +0000"
    mail.set_content(amazon_body(WORDS))
    mail.add_alternative(HTML, subtype="html")
    mail.add_attachment(b"%PDF-1.4 x", maintype="application", subtype="pdf",
                        filename=FILENAME)
    result = mail_ingest(raw=mail.as_bytes(), source="test:xss")
    assert result.outcome == "stored", result.reason
    ticket = Message.objects.get(pk=result.message_pk).ticket
    template = ReplyTemplate.objects.create(name="XSS <script>top.__xss=7</script>",
                                            default_language="en")
    for language in ("en", "de"):
        ReplyTemplateVariant.objects.create(template=template, language=language,
                                            subject="Re: {{ ticket.subject }}",
                                            body=TEMPLATE_TEXT)
    queue = queue_make("Amazon US", [ticket.channel.code])
    for role in ("agent", "manager"):
        user = user_make(f"xss_{role}", role=role, queues=[queue] if role == "agent" else [])
        user.set_password(PASSWORD)
        user.save()
    User.objects.create_superuser("xss_admin", "admin@example.test", PASSWORD)
    return {"ticket": ticket, "template": template}


@pytest.fixture
def watched(page):
    """The page, with every console message kept (CSP violations are reported there)."""
    page.console = []
    page.on("console", lambda message: page.console.append(message.text))
    return page


def assert_nothing_ran(page, where: str) -> None:
    page.wait_for_timeout(300)  # let an onerror / onload fire if one got in
    assert page.evaluate("window.__xss") is None, where
    assert page.errors == [], (where, page.errors)  # dialogs and page errors
    assert page.evaluate(INJECTED) == [], where
    # (An image the buyer's HTML names is blocked by the mail frame's policy by design: no
    # tracking pixels. A blocked script or handler would mean markup got in.)
    violations = [m for m in page.console if "Content Security Policy" in m
                  and ("script" in m.lower() or "handler" in m.lower())]
    assert violations == [], (where, violations)


@pytest.mark.parametrize("role", ["agent", "manager", "admin"])
def test_nothing_a_buyer_or_a_template_writes_runs_in_the_pages(
    watched, live_server, log_in, evil, role
):
    page, ticket = watched, evil["ticket"]
    log_in(f"xss_{role}", PASSWORD)

    page.goto(f"{live_server.url}/inbox/")
    row = page.locator(f'#inbox-results tr.row[data-id="{ticket.pk}"]')
    expect(row).to_contain_text("Lid broken <script>")  # shown as text
    assert_nothing_ran(page, "inbox list")

    page.goto(f"{live_server.url}/inbox/?q=Lid")
    expect(page.locator(f'tr.row[data-id="{ticket.pk}"]')).to_be_visible()
    assert_nothing_ran(page, "inbox search")

    page.goto(f"{live_server.url}/inbox/tickets/{ticket.pk}/")
    expect(page.locator("body")).to_contain_text(FILENAME)
    expect(page.locator("body")).to_contain_text(NAME)
    expect(page.locator("body")).to_contain_text("Please help. <script>")
    # The buyer's HTML, sanitised, in its sandboxed frame (nh3 drops the id, keeps the text).
    expect(page.frame_locator("iframe.mail-html").locator("p").first).to_have_text("Hello")
    assert_nothing_ran(page, "ticket page")

    page.select_option("select[data-template-picker]", label=evil["template"].name)
    body = page.locator("#composer textarea[name=body]")
    expect(body).to_have_value(re.compile(re.escape("<svg onload=top.__xss=6")))
    expect(page.locator("#preview")).to_contain_text("<script>top.__xss=6")
    assert_nothing_ran(page, "composer filled from the template")

    body.fill("Typed: " + " ".join(payloads(8)))
    expect(page.locator("#preview")).to_contain_text("Typed: <script>", timeout=10_000)
    assert_nothing_ran(page, "live preview")

    if role == "admin":
        url = f"{live_server.url}/admin/replies/replytemplate/{evil['template'].pk}/preview/"
        page.goto(f"{url}?ticket={ticket.pk}")
        expect(page.locator("body")).to_contain_text("<script>top.__xss=6")
        assert_nothing_ran(page, "admin template preview")
        page.goto(f"{live_server.url}/admin/replies/replytemplate/")
        assert_nothing_ran(page, "admin template list")
        page.goto(f"{live_server.url}/admin/tickets/ticket/{ticket.pk}/change/")
        assert_nothing_ran(page, "admin ticket")


def test_the_attachment_is_a_download_that_cannot_run_in_the_origin(
    watched, live_server, log_in, evil
):
    page, ticket = watched, evil["ticket"]
    attachment = ticket.messages.get().attachments.get()
    log_in("xss_agent", PASSWORD)
    response = page.request.get(
        f"{live_server.url}/inbox/tickets/{ticket.pk}/attachments/{attachment.pk}/"
    )
    assert response.status == 200
    headers = response.headers
    assert headers["content-disposition"].startswith("attachment")
    assert "sandbox" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"

"""The live compliance check in a real browser: an evasion typed in the composer is marked as
the agent wrote it, and a reply too long to check says so in the preview (a 413 answer)."""

import pytest
from inbox_support import queue_make, ticket_make, user_make
from playwright.sync_api import expect

from helpdesk.replies.compliance import CHECK_MAX_CHARS
from helpdesk.replies.models import ReplyTemplate, ReplyTemplateVariant

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "agent1-pass-1234"


def test_the_preview_marks_an_evasion_and_says_when_a_reply_is_too_long(page, live_server,
                                                                      log_in):
    user_make("agent1", queues=[queue_make("Amazon DE", ["amazon-de"])])
    ticket = ticket_make(channel="amazon-de", language="de", subject="Becher",
                         order_id="302-1234567-7654321")
    log_in("agent1", PASSWORD)
    page.goto(f"{live_server.url}/inbox/tickets/{ticket.pk}/")
    body = page.locator("#composer textarea[name=body]")
    body.fill("Vielen Dank! Bitte bewerten Sie uns mit 5 S t e r n e n.")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Blocks sending")
    expect(preview.locator("mark")).to_have_text("bewerten Sie uns mit 5 S t e r n e n")

    body.fill("Vielen Dank! " + "x" * CHECK_MAX_CHARS)
    expect(preview).to_contain_text("too long to check")
    assert page.errors == []


def test_the_preview_reads_the_reply_in_the_language_of_the_template_chosen(page, live_server,
                                                                            log_in):
    # A Spanish-only template on an English ticket: the reply is Spanish, and a phrase too
    # short to be recognised as Spanish must meet the Spanish rules in the preview, as it
    # will when it is sent.
    user_make("agent1", queues=[queue_make("Amazon US", ["amazon-com"])])
    ticket = ticket_make(subject="Mug", language="en")
    template = ReplyTemplate.objects.create(name="Gracias", default_language="es")
    ReplyTemplateVariant.objects.create(template=template, language="es", subject="Re: Mug",
                                        body="Hola, gracias por su compra.")
    log_in("agent1", PASSWORD)
    page.goto(f"{live_server.url}/inbox/tickets/{ticket.pk}/")
    page.select_option("select[data-template-picker]", label="Gracias")
    expect(page.locator("[data-language-fallback]")).to_contain_text("ES")
    page.locator("#composer textarea[name=body]").fill("Gracias: reseña con 5 estrellas.")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Blocks sending")
    expect(preview).to_contain_text("reseña positiva")  # the Spanish rule's own words
    expect(preview.locator("mark")).to_have_text("5 estrellas")
    assert page.errors == []

"""An agent's day in a real browser: find an at-risk ticket, reply with a template and see
the clock stop; a reply the mail server would not take shows in the inbox and is retried;
mark another "no response required"; the list refreshing itself keeps the selection; a
buyer's HTML with a script runs nothing; a buyer's endless word, or a letter heaped with
accents, stays in its own box."""

import re
from datetime import timedelta

import pytest
from inbox_support import queue_make, smtp_sink, ticket_make, user_make
from playwright.sync_api import expect

from helpdesk.tickets.models import Ticket

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "agent1-pass-1234"
EVIL_HTML = (
    '<p id="buyer-html">Hello from the buyer</p>'
    "<script>parent.document.title='pwned'; window.top.pwned = 1;</script>"
    "<img src=x onerror=\"parent.document.title='pwned'\">"
)


@pytest.fixture
def desk():
    queue = queue_make("Amazon US", ["amazon-com"])
    return {
        "agent": user_make("agent1", queues=[queue]),
        "risky": ticket_make(subject="Where is my travel mug?", words="Where is my order?",
                             buyer_name="Jane Doe", order_id="111-7366207-0755439",
                             asin="B01FCAWEYM", age=timedelta(hours=21)),
        "thanks": ticket_make(subject="Thank you!", words="Got it, thanks a lot!",
                              buyer_name="Tom Ray", age=timedelta(hours=2)),
        "evil": ticket_make(subject="Question about the lid", words="", html=EVIL_HTML,
                            buyer_name="Eve", age=timedelta(hours=1)),
    }


def test_reply_to_an_at_risk_ticket_with_a_template_stops_its_clock(
    page, live_server, desk, log_in, settings, run_sent_jobs
):
    risky = desk["risky"]
    with smtp_sink() as (sink, mailers):
        settings.MAILERS = mailers
        log_in("agent1", PASSWORD)
        page.click("a.view-at_risk")
        rows = page.locator("#inbox-results tr.row")
        expect(rows).to_have_count(1)
        expect(rows.first.locator(".badge.clock.at_risk")).to_contain_text("left")
        rows.first.locator("td.subject a").click()
        page.wait_for_url(f"**/inbox/tickets/{risky.pk}/")
        expect(page.locator(".panel.clocks")).to_contain_text("Buyer reply")
        page.select_option("select[data-template-picker]", label="Where is my order")
        body = page.locator("#composer textarea[name=body]")
        expect(body).to_have_value(re.compile(r"Hello Jane,.*111-7366207-0755439", re.S))
        expect(page.locator("#preview")).to_contain_text("No compliance findings")
        page.click("button[data-send]")
        # Sent at once without a queue; with Redis it waits for the worker below.
        expect(page.locator(".flash")).to_contain_text(re.compile("Reply (sent|queued)"))
        run_sent_jobs()
        page.reload()
        expect(page.locator(".panel.clocks")).to_contain_text("No open clocks.")
        expect(page.locator(".panel.timeline")).to_contain_text("Reply sent")
        assert len(sink.mails) == 1
    clock = risky.obligations.get()
    assert not clock.is_open and clock.state == "met"
    assert page.errors == []


def test_a_failed_send_shows_in_the_inbox_and_the_agent_retries_it(
    page, live_server, desk, log_in, settings, run_sent_jobs
):
    from replies_support import free_port, mailer_settings, smtp_server

    risky = desk["risky"]
    port = free_port()  # the mail server is down: nothing listens here yet
    settings.MAILERS = mailer_settings(port)
    log_in("agent1", PASSWORD)
    page.goto(f"{live_server.url}/inbox/tickets/{risky.pk}/")
    page.fill("#composer input[name=subject]", "Your order 111-7366207-0755439")
    page.fill("#composer textarea[name=body]",
              "Hello Jane,\n\nyour travel mug left us this morning.\n\nBest, Ann")
    page.click("button[data-send]")
    run_sent_jobs()
    if not settings.REDIS_URL:  # the attempt ran before the page answered: it says so
        flash = page.locator(".flash li.error")
        expect(flash).to_contain_text("Reply NOT sent: the mail server refused the connection")
    page.click("a.back")
    row = page.locator(f'#inbox-results tr.row[data-id="{risky.pk}"]')
    expect(row.locator(".badge.reply-failed")).to_have_text("Reply failed")
    expect(row.locator(".badge.reply-failed")).to_be_visible()
    expect(row.locator(".badge.clock.at_risk")).to_contain_text("left")  # still running
    row.locator("td.subject a").click()
    page.wait_for_url(f"**/inbox/tickets/{risky.pk}/")
    expect(page.locator("[data-reply-failed]")).to_contain_text("its clock is still running")
    expect(page.locator(".panel.clocks")).to_contain_text("Buyer reply")
    with smtp_server(port) as (server, _):  # the mail server is back
        page.click("button[data-retry]")
        run_sent_jobs()
        if not settings.REDIS_URL:
            expect(page.locator(".flash li.success")).to_contain_text("Reply sent to")
        page.reload()
        expect(page.locator(".panel.clocks")).to_contain_text("No open clocks.")
        assert len(server.mails) == 1
    expect(page.locator("[data-reply-failed]")).to_have_count(0)
    page.click("a.back")
    row = page.locator(f'#inbox-results tr.row[data-id="{risky.pk}"]')
    expect(row).to_be_visible()
    expect(row.locator(".badge.reply-failed")).to_have_count(0)
    assert risky.obligations.get().state == "met"
    assert page.errors == []


def test_mark_another_no_response_required_from_the_keyboard(page, live_server, desk, log_in):
    thanks = desk["thanks"]
    log_in("agent1", PASSWORD)
    page.goto(f"{live_server.url}/inbox/tickets/{thanks.pk}/")
    page.keyboard.press("n")
    page.locator("details[data-key=n] button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Clock stopped")
    expect(page.locator(".panel.clocks")).to_contain_text("No open clocks.")
    expect(page.locator(".panel.timeline")).to_contain_text("No response required")
    assert thanks.obligations.get().state == "no_response_required"
    assert page.errors == []


def test_a_buyers_html_with_a_script_runs_nothing(page, live_server, desk, log_in):
    evil = desk["evil"]
    log_in("agent1", PASSWORD)
    page.goto(f"{live_server.url}/inbox/tickets/{evil.pk}/")
    frame = page.frame_locator("iframe.mail-html")
    expect(frame.locator("#buyer-html")).to_have_text("Hello from the buyer")
    page.wait_for_timeout(500)
    assert "pwned" not in page.title()
    assert page.evaluate("window.pwned") is None
    assert page.errors == []


def test_the_list_refreshes_itself_and_keeps_the_selection_and_place(
    page, live_server, desk, log_in, settings
):
    settings.INBOX_POLL_SECONDS = 1
    log_in("agent1", PASSWORD)
    rows = page.locator("#inbox-results tr.row")
    expect(rows).to_have_count(3)
    page.keyboard.press("j")
    page.keyboard.press("j")
    cursor_id = rows.nth(1).get_attribute("data-id")
    expect(rows.nth(1)).to_have_class(re.compile("cursor"))
    rows.nth(0).locator("input[type=checkbox]").check()
    checked_id = rows.nth(0).get_attribute("data-id")
    ticket_make(subject="A brand new question", age=timedelta(minutes=1))
    expect(rows).to_have_count(4, timeout=10_000)
    expect(page.locator(f'tr.row[data-id="{checked_id}"] input[type=checkbox]')).to_be_checked()
    expect(page.locator(f'tr.row[data-id="{cursor_id}"]')).to_have_class(re.compile("cursor"))
    expect(page.locator("[data-selected-count]")).to_have_text("1 ticket selected")
    page.keyboard.press("?")
    expect(page.locator("dialog#keys")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("o")
    page.wait_for_url(f"**/inbox/tickets/{cursor_id}/")
    assert Ticket.objects.count() == 4 and page.errors == []


def test_an_endless_word_in_the_subject_name_or_text_stays_inside_the_page(
    page, live_server, desk, log_in
):
    """A buyer's 5,000 characters without a space (a pasted link, a held key) in the text,
    300 in the subject and 170 in the name: the page wraps them inside their boxes, nothing
    runs off the screen or under the side panel."""
    endless = ticket_make(subject="Lid " + "W" * 300, words="A" * 5000 + "\n\nend",
                          buyer_name="N" * 170, age=timedelta(hours=1))
    log_in("agent1", PASSWORD)
    page.goto(f"{live_server.url}/inbox/tickets/{endless.pk}/")
    expect(page.locator(".msg .words")).to_contain_text("end")
    page.fill("#note-text", "Tracking " + "9" * 2000)
    page.click("form.note button[type=submit]")
    expect(page.locator(".events .ev-note")).to_be_visible()
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    thread_right = page.evaluate(
        "document.querySelector('.thread').getBoundingClientRect().right")
    side = page.evaluate("document.querySelector('.side').getBoundingClientRect()")
    past = page.evaluate("""([thread, side]) => [...document.querySelectorAll(
        '.ticket-head *, .thread *, .side *')].filter(e => {
            const r = e.getBoundingClientRect();
            const box = e.closest('.side') ? side : e.closest('.thread') ? thread : null;
            return r.width > 0 && (r.right > (box ? box : innerWidth) + 1
                                   || e.scrollWidth > e.clientWidth + 1
                                      && getComputedStyle(e).overflowX === 'visible');
        }).map(e => e.tagName + '.' + e.className)""", [thread_right, side["right"]])
    assert past == []
    assert page.errors == []


def test_letters_heaped_with_accents_stay_inside_their_own_lines(page, live_server, desk, log_in):
    """"Zalgo" text, a letter carrying hundreds of combining accents, draws a column far above
    and below its line: in the subject, the sender's name and the text it must not smear
    over the toolbar, the neighbouring message or the reply box. The gaps between the boxes
    look the same as for the same words without the accents."""
    heap = "".join(chr(0x300 + n % 0x6F) for n in range(400))
    tickets = [ticket_make(subject=f"Help Z{accents}algo please", words=f"Text Z{accents}algo",
                           buyer_name=f"Zalgo Z{accents[:150]}", age=timedelta(hours=1))
               for accents in ("", heap)]
    log_in("agent1", PASSWORD)
    gaps = []
    for ticket in tickets:
        page.goto(f"{live_server.url}/inbox/tickets/{ticket.pk}/")
        expect(page.locator(".msg .words")).to_contain_text("algo")
        box = page.evaluate("""() => {
            const r = s => document.querySelector(s).getBoundingClientRect();
            const head = r('.ticket-head'), msg = r('.thread .msg'), reply = r('#reply');
            return {x: msg.left, width: msg.width, above: head.bottom + 1,
                    between: msg.bottom + 1, reply: reply.top - 1, first: msg.top - 1};
        }""")
        gaps.append([
            page.screenshot(clip={"x": box["x"], "y": y, "width": box["width"], "height": h})
            for y, h in ((box["above"], box["first"] - box["above"]),
                         (box["between"], box["reply"] - box["between"]))
        ])
    assert gaps[0] == gaps[1]
    assert page.errors == []


def test_a_long_wrong_value_named_in_a_message_wraps_inside_it(page, live_server, desk, log_in):
    """A link whose filter holds thousands of characters without a space (mangled in a chat,
    or crafted): the message naming the wrong value wraps, the inbox stays on the screen."""
    log_in("agent1", PASSWORD)
    page.goto(f"{live_server.url}/inbox/?channel={'C' * 3000}")
    expect(page.locator(".flash li.error")).to_contain_text("Channel")
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.errors == []


def test_the_seller_central_list_keeps_its_tick_on_the_screen_beside_an_endless_subject(
    page, live_server, desk, log_in
):
    from helpdesk.sla.actions import ticket_clock_end

    endless = ticket_make(subject="W" * 300, words="thanks", age=timedelta(hours=1))
    ticket_clock_end(ticket=endless, actor=desk["agent"], kind="no_response_required")
    log_in("agent1", PASSWORD)
    page.goto(f"{live_server.url}/inbox/seller-central/")
    tick = page.locator("table.report button").first
    expect(tick).to_be_visible()
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert tick.bounding_box()["x"] + tick.bounding_box()["width"] <= width
    assert page.errors == []

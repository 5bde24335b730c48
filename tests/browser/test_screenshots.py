"""Screenshots of the inbox and a ticket page on the demo data, for the README.

    make screenshots      (writes docs/screenshots/inbox.png and ticket.png)

In a plain test run they go to a temporary directory: the test still proves both pages
render in a real browser with the demo data and raise no script error."""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from helpdesk.sla.models import Obligation
from helpdesk.sla.sweep import sla_sweep
from helpdesk.tickets.actions import presence_touch, ticket_claim, ticket_note_add
from helpdesk.tickets.models import Ticket

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def showcase_ticket() -> Ticket:
    """An at-risk buyer message with an order and its item: the page with the most to show."""
    at_risk = Obligation.objects.at_risk(timezone.now()).filter(kind="buyer_reply").order_by(
        "due_at"
    )
    for clock in at_risk.select_related("ticket"):
        ticket = clock.ticket
        if ticket.order_id and ticket.order.items.exists() and ticket.language == "en":
            return ticket
    return at_risk.first().ticket


def test_screenshots_of_the_inbox_and_a_ticket(page, live_server, log_in, tmp_path):
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    call_command("load_demo", stdout=StringIO())
    sla_sweep()
    from django.contrib.auth.models import User

    agent, manager = User.objects.get(username="agent"), User.objects.get(username="manager")
    ticket = showcase_ticket()
    ticket_claim(ticket=ticket, actor=agent)
    ticket_note_add(ticket=ticket, actor=manager,
                    text="Carrier says the parcel is at the local depot; ask for patience.")
    presence_touch(ticket=ticket, user=manager, composing=False)

    log_in("agent", "agent-demo-pass")
    expect(page.locator("#inbox-results tr.row").first).to_be_visible()
    page.keyboard.press("j")
    page.screenshot(path=str(out / "inbox.png"))

    page.goto(f"{live_server.url}/inbox/tickets/{ticket.pk}/")
    page.select_option("select[data-template-picker]", label="Not as described")
    expect(page.locator("#preview .as-sent")).to_be_visible()
    page.screenshot(path=str(out / "ticket.png"), full_page=True)
    assert page.errors == []
    assert (out / "inbox.png").stat().st_size > 10_000

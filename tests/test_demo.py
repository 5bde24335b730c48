"""``manage.py load_demo`` (part of ``make run``): demo users, tickets with live clocks and an
order report for the account-health figures; running it again the same day changes nothing,
on a later day it loads the demo again dated from then."""

from datetime import UTC, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from mails import amazon_body, build_mail

from helpdesk.mail.models import RawMail
from helpdesk.mail.services import mail_ingest
from helpdesk.marketplaces.models import Order
from helpdesk.performance.models import ContactResponseFigure, PerformanceImport
from helpdesk.performance.reconcile import reconciliation
from helpdesk.reports.selectors import order_defect_rate
from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (User.objects.count(), Ticket.objects.count(), Order.objects.count(),
            Obligation.objects.count())


def test_the_demo_has_users_live_clocks_and_recent_orders_and_loads_twice_the_same():
    call_command("load_demo")
    assert set(User.objects.values_list("username", flat=True)) >= {"agent", "manager", "admin"}
    assert Ticket.objects.count() >= 40
    assert Obligation.objects.filter(is_open=True, due_at__gt=timezone.now()).exists()
    odr = order_defect_rate(now=timezone.now())
    assert odr.orders > 0 and odr.defective > 0  # the sample report is moved to recent days
    first = counts()
    call_command("load_demo")
    assert counts() == first


def demo_reports() -> list[tuple]:
    """(report's end, the 7-day windows' own contact counts) of every demo report, newest first."""
    return [
        (source.report_date, sorted(
            row.ours.contacts for row in reconciliation(source=source, now=timezone.now())
            if row.ours is not None and row.figure.window_until - row.figure.window_from
            < timedelta(days=8)
        ))
        for source in PerformanceImport.objects.order_by("-report_date")
    ]


def test_the_demo_has_amazons_performance_reports_once_ending_yesterday():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo seller performance reports: 3 new." in out.getvalue()
    figures = ContactResponseFigure.objects.count()
    assert PerformanceImport.objects.count() == 3 and figures == 63
    reports = demo_reports()
    # The newest ends at the close of yesterday (UTC), and its last week holds demo clocks:
    # our figures stand beside Amazon's.
    today = timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert reports[0][0] == today
    assert sum(reports[0][1]) > 0
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo seller performance reports: 0 new." in out.getvalue()
    assert ContactResponseFigure.objects.count() == figures


def test_the_demo_users_have_addresses_for_their_alerts():
    call_command("load_demo")
    addresses = dict(User.objects.values_list("username", "email"))
    assert addresses["agent"] == "agent@example-seller.com"
    assert addresses["manager"] == "manager@example-seller.com"


def open_clocks_due_later(now) -> int:
    return Obligation.objects.filter(is_open=True, due_at__gt=now).count()


def test_a_later_day_loads_the_demo_again_dated_from_then():
    first_day = timezone.now()
    call_command("load_demo")
    tickets = Ticket.objects.count()
    live_on_first_day = open_clocks_due_later(first_day)
    assert live_on_first_day > 0

    later = first_day + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        assert open_clocks_due_later(later) == 0  # yesterday's demo: every clock ran out
        out = StringIO()
        call_command("load_demo", stdout=out)
    assert "Demo mail: 69 new of 69." in out.getvalue()
    assert "taken out and loaded again" in out.getvalue()
    assert Ticket.objects.count() == tickets  # replaced, not added to
    assert open_clocks_due_later(later) == live_on_first_day
    # Amazon's sample reports are replaced too, ending the day before the new load.
    ends = [end for end, _ in demo_reports()]
    assert len(ends) == 3 and ends[0].date() == later.astimezone(UTC).date()
    newest = Message.objects.order_by("-sent_at").values_list("sent_at", flat=True).first()
    assert later - timedelta(hours=4) < newest <= later


def test_the_same_day_keeps_the_demo_and_what_was_done_on_it():
    call_command("load_demo")
    ticket = Ticket.objects.order_by("pk").first()
    agent = User.objects.get(username="agent")
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)

    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        out = StringIO()
        call_command("load_demo", stdout=out)
    assert "Demo mail: 0 new of 69." in out.getvalue()
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent

    out = StringIO()
    call_command("load_demo", "--refresh", stdout=out)  # unless asked
    assert "Demo mail: 69 new of 69." in out.getvalue()
    assert not Ticket.objects.filter(pk=ticket.pk).exists()


def test_a_refresh_leaves_tickets_of_other_mail_alone():
    call_command("load_demo")
    real = mail_ingest(raw=build_mail(body=amazon_body("Where is my parcel?"),
                                      message_id="<real-1@example.test>"), source="imap:shop")
    ticket_id = Message.objects.get(pk=real.message_pk).ticket_id
    call_command("load_demo", "--refresh", stdout=StringIO())
    assert Ticket.objects.filter(pk=ticket_id).exists()
    assert RawMail.objects.filter(source="imap:shop").count() == 1

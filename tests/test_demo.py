"""``manage.py load_demo`` (part of ``make run``): demo users, tickets with live clocks and an
order report for the account-health figures; running it again changes nothing."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from helpdesk.marketplaces.models import Order
from helpdesk.reports.selectors import order_defect_rate
from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Ticket

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

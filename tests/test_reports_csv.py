"""The reports' CSV files open safely in a spreadsheet: text a buyer or admin wrote that a
spreadsheet would run as a formula is written as text (OWASP "CSV Injection")."""

import codecs
import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from inbox_support import user_make
from reports_support import manager_make, ticket_at

from helpdesk.marketplaces.models import Order
from helpdesk.sla.models import Obligation
from helpdesk.sla.services import obligations_recompute, violations_record
from helpdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db
AT = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 9, 0, 0, tzinfo=UTC)
EVIL = '=HYPERLINK("http://evil","x")'


def csv_rows(client, url: str) -> list[list[str]]:
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_formula_in_a_buyers_subject_is_written_as_text(client):
    ticket = ticket_at(AT, kind="return_request")
    Ticket.objects.filter(pk=ticket.pk).update(subject=EVIL)
    others = {start: ticket_at(AT, kind="return_request") for start in ("+1+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx")}
    for start, t in others.items():
        Ticket.objects.filter(pk=t.pk).update(subject=start)
    obligations_recompute(ticket_ids=Ticket.objects.values_list("pk", flat=True), now=NOW)
    client.force_login(manager_make())

    rows = csv_rows(client, "/reports/csv/cases/")
    subject_at = rows[0].index("subject")
    subjects = {row[1]: row[subject_at] for row in rows[1:]}
    assert subjects[str(ticket.pk)] == "'" + EVIL
    for start, t in others.items():
        assert subjects[str(t.pk)] == "'" + start
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in rows for cell in row)


def test_a_formula_in_a_user_name_is_written_as_text_and_numbers_stay_numbers(client):
    # An admin may create a user whose name a spreadsheet would run.
    evil_agent = user_make("@cmd")
    ticket = ticket_at(datetime(2026, 10, 5, 9, 0, tzinfo=UTC), assignee=evil_agent)
    obligations_recompute(ticket_ids=[ticket.pk], now=NOW)
    violations_record(obligations=list(Obligation.objects.filter(breached=True)), now=NOW)
    client.force_login(manager_make())

    rows = csv_rows(client, "/reports/csv/violations/?period=custom&since=2026-10-05"
                            "&until=2026-10-06")
    assignee_at = rows[0].index("assigned to")
    assert [row[assignee_at] for row in rows[1:]] == ["'@cmd"]
    ticket_at_column = rows[0].index("ticket")
    assert rows[1][ticket_at_column] == str(ticket.pk)  # a number, not quoted


@pytest.mark.parametrize("url", ["/reports/csv/cases/", "/reports/csv/overview/"])
def test_a_german_or_japanese_subject_opens_in_excel_as_written(client, url):
    """Excel reads a CSV without UTF-8's byte order mark in the computer's legacy code page:
    "Müller" came out as "MÃ¼ller". The file starts with the mark; read as UTF-8 past it,
    the text is as the buyer wrote it."""
    ticket = ticket_at(AT, kind="return_request")
    Ticket.objects.filter(pk=ticket.pk).update(subject="Rücksendung Müller 返品")
    obligations_recompute(ticket_ids=[ticket.pk], now=NOW)
    client.force_login(manager_make())
    with time_machine.travel(NOW, tick=False):
        content = client.get(url).content
    assert content.startswith(codecs.BOM_UTF8)
    assert not content[3:].startswith(codecs.BOM_UTF8)
    rows = csv_rows(client, url)
    assert rows[0][0] and not rows[0][0].startswith("\ufeff")
    if url.endswith("cases/"):
        assert "Rücksendung Müller 返品" in {row[rows[0].index("subject")] for row in rows[1:]}


def test_the_csv_files_of_open_cases_and_of_the_orders_behind_the_rate_hold_every_row(client):
    """The page shows the nearest 20 open cases and the newest 20 defective orders; their CSV
    files held 20 cases and 200 orders, so a file "of open cases" left cases out and the
    file of "the orders behind the rate" had fewer orders than the rate counted."""
    claims = [ticket_at(AT, kind="claim") for _ in range(21)]
    orders = Order.objects.bulk_create(
        Order(order_id=f"111-0000000-{n:07d}", purchased_at=AT) for n in range(201)
    )
    Ticket.objects.bulk_create(
        Ticket(kind="chargeback", channel=claims[0].channel, order=order, subject="cb",
               thread_subject="cb", created_at=AT, last_message_at=AT)
        for order in orders
    )
    client.force_login(manager_make())
    with time_machine.travel(NOW, tick=False):
        page = client.get("/reports/")
    assert len(page.context["cases"]) == 20 and len(page.context["odr_orders"]) == 20
    assert page.context["odr"].defective == 201
    assert len(csv_rows(client, "/reports/csv/cases/")) == 1 + 21
    assert len(csv_rows(client, "/reports/csv/odr_orders/")) == 1 + 201

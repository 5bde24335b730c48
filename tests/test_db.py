"""The bulk row helpers the ingest writes with (helpdesk/db.py)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from inbox_support import user_make
from reports_support import ticket_at

from helpdesk.complaints.models import ComplaintCategory, ComplaintSource, TicketComplaint
from helpdesk.db import row_new, rows_insert, rows_update, rows_update_changed, rows_upsert
from helpdesk.tickets.models import Ticket, TicketKind, TicketStatus, TimelineEvent

pytestmark = pytest.mark.django_db

AT = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def test_an_upsert_adds_new_rows_and_changes_only_the_named_fields_of_existing_ones():
    corrected, fresh = ticket_at(AT), ticket_at(AT, words="Broken on arrival")
    damaged, late = ComplaintCategory.objects.exclude(code="other")[:2]
    agent = user_make("ana")
    TicketComplaint.objects.filter(ticket=fresh).delete()  # the rules' row: to be added
    TicketComplaint.objects.update_or_create(ticket=corrected, defaults={
        "category": damaged, "source": ComplaintSource.AGENT, "matched": "",
        "corrected_by": agent, "updated_at": AT,
    })
    rows_upsert(
        [row_new(TicketComplaint, ticket_id=ticket.pk, category_id=late.pk,
                 source=ComplaintSource.RULE, matched="late", updated_at=AT)
         for ticket in (corrected, fresh)],
        unique=["ticket"], update=["category", "matched"],
    )
    rows = {c.ticket_id: c for c in TicketComplaint.objects.all()}
    assert (rows[corrected.pk].category, rows[corrected.pk].matched) == (late, "late")
    # What was not named stays as the agent left it.
    assert (rows[corrected.pk].source, rows[corrected.pk].corrected_by) == ("agent", agent)
    assert (rows[fresh.pk].category, rows[fresh.pk].source) == (late, "rule")


def test_an_insert_gives_every_row_its_key_in_order_across_statements(monkeypatch):
    ticket = ticket_at(AT)
    monkeypatch.setattr("helpdesk.db._MAX_PARAMS", 20)  # a few rows per statement
    events = [row_new(TimelineEvent, ticket=ticket, at=AT, kind="note", text=f"line {n}")
              for n in range(11)]
    rows_insert(events)
    stored = dict(TimelineEvent.objects.filter(kind="note").values_list("pk", "text"))
    assert {e.pk: e.text for e in events} == stored
    assert len(stored) == 11


def test_a_value_of_no_plain_type_is_prepared_by_its_field():
    ticket = ticket_at(AT)
    # A translatable label (a lazy string) where the driver takes only str.
    events = [row_new(TimelineEvent, ticket=ticket, at=AT, kind="note", text=text)
              for text in ("plain", gettext_lazy("Ticket opened"))]
    rows_insert(events)
    assert sorted(TimelineEvent.objects.filter(kind="note").values_list("text", flat=True)) == [
        "Ticket opened", "plain"]


def test_an_update_writes_each_rows_own_values_however_they_are_typed():
    ticket = ticket_at(AT)
    events = [row_new(TimelineEvent, ticket=ticket, at=AT, kind="note", text=f"line {n}")
              for n in range(3)]
    rows_insert(events)
    later = datetime(2026, 5, 5, 11, 30, tzinfo=UTC)
    events[0].text, events[0].at = "first, edited", later
    events[1].text = gettext_lazy("Ticket opened")  # no plain type: its field prepares it
    rows_update(events[:2], ["text", "at"])
    stored = {e.pk: (e.text, e.at) for e in TimelineEvent.objects.filter(kind="note")}
    assert stored == {events[0].pk: ("first, edited", later),
                      events[1].pk: ("Ticket opened", AT),
                      events[2].pk: ("line 2", AT)}


def test_rows_of_every_kind_of_value_are_inserted_as_they_were_given():
    # On PostgreSQL one array per column: a column of nothing but NULLs, JSON of every shape,
    # times in other zones, text with quotes, braces and commas (an array literal's syntax).
    ticket = ticket_at(AT)
    values = [
        ({"message": 7}, AT, 'a "quoted", {braced} line'),
        ([1, "two", None], datetime(2026, 5, 4, 11, 0, tzinfo=ZoneInfo("Europe/Berlin")), "NULL"),
        ("plain", AT, "back\\slash, é, 日本"),
        ({"nested": {"yes": [True, False]}}, AT, ""),
    ]
    events = [row_new(TimelineEvent, ticket=ticket, at=at, kind="note", text=text, data=data)
              for data, at, text in values]
    rows_insert(events)
    stored = {e.pk: (e.data, e.at, e.text, e.actor_id)
              for e in TimelineEvent.objects.filter(kind="note")}
    assert stored == {event.pk: (data, at, text, None)
                      for event, (data, at, text) in zip(events, values, strict=True)}


def test_each_row_gets_only_its_own_changed_fields_and_an_agents_edit_stays():
    first, second = ticket_at(AT), ticket_at(AT, words="Where is my parcel?")
    # An agent resolves the first ticket while its row is held in memory here.
    Ticket.objects.filter(pk=first.pk).update(status=TicketStatus.RESOLVED)
    first.kind, second.status = TicketKind.RETURN_REQUEST, TicketStatus.WAITING
    second.subject = "Where is my parcel? (2)"
    rows_update_changed([(first, ["kind"]), (second, {"status", "subject"})])
    stored = {t.pk: (t.kind, t.status, t.subject) for t in Ticket.objects.all()}
    assert stored[first.pk] == (TicketKind.RETURN_REQUEST, TicketStatus.RESOLVED, first.subject)
    assert stored[second.pk] == (second.kind, TicketStatus.WAITING, "Where is my parcel? (2)")


@pytest.mark.parametrize("model", [Ticket, TimelineEvent, TicketComplaint])
def test_a_new_row_holds_what_the_models_own_constructor_gives(model):
    ticket = ticket_at(AT)
    given = {TimelineEvent: {"ticket": ticket, "at": AT, "kind": "note"},
             TicketComplaint: {"ticket_id": ticket.pk, "matched": "leaks"},
             Ticket: {"status": TicketStatus.WAITING, "buyer": None}}[model]

    def fields(row):
        return {k: v for k, v in row.__dict__.items() if k != "_state"}

    built, constructed = row_new(model, **given), model(**given)
    assert fields(built) == fields(constructed)
    assert built._state.fields_cache == constructed._state.fields_cache
    assert built._state.adding


def test_a_default_made_by_a_function_is_made_anew_for_each_row():
    ticket = ticket_at(AT)
    first, second = (row_new(TimelineEvent, ticket=ticket, at=AT, kind="note") for _ in "ab")
    first.data["message"] = 1
    assert second.data == {}


def test_a_field_the_model_does_not_have_is_refused_by_name():
    with pytest.raises(TypeError, match="TimelineEvent has no field.*colour"):
        row_new(TimelineEvent, kind="note", colour="red")

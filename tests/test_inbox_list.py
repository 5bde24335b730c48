"""The inbox list: order by clock, views with counts, facets, search, pages, the htmx
refresh, unread markers and bulk actions."""

import dataclasses
import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone
from inbox_support import queue_make, ticket_make, user_make

from helpdesk.inbox import search
from helpdesk.inbox.filters import InboxQuery, list_plan
from helpdesk.inbox.listing import inbox_counts, inbox_page
from helpdesk.tickets.actions import ticket_assign, ticket_escalate, ticket_mark_read
from helpdesk.tickets.models import Ticket, TicketRead
from helpdesk.tickets.services import SEARCH_TEXT_MAX, NewMessage
from helpdesk.tickets.writing import message_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(client):
    queue = queue_make("All Amazon", ["amazon-com", "amazon-de"])
    user = user_make("agent1", queues=[queue])
    client.force_login(user)
    return user


def row_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="row[^"]*" data-id="(\d+)"',
                                       response.content.decode())]


def view_counts(response) -> dict[str, str]:
    html = response.content.decode()
    return dict(re.findall(r'class="view-(\w+)[^"]*"[^>]*>\s*<span class="label">[^<]*</span>\s*'
                           r'<span class="count[^"]*">([^<]*)</span>', html))


def test_overdue_first_then_soonest_due_then_newest_without_clock(client, agent):
    resolved = ticket_make(kind="other", subject="done", age=timedelta(minutes=5),
                           status="resolved")
    quiet = ticket_make(kind="other", subject="notice", age=timedelta(minutes=1))
    fresh = ticket_make(subject="fresh", age=timedelta(hours=1))        # 23 h left
    risky = ticket_make(subject="risky", age=timedelta(hours=22))       # 2 h left
    late = ticket_make(subject="late", age=timedelta(hours=30))         # overdue 6 h
    later = ticket_make(subject="later", age=timedelta(hours=26))       # overdue 2 h
    older_quiet = ticket_make(kind="other", subject="old notice", age=timedelta(days=3))
    response = client.get("/inbox/")
    assert row_ids(response) == [late.pk, later.pk, risky.pk, fresh.pk, quiet.pk,
                                 older_quiet.pk]
    assert resolved.pk not in row_ids(response)
    html = response.content.decode()
    assert 'badge clock overdue' in html and "6 h 00 min overdue" in html
    assert 'badge clock at_risk' in html and 'badge clock pending' in html


def test_views_filter_and_count(client, agent):
    mine = ticket_make(subject="mine", age=timedelta(hours=2))
    ticket_assign(ticket=mine, assignee=agent, actor=agent)
    ticket_make(subject="risky", age=timedelta(hours=21))
    late = ticket_make(subject="late", age=timedelta(hours=25))
    ret = ticket_make(kind="return_request", subject="return", age=timedelta(hours=1))
    claim = ticket_make(kind="claim", subject="claim", age=timedelta(hours=1))
    waiting = ticket_make(subject="waiting", status="waiting")
    resolved = ticket_make(kind="other", subject="resolved", status="resolved")
    ticket_escalate(ticket=claim, actor=agent, case_id="C-1",
                    now=timezone.now() - timedelta(hours=49))
    response = client.get("/inbox/")
    counts = view_counts(response)
    assert counts == {
        "open": "6", "mine": "1", "unassigned": "5", "at_risk": "1", "overdue": "1",
        "follow_up": "1", "returns": "1", "claims": "1", "waiting": "1", "resolved": "1",
        "all": "7",
    }
    expect = {"mine": [mine.pk], "overdue": [late.pk], "returns": [ret.pk],
              "claims": [claim.pk], "waiting": [waiting.pk], "resolved": [resolved.pk],
              "follow_up": [claim.pk]}
    for view, ids in expect.items():
        assert row_ids(client.get("/inbox/", {"view": view})) == ids, view
    assert "follow-up due" in client.get("/inbox/", {"view": "follow_up"}).content.decode()


def test_facets_narrow_the_list_and_the_counts(client, agent):
    de = ticket_make(channel="amazon-de", language="de", subject="Frage")
    ticket_make(channel="amazon-com", subject="Question")
    response = client.get("/inbox/", {"channel": de.channel_id})
    assert row_ids(response) == [de.pk]
    assert view_counts(response)["open"] == "1"
    assert row_ids(client.get("/inbox/", {"language": "de"})) == [de.pk]
    ticket_assign(ticket=de, assignee=agent, actor=agent)
    assert row_ids(client.get("/inbox/", {"assignee": agent.pk})) == [de.pk]
    assert de.pk not in row_ids(client.get("/inbox/", {"assignee": "none"}))
    page = client.get("/inbox/").content.decode()
    assert "Amazon.de (1)" in page and "Amazon.com (1)" in page


@pytest.mark.parametrize("term", ["teapot", "TEAPOT", "Grizelda", "111-2223334-4445556",
                                  "Chipped"])
def test_search_finds_subject_words_order_and_buyer_name(client, agent, term):
    hit = ticket_make(subject="Chipped lid", words="My teapot arrived broken",
                      buyer_name="Grizelda Moss", order_id="111-2223334-4445556")
    ticket_make(subject="Other", words="Where is it", buyer_name="Tom")
    ticket_make(kind="other", subject="Closed teapot case", status="resolved")
    ids = row_ids(client.get("/inbox/", {"q": term}))
    assert hit.pk in ids and len(ids) == (2 if term.lower() == "teapot" else 1)


@pytest.mark.parametrize("term", [
    "１１１－２２２３３３４－４４４５５５６",  # copied from a Japanese buyer's message
    "111ー2223334ー4445556",  # typed by a Japanese input method in kana mode
    "#111-2223334-4445556",  # copied from Amazon's "Order # 111-…"
])
def test_search_finds_the_order_however_its_id_was_pasted(client, agent, term):
    hit = ticket_make(subject="Chipped lid", words="My teapot arrived broken",
                      order_id="111-2223334-4445556")
    ticket_make(subject="Other", words="Where is it", order_id="111-2223334-4445557")
    assert row_ids(client.get("/inbox/", {"q": term})) == [hit.pk]


@pytest.mark.parametrize("term", ["破損", "破損して", "タンブラー", "商品", "endommage",
                                  "ENDOMMAGÉ", "beschadigt", "Beschädigt", "ｒｅｆｕｎｄ"])
def test_search_finds_a_japanese_word_inside_a_sentence_and_words_without_their_accents(
    client, agent, term
):
    """Japanese is written without spaces: a word in the middle of the buyer's sentence is
    found, as a French or German word is found with or without its accents."""
    hit = ticket_make(channel="amazon-de", subject="タンブラーについて",
                      words="商品が破損していました。Le colis est endommagé, beschädigt. Refund?")
    ticket_make(subject="Other", words="損をしました。Where is it", buyer_name="Tom")
    assert row_ids(client.get("/inbox/", {"q": term})) == [hit.pk]


@pytest.mark.parametrize("term", ["Lucia Fernandez", "LUCÍA", "fernández", "田中", "太郎"])
def test_search_finds_the_buyers_name_with_or_without_its_accents(client, agent, term):
    hit = ticket_make(subject="Pregunta", words="¿Dónde está?", buyer_name="Lucía Fernández")
    kanji = ticket_make(subject="質問", words="どこですか", buyer_name="田中 太郎")
    ticket_make(subject="Other", words="Where is it", buyer_name="Lucas Fernandes")
    assert row_ids(client.get("/inbox/", {"q": term})) == [
        kanji.pk if term in "田中 太郎" else hit.pk]


def test_tickets_filed_before_japanese_was_spaced_are_found_after_the_migration(client, agent):
    ticket = ticket_make(subject="Frage", words="商品が破損していました。Le colis est endommagé.",
                         buyer_name="Léa Müller")
    Ticket.objects.filter(pk=ticket.pk).update(
        search_text="Frage\n商品が破損していました。Le colis est endommagé.")
    migration = importlib.import_module("helpdesk.tickets.migrations.0008_search_text_searchable")
    migration.rewrite(django_apps, None)
    for term in ["破損", "endommage", "Lea Muller"]:
        assert row_ids(client.get("/inbox/", {"q": term})) == [ticket.pk], term


@pytest.mark.parametrize("common_share", [0.0, 1.0])
def test_common_and_rare_words_find_the_same_tickets(client, agent, monkeypatch, common_share):
    """On PostgreSQL a common word is read newest first, a rare one from its index: the
    same matches either way (on SQLite both are the same LIKE)."""
    monkeypatch.setattr(search, "_PARTS", [
        dataclasses.replace(part, common_share=common_share) for part in search._PARTS])
    hits = [ticket_make(subject=f"Case {n}", words="The strap tore", buyer_name="Ida Moss")
            for n in range(3)]
    ticket_make(subject="Other", words="Where is it", buyer_name="Tom")
    expected = sorted(t.pk for t in hits)
    assert sorted(row_ids(client.get("/inbox/", {"q": "strap"}))) == expected
    assert sorted(row_ids(client.get("/inbox/", {"q": "moss"}))) == expected


def test_search_finds_words_of_later_messages_in_the_thread_and_of_replies(client, agent):
    ticket = ticket_make(subject="Lid question", words="Is the lid dishwasher safe?")
    at = ticket.last_message_at + timedelta(hours=1)
    for direction, words in [("out", "Tracking number QX77123 for you"),
                             ("in", "Now the handle snapped off")]:
        message_add(ticket=ticket, new=NewMessage(
            direction=direction, kind="buyer_message", is_auto=False, sent_at=at,
            received_at=at, message_id=f"<{direction}@test>", subject="Re: Lid question",
            from_address="x@example.com", to_address="y@example.com", buyer_text=words,
        ))
    for term in ["dishwasher", "snapped", "QX77123"]:
        assert row_ids(client.get("/inbox/", {"q": term})) == [ticket.pk], term
    assert row_ids(client.get("/inbox/", {"q": "teapot"})) == []


def test_tickets_from_before_the_search_text_are_found_once_it_is_filled(client, agent):
    ticket = ticket_make(subject="Old case", words="The zipper jammed")
    Ticket.objects.filter(pk=ticket.pk).update(search_text="")
    assert row_ids(client.get("/inbox/", {"q": "zipper"})) == []
    migration = importlib.import_module("helpdesk.tickets.migrations.0004_ticket_search_text")
    migration.search_text_fill(connection)
    assert Ticket.objects.get(pk=ticket.pk).search_text == "Old case\nThe zipper jammed"
    assert row_ids(client.get("/inbox/", {"q": "zipper"})) == [ticket.pk]


def test_a_runaway_thread_stops_growing_its_search_text(agent):
    ticket = ticket_make(words="first words")
    at = ticket.last_message_at
    for n in range(30):
        message_add(ticket=ticket, new=NewMessage(
            direction="in", kind="buyer_message", is_auto=False, sent_at=at, received_at=at,
            message_id=f"<bot{n}@test>", subject="Re", from_address="x@example.com",
            to_address="y@example.com", buyer_text="spam " * 200,
        ))
    ticket.refresh_from_db()
    assert len(ticket.search_text) <= SEARCH_TEXT_MAX
    assert ticket.search_text.startswith("Question\nfirst words")


def test_pages_continue_from_clocked_tickets_into_the_rest(agent):
    now = timezone.now()
    clocked = [ticket_make(subject=f"c{i}", age=timedelta(hours=i + 1), now=now)
               for i in range(3)]
    rest = [ticket_make(kind="other", subject=f"r{i}", age=timedelta(hours=i + 1), now=now)
            for i in range(4)]
    plan = list_plan(query=InboxQuery(), user=agent, now=now)
    seen = []
    for number in (1, 2, 3):
        page = inbox_page(plan=plan, user=agent, number=number, now=now, size=3, total=7)
        seen += [t.pk for t in page.rows]
        assert page.has_next == (number < 3)
    assert seen == [t.pk for t in reversed(clocked)] + [t.pk for t in rest]
    counts = inbox_counts(plan=plan, user=agent, now=now)
    assert counts.numbers["open"] == 7 and not counts.capped


def test_the_refresh_returns_rows_and_counts_and_keeps_the_selection(client, agent):
    a = ticket_make(subject="a")
    b = ticket_make(subject="b", age=timedelta(hours=2))
    response = client.get("/inbox/", {"selected": [b.pk], "cursor": a.pk},
                          HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-results")
    html = response.content.decode()
    assert "<html" not in html and 'id="view-list"' in html and 'hx-swap-oob="true"' in html
    assert re.search(rf'value="{b.pk}" form="bulk" checked', html)
    assert not re.search(rf'value="{a.pk}" form="bulk" checked', html)
    assert re.search(rf'class="row[^"]*cursor" data-id="{a.pk}"', html)


def test_unread_until_opened_and_again_after_new_activity(client, agent):
    ticket = ticket_make(subject="hello")
    assert 'class="row unread' in client.get("/inbox/").content.decode()
    client.get(f"/inbox/tickets/{ticket.pk}/")
    assert 'class="row unread' not in client.get("/inbox/").content.decode()
    Ticket.objects.filter(pk=ticket.pk).update(last_message_at=timezone.now())
    assert 'class="row unread' in client.get("/inbox/").content.decode()
    ticket_mark_read(ticket=ticket, user=agent)
    assert TicketRead.objects.filter(user=agent).count() == 1


def test_bulk_assign_and_resolve(client, agent):
    quiet = ticket_make(kind="other", subject="notice")
    clocked = ticket_make(subject="question")
    response = client.post("/inbox/bulk/", {"action": "assign", "assignee": agent.pk,
                                            "selected": [quiet.pk, clocked.pk],
                                            "next": "/inbox/?view=mine"})
    assert response.status_code == 302 and response["Location"] == "/inbox/?view=mine"
    assert Ticket.objects.filter(assignee=agent).count() == 2
    response = client.post("/inbox/bulk/", {"action": "resolve",
                                            "selected": [quiet.pk, clocked.pk]}, follow=True)
    quiet.refresh_from_db()
    clocked.refresh_from_db()
    assert quiet.status == "resolved" and clocked.status == "open"
    assert "still has an open clock" in response.content.decode()


def test_bulk_no_response_required_asks_first(client, agent):
    one = ticket_make(subject="thanks!")
    two = ticket_make(subject="thank you")
    data = {"action": "no_response_required", "selected": [one.pk, two.pk]}
    page = client.post("/inbox/bulk/", data)
    assert page.status_code == 200 and "Mark 2 tickets" in page.content.decode()
    assert one.obligations.filter(is_open=True).exists()
    client.post("/inbox/bulk/", {**data, "confirm": "yes"})
    for ticket in (one, two):
        clock = ticket.obligations.get()
        assert not clock.is_open and clock.state == "no_response_required"
    assert row_ids(client.get("/inbox/", {"view": "overdue"})) == []


def test_bulk_assign_refuses_someone_outside_the_queue(client, agent):
    ticket = ticket_make(subject="q")
    stranger = user_make("stranger", queues=[queue_make("JP", ["amazon-co-jp"])])
    response = client.post("/inbox/bulk/", {"action": "assign", "assignee": stranger.pk,
                                            "selected": [ticket.pk]}, follow=True)
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert "not a member of this ticket" in response.content.decode()


def test_a_wrong_filter_is_named_and_the_others_still_apply(client, agent):
    de = ticket_make(channel="amazon-de", subject="Paket fehlt")
    com = ticket_make(channel="amazon-com", subject="Parcel missing")
    response = client.get("/inbox/", {"channel": "amazon-de", "page": "zwei",
                                      "q": "Paket"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Channel: Select a valid choice." in html
    assert "Page: Enter a whole number." in html
    # The channel and the page fall back to their defaults; the search still narrows.
    assert row_ids(response) == [de.pk]
    assert com.pk in row_ids(client.get("/inbox/", {"view": "no-such-view"}))
    assert "View: Select a valid choice." in client.get(
        "/inbox/", {"view": "no-such-view"}).content.decode()


def test_a_channel_outside_the_agents_queues_is_named(client, agent):
    ticket_make(channel="amazon-com", subject="hello")
    jp = ticket_make(channel="amazon-co-jp", subject="konnichiwa")
    response = client.get("/inbox/", {"channel": jp.channel_id})
    assert "Channel: Select a valid choice." in response.content.decode()
    assert jp.pk not in row_ids(response)


def test_a_search_longer_than_the_box_is_named_not_cut(client, agent):
    ticket = ticket_make(subject="broken mug")
    response = client.get("/inbox/", {"q": "broken " + "x" * 300})
    html = response.content.decode()
    assert "Search: Ensure this value has at most 200 characters" in html
    assert row_ids(response) == [ticket.pk]  # no search: the open tickets


def test_an_unknown_assignee_and_a_bad_language_are_named(client, agent):
    ticket = ticket_make(subject="q")
    html = client.get("/inbox/", {"assignee": "999999", "language": "<b>"}).content.decode()
    assert "Assignee: Select a valid choice." in html
    assert "Language: Enter a language code" in html and "<b>" not in html.split("<main")[-1]
    assert f'data-id="{ticket.pk}"' in html
    ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    page = client.get("/inbox/", {"assignee": agent.pk, "language": ticket.language or "en"})
    assert "the default is shown instead" not in page.content.decode()


def test_a_page_past_the_limit_is_named(client, agent):
    ticket = ticket_make(subject="q")
    response = client.get("/inbox/", {"page": "100001"})
    assert "Page: Ensure this value is less than or equal to 100000." in response.content.decode()
    assert row_ids(response) == [ticket.pk]  # page 1


def test_a_bulk_action_without_tickets_or_with_a_bad_id_is_named(client, agent):
    ticket = ticket_make(subject="q")
    response = client.post("/inbox/bulk/", {"action": "resolve", "selected": [ticket.pk, "x"]},
                           follow=True)
    assert "Tickets: Select a valid choice. x is not one of the available choices." \
        in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_a_buyer_mail_of_one_five_megabyte_word_is_filed_and_searchable(client, agent):
    """One 5 MB word is no word either full-text index takes whole (PostgreSQL's tsvector
    refuses words over 2 KB and vectors over 1 MB): the mail is filed, the word is cut with
    the text, and the words beside it are found."""
    from mails import amazon_body, build_mail

    from helpdesk.mail.services import mail_ingest

    raw = build_mail(body=amazon_body("Kaputt angekommen " + "x" * (5 << 20)),
                     subject="Tasse zerbrochen", message_id="<word5mb@t>")
    result = mail_ingest(raw=raw, source="test")
    assert result.outcome == "stored", result.reason
    ticket_id = Ticket.objects.get(messages__pk=result.message_pk).pk
    for words in ("zerbrochen", "kaputt", "111-7366207-0755439"):
        assert row_ids(client.get("/inbox/", {"q": words})) == [ticket_id], words
    assert row_ids(client.get("/inbox/", {"q": "heil"})) == []

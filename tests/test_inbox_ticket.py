"""The ticket page: thread, side panel, actions, attachments and presence (the composer is
in test_inbox_composer.py)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from inbox_support import page, ticket_make, user_make
from mails import FIXTURE_MAIL

from helpdesk.mail.raw_store import blob_put
from helpdesk.mail.services import mail_ingest
from helpdesk.marketplaces.models import Channel
from helpdesk.sla.actions import ticket_clock_end
from helpdesk.tickets.actions import ticket_escalate
from helpdesk.tickets.models import (
    AgentProfile,
    Attachment,
    Escalation,
    Message,
    TimelineEvent,
)

pytestmark = pytest.mark.django_db


def test_the_page_shows_thread_side_panel_and_times_in_both_zones(client, agent):
    AgentProfile.objects.create(user=agent, time_zone="Europe/Berlin")
    ticket = ticket_make(subject="Lid broken", words="The lid is broken", buyer_name="Ann Lee",
                         order_id="111-1234567-1234567", asin="B01FCAWEYM",
                         age=timedelta(hours=2))
    earlier = ticket_make(subject="Earlier question", buyer_name="Ann Lee")
    earlier.buyer = ticket.buyer
    earlier.save()
    html = page(client, ticket)
    assert "The lid is broken" in html and "Ann Lee" in html
    assert "111-1234567-1234567" in html and "B01FCAWEYM" in html and "Travel Mug" in html
    assert "Earlier question" in html
    assert re.search(r"\d+ h \d+ min left", html) and "Buyer reply" in html
    assert "Ticket opened" in html and "Message received" in html
    # The agent's zone (CET) on the page, the buyer's (amazon.com: Pacific) on hover.
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", html)
    assert re.search(r"Buyer(?:'|&#x27;)s local time: \d{4}-\d\d-\d\d \d\d:\d\d P[SD]T", html)


def test_buyer_html_is_sandboxed_and_quoted_history_folded(client, agent):
    ticket = ticket_make(words="", html='<p>Hi <b>there</b></p><script>alert(1)</script>')
    message = ticket.messages.get()
    message.quoted_text = "> earlier mail"
    message.save()
    html = page(client, ticket)
    frame = re.search(r'<iframe class="mail-html" sandbox="" [^>]*srcdoc="([^"]*)"', html)
    assert frame, "the HTML body is shown in a sandboxed iframe"
    assert "<script" not in html.split("<body", 1)[1].replace('<script src="/static/', "")
    assert "&lt;b&gt;there&lt;/b&gt;" in frame.group(1)
    assert "default-src &#x27;none&#x27;" in frame.group(1)
    assert '<details class="quoted"><summary>Quoted history</summary>' in html
    response = client.get(f"/inbox/tickets/{ticket.pk}/")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_attachments_download_as_files_never_as_pages(client, agent):
    ticket = ticket_make()
    message = ticket.messages.get()
    html_att = Attachment.objects.create(message=message, filename="invoice.html",
                                         content_type="text/html", size=20,
                                         sha256=blob_put(b"<script>alert(1)</script>"))
    pdf = Attachment.objects.create(message=message, filename="label.pdf",
                                    content_type="application/pdf", size=4,
                                    sha256=blob_put(b"%PDF"))
    assert f"/inbox/tickets/{ticket.pk}/attachments/{pdf.pk}/" in page(client, ticket)
    response = client.get(f"/inbox/tickets/{ticket.pk}/attachments/{html_att.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="invoice.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    response = client.get(f"/inbox/tickets/{ticket.pk}/attachments/{pdf.pk}/")
    assert response["Content-Type"] == "application/pdf" and response.content == b"%PDF"
    other = ticket_make()
    assert client.get(f"/inbox/tickets/{other.pk}/attachments/{pdf.pk}/").status_code == 404


def test_claim_assign_resolve_reopen_and_note_go_on_the_timeline(client, agent, queue):
    colleague = user_make("colleague", queues=[queue])
    ticket = ticket_make(kind="other", subject="notice")
    url = f"/inbox/tickets/{ticket.pk}/do/"
    client.post(url + "claim/")
    client.post(url + "assign/", {"assignee": colleague.pk})
    client.post(url + "resolve/")
    client.post(url + "reopen/")
    client.post(url + "note/", {"text": "Called the carrier: parcel is lost."})
    ticket.refresh_from_db()
    assert ticket.assignee == colleague and ticket.status == "open"
    kinds = list(TimelineEvent.objects.filter(ticket=ticket, actor=agent)
                 .values_list("kind", flat=True))
    assert kinds == ["assigned", "assigned", "resolved", "reopened", "note"]
    html = page(client, ticket)
    assert "Claimed by agent1" in html and "Assigned to colleague" in html
    assert "Called the carrier: parcel is lost." in html


def test_resolve_is_refused_while_a_clock_runs(client, agent):
    ticket = ticket_make()
    response = client.post(f"/inbox/tickets/{ticket.pk}/do/resolve/", follow=True)
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert "still has an open clock" in response.content.decode()


def test_no_response_required_stops_the_clock(client, agent):
    ticket = ticket_make(words="Thanks, all good!")
    assert "No response required" in page(client, ticket)
    client.post(f"/inbox/tickets/{ticket.pk}/do/clock/",
                {"kind": "no_response_required", "note": "just thanks"})
    clock = ticket.obligations.get()
    assert not clock.is_open and clock.state == "no_response_required" and not clock.breached
    html = page(client, ticket)
    assert "No open clocks." in html and "No response required: just thanks" in html


def test_escalation_records_a_case_and_a_follow_up_in_48_hours(client, agent):
    ticket = ticket_make(kind="claim", subject="A-to-z claim")
    client.post(f"/inbox/tickets/{ticket.pk}/do/escalate/", {"case_id": "1234567890"})
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.follow_up_due_at - escalation.opened_at == timedelta(hours=48)
    html = page(client, ticket)
    assert "Escalated to seller support: case 1234567890" in html
    assert "Seller support case 1234567890" in html
    assert client.get("/inbox/", {"view": "follow_up"}).content.decode().count('class="row') == 0
    later = ticket_make(kind="claim", subject="Older claim")
    ticket_escalate(ticket=later, actor=agent, case_id="77",
                    now=timezone.now() - timedelta(hours=49))
    assert f'data-id="{later.pk}"' in client.get("/inbox/", {"view": "follow_up"}).content.decode()
    client.post(f"/inbox/tickets/{later.pk}/do/follow_up_done/",
                {"escalation": later.escalations.get().pk})
    assert later.escalations.get().closed_at is not None


def test_a_channel_sets_how_long_seller_support_has_before_a_follow_up_is_due(client, agent):
    """DOMAIN.md: the follow-up reminder is configurable; 48 h is the default for support
    cases. A seller whose marketplace answers cases in 72 h is not reminded at 48."""
    ticket = ticket_make(kind="claim", subject="A-to-z claim")
    Channel.objects.filter(pk=ticket.channel_id).update(escalation_follow_up_hours=72)
    opened = timezone.now() - timedelta(hours=50)
    ticket_escalate(ticket=ticket, actor=agent, case_id="C-72", now=opened)
    escalation = ticket.escalations.get()
    assert escalation.follow_up_due_at == opened + timedelta(hours=72)
    follow_ups = client.get("/inbox/", {"view": "follow_up"}).content.decode()
    assert f'data-id="{ticket.pk}"' not in follow_ups
    with time_machine.travel(opened + timedelta(hours=72, minutes=1)):
        follow_ups = client.get("/inbox/", {"view": "follow_up"}).content.decode()
    assert f'data-id="{ticket.pk}"' in follow_ups


def test_presence_shows_who_else_is_viewing_or_replying(client, agent, queue, django_user_model):
    ticket = ticket_make()
    colleague = user_make("colleague", queues=[queue])
    from django.test import Client

    other = Client()
    other.force_login(colleague)
    other.post(f"/inbox/tickets/{ticket.pk}/presence/", {"composing": "1"})
    html = client.post(f"/inbox/tickets/{ticket.pk}/presence/", {"seen": "0.0"}).content.decode()
    assert "colleague is replying" in html and "new activity" in html
    assert "colleague is replying" in page(client, ticket)


def test_times_inside_timeline_texts_read_in_the_agents_zone(client, agent):
    AgentProfile.objects.create(user=agent, time_zone="Asia/Tokyo")
    ticket = ticket_make(subject="Late answer")
    TimelineEvent.objects.create(
        ticket=ticket, at=timezone.now(), kind="clock_breached",
        text="Clock missed: Buyer reply was due 2026-03-29 23:30 UTC",
    )
    html = page(client, ticket)
    assert "Clock missed: Buyer reply was due 2026-03-30 08:30 JST" in html
    assert "23:30 UTC" not in html


@pytest.mark.parametrize("zone, typed", [
    ("UTC", "2026-02-30 10:00 UTC"),  # no such day
    ("Asia/Tokyo", "9999-12-31 23:59 UTC"),  # past the calendar's end in Tokyo
    ("America/Los_Angeles", "0001-01-01 00:00 UTC"),  # before its start in Los Angeles
])
def test_a_buyer_name_or_note_shaped_like_an_impossible_time_leaves_the_ticket_readable(
    client, agent, zone, typed
):
    """The timeline shows its UTC times in the agent's zone, and its lines also carry what
    people typed: such a buyer name or "no response required" note made the ticket's page a
    server error for everyone, for good."""
    AgentProfile.objects.create(user=agent, time_zone=zone)
    ticket = ticket_make(subject="Odd name", buyer_name=typed)
    ticket_clock_end(ticket=ticket, actor=agent, note=f"Buyer wrote {typed}")
    html = page(client, ticket)
    assert f"from {typed} - Amazon Marketplace" in html
    assert f"No response required: Buyer wrote {typed}" in html


def test_a_wrong_assignee_or_case_id_is_named_not_read_as_nobody(client, agent):
    ticket = ticket_make(subject="q")
    url = f"/inbox/tickets/{ticket.pk}/do/"
    client.post(url + "claim/")
    response = client.post(url + "assign/", {"assignee": "bob"}, follow=True)
    assert "Assign to: Enter a valid value." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee == agent  # still the agent's: "bob" is not "nobody"
    for value, message in (("abc", "Case: Enter a whole number."),
                           ("9" * 30, "Case: Ensure this value is less than or equal to")):
        response = client.post(url + "follow_up_done/", {"escalation": value}, follow=True)
        assert response.status_code == 200 and message in response.content.decode()


# (A NUL, which SQLite would keep, PostgreSQL refuses to store at all.)
@pytest.mark.parametrize("zone", ["/etc/localtime", "../../etc/passwd"])
def test_a_zone_written_around_validation_shows_the_pages_in_utc_not_an_error(
    client, agent, zone
):
    """A path as the agent's or the marketplace's zone (written by a queryset
    update: the forms refuse it) made every page of that agent, or every ticket of that
    marketplace, answer 500."""
    ticket = ticket_make(subject="Zoned")
    AgentProfile.objects.create(user=agent, time_zone="UTC")
    AgentProfile.objects.filter(user=agent).update(time_zone=zone)
    Channel.objects.filter(pk=ticket.channel_id).update(time_zone=zone)
    assert client.get("/inbox/").status_code == 200
    assert "UTC" in page(client, ticket)


@pytest.mark.parametrize("zone, received, now, due, left", [
    # Berlin springs forward at 02:00 on 29 Mar: the clock is 24 elapsed hours, so it is due
    # at 02:30 the next night although the wall clock moved 25 hours.
    ("Europe/Berlin", datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 01:30 CET
     datetime(2026, 3, 29, 0, 45, tzinfo=UTC), "2026-03-30 02:30 CEST", "23 h 45 min left"),
    # Berlin falls back at 03:00 on 25 Oct: 01:30 CEST is due at 00:30 CET the next night.
    ("Europe/Berlin", datetime(2026, 10, 24, 23, 30, tzinfo=UTC),  # 01:30 CEST
     datetime(2026, 10, 25, 2, 30, tzinfo=UTC), "2026-10-26 00:30 CET", "21 h 00 min left"),
    # Los Angeles springs forward on 8 Mar: 01:30 PST is due at 02:30 PDT.
    ("America/Los_Angeles", datetime(2026, 3, 8, 9, 30, tzinfo=UTC),  # 01:30 PST
     datetime(2026, 3, 8, 9, 40, tzinfo=UTC), "2026-03-09 02:30 PDT", "23 h 50 min left"),
    # Los Angeles falls back on 1 Nov: the second 01:30 (PST) is due at 01:30 PST.
    ("America/Los_Angeles", datetime(2026, 11, 1, 9, 30, tzinfo=UTC),  # 01:30 PST
     datetime(2026, 11, 2, 9, 0, tzinfo=UTC), "2026-11-02 01:30 PST", "30 min left"),
    # Tokyo has no DST: the same night is an ordinary 24 hours.
    ("Asia/Tokyo", datetime(2026, 3, 28, 16, 30, tzinfo=UTC),  # 01:30 JST
     datetime(2026, 3, 29, 17, 0, tzinfo=UTC), "2026-03-30 01:30 JST", "30 min overdue"),
])
def test_a_message_at_01_30_on_a_dst_night_is_due_24_elapsed_hours_later_in_the_agents_zone(
    client, agent, zone, received, now, due, left
):
    AgentProfile.objects.create(user=agent, time_zone=zone)
    ticket = ticket_make(now=received, age=timedelta(0))
    with time_machine.travel(now, tick=False):
        html = page(client, ticket)
    assert ticket.obligations.get().due_at == received + timedelta(hours=24)
    assert f"due {due}" in html
    assert left in html


def test_right_to_left_and_japanese_words_keep_their_own_direction_and_characters(
    client, agent
):
    """An Arabic buyer's words are laid out right to left and their name cannot reorder the
    text beside it; Japanese read from ISO-2022-JP mail shows as written, escaped."""
    arabic = ticket_make(subject="سؤال عن الطلب <b>", words="وصل الكوب مكسورا، ماذا أفعل؟",
                         buyer_name="ليلى حسن")
    html = page(client, arabic)
    assert '<div class="words" dir="auto"><p>وصل الكوب مكسورا، ماذا أفعل؟</p></div>' in html
    assert '<h1 dir="auto">سؤال عن الطلب &lt;b&gt;</h1>' in html
    assert '<dd dir="auto">ليلى حسن</dd>' in html
    assert "<bdi>ليلى حسن</bdi>" in client.get("/inbox/").content.decode()

    raw = (FIXTURE_MAIL / "amazon-co-jp" / "iso2022jp_shouhin_shitsumon.eml").read_bytes()
    japanese = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk).ticket
    agent.queues.first().channels.add(japanese.channel)
    html = page(client, japanese)
    assert "タンブラーのふたから飲み物が漏れます。" in html and "田中" in html
    assert "\ufffd" not in html and "$B" not in html

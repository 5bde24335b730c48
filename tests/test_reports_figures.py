"""The reports' response figures against a hand-computed period, and the page, its CSV and
`sla_report` telling the same story."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from inbox_support import user_make
from reports_support import agent_replies, buyer_says, manager_make, ticket_at

from helpdesk.sla.models import Obligation
from helpdesk.sla.services import clock_action_record, obligations_recompute, violations_record
from helpdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db
# The manager reads in Berlin: 5 and 6 October 2026 local are [4 Oct 22:00, 6 Oct 22:00) UTC.
SINCE = datetime(2026, 10, 4, 22, 0, tzinfo=UTC)
UNTIL = datetime(2026, 10, 6, 22, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 9, 0, 0, tzinfo=UTC)
PERIOD = "?period=custom&since=2026-10-05&until=2026-10-06"
# The page, for any number of clocks: session and user, the picker, one grouped read per
# table (two on SQLite for a table with a median: counts, then ranks), cases, ODR.
QUERIES_MAX = 22


@pytest.fixture
def period_data():
    a, b = user_make("alice"), user_make("bob")
    h = timedelta(hours=1)
    # Starts exactly at the period's first instant: in. Answered by Alice after 2 h.
    t1 = ticket_at(SINCE)
    agent_replies(t1, SINCE + 2 * h, a)
    # Starts exactly at the period's end: out (the bound is exclusive).
    ticket_at(UNTIL)
    # Starts an hour before the end, answered by Bob the day after the period: late, 26 h.
    t3 = ticket_at(UNTIL - h)
    agent_replies(t3, UNTIL + 25 * h, b)
    # "Thanks!": Alice marks no response required an hour later; not judged.
    t4 = ticket_at(SINCE + 10 * h, words="Thanks!")
    clock_action_record(ticket=t4, kind="no_response_required", actor=a, at=SINCE + 11 * h)
    # Never answered; Bob was assigned when the sweep recorded the breach, Alice is now.
    t5 = ticket_at(SINCE + 11 * h, assignee=b)
    # Reassigned mid-ticket: Alice answers the first message, Bob the second.
    t6 = ticket_at(SINCE + 12 * h, assignee=a)
    agent_replies(t6, SINCE + 13 * h, a)
    Ticket.objects.filter(pk=t6.pk).update(assignee=b)
    buyer_says(t6, SINCE + 14 * h)
    agent_replies(t6, SINCE + 14 * h + timedelta(minutes=30), b)
    obligations_recompute(ticket_ids=Ticket.objects.values_list("pk", flat=True), now=NOW)
    violations_record(obligations=list(Obligation.objects.filter(breached=True)), now=NOW)
    Ticket.objects.filter(pk=t5.pk).update(assignee=a)
    return a, b


BUYER_REPLY = {
    "obligations": 6,
    "answered_on_time": 3,
    "answered_late": 1,
    "no_response_required": 1,
    "unanswered_overdue": 1,
    "pending": 0,
    "on_time_rate": 0.6,
    # answered: 1800, 3600, 7200, 93600 s → nearest-rank median 2nd, p90 4th
    "median_response_s": 3600,
    "p90_response_s": 93600,
    "mean_response_s": 26550,
}


def report_page(client):
    client.force_login(manager_make())
    with time_machine.travel(NOW, tick=False):
        response = client.get("/reports/" + PERIOD)
    assert response.status_code == 200
    return response


def test_the_buyer_reply_figures_match_the_hand_count(client, period_data):
    context = report_page(client).context
    assert {k: context["buyer"][k] for k in BUYER_REPLY} == BUYER_REPLY


def test_each_clock_is_credited_to_the_agent_who_ended_it(client, period_data):
    agents = {row["agent"]: row for row in report_page(client).context["agents"]}
    assert set(agents) == {"alice", "bob"}
    alice, bob = agents["alice"], agents["bob"]
    # Alice: t1 (2 h), the no-response-required, the first message of t6 (1 h).
    assert (alice["obligations"], alice["answered_on_time"], alice["no_response_required"]) == (
        3,
        2,
        1,
    )
    assert (alice["on_time_rate"], alice["median_response_s"], alice["p90_response_s"]) == (
        1.0,
        3600,
        7200,
    )
    # Bob: the late reply after the period, the breach recorded while he had it, t6's second.
    assert (bob["obligations"], bob["answered_late"], bob["unanswered_overdue"]) == (3, 1, 1)
    assert (bob["on_time_rate"], bob["median_response_s"], bob["mean_response_s"]) == (
        0.3333,
        1800,
        47700,
    )


def test_channels_and_days_add_up_to_the_totals(client, period_data):
    page = report_page(client)
    context = page.context
    [channel] = context["channels"]
    assert channel["channel"] == "Amazon.com" and channel["obligations"] == 6
    assert channel["median_response_s"] == 3600 and channel["p90_response_s"] == 93600
    days = {row["day"].isoformat(): row for row in context["days"]}
    assert list(days) == ["2026-10-05", "2026-10-06"]
    assert days["2026-10-05"]["obligations"] == 5 and days["2026-10-06"]["obligations"] == 1
    assert days["2026-10-06"]["on_time_rate"] == 0.0  # Bob's late reply
    assert b"90% target" in page.content


def test_page_csv_and_command_agree(client, period_data):
    page = report_page(client)
    with time_machine.travel(NOW, tick=False):
        csv_text = client.get("/reports/csv/overview/" + PERIOD).content.decode("utf-8-sig")
        out = StringIO()
        call_command(
            "sla_report",
            "--since",
            SINCE.isoformat(),
            "--until",
            UNTIL.isoformat(),
            "--json",
            stdout=out,
        )
        table = StringIO()
        call_command(
            "sla_report", "--since", SINCE.isoformat(), "--until", UNTIL.isoformat(), stdout=table
        )
    command = json.loads(out.getvalue())
    rows = list(csv.reader(io.StringIO(csv_text)))
    header, by_kind = rows[0], {row[0]: row for row in rows[1:]}
    assert header[:3] == ["clock", "clocks", "on time"]
    for kind, figures in command.items():
        from_csv = dict(zip(header, by_kind[kind], strict=True))
        assert from_csv["clocks"] == str(figures["obligations"])
        assert from_csv["on-time share"] == (
            "" if figures["on_time_rate"] is None else str(figures["on_time_rate"])
        )
        assert from_csv["median s"] == (
            "" if figures["median_response_s"] is None else str(figures["median_response_s"])
        )
    assert {k: command["buyer_reply"][k] for k in BUYER_REPLY} == BUYER_REPLY
    assert page.context["buyer"]["on_time_rate"] == command["buyer_reply"]["on_time_rate"]
    # What a manager reads on the page is what the command prints.
    html = page.content.decode()
    assert "60.0%" in html and "60.0%" in table.getvalue()
    assert "1.0 h / 26.0 h / 7.4 h" in html
    line = next(row for row in table.getvalue().splitlines() if row.startswith("buyer_reply"))
    assert all(cell in line for cell in ("60.0%", "1.0 h", "26.0 h", "7.4 h"))


def test_the_command_given_the_managers_zone_counts_the_days_the_page_shows(client, period_data):
    """The page's 5–6 October are Berlin days; ``sla_report`` with the same dates and the
    manager's zone prints the same figures, where UTC days would miss the clock that started
    at 00:00 Berlin time on the 5th and count one from the 7th."""
    page = report_page(client)

    def command(*zone: str) -> dict:
        out = StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("sla_report", "--since", "2026-10-05", "--until", "2026-10-07",
                         *zone, "--json", stdout=out)
        return json.loads(out.getvalue())["buyer_reply"]

    berlin = command("--time-zone", "Europe/Berlin")
    assert {k: berlin[k] for k in BUYER_REPLY} == BUYER_REPLY
    assert berlin["obligations"] == page.context["buyer"]["obligations"]
    utc = command()  # the server's UTC days: 00:00 Berlin on the 5th out, 00:00 on the 7th in
    assert (utc["answered_on_time"], utc["unanswered_overdue"]) == (2, 2)
    with pytest.raises(CommandError, match="--time-zone must be an IANA zone"):
        command("--time-zone", "Mars/Olympus")


def test_violations_link_to_their_tickets_and_export(client, period_data):
    client.force_login(manager_make())
    with time_machine.travel(NOW, tick=False):
        page = client.get("/reports/violations/" + PERIOD)
        rows = list(
            csv.reader(
                io.StringIO(client.get("/reports/csv/violations/" + PERIOD).content.decode("utf-8-sig"))
            )
        )
        bob_only = client.get("/reports/violations/" + PERIOD + "&agent=" + str(period_data[1].pk))
    assert page.status_code == 200
    # t3 (late, but answered: recorded by the sweep too) and t5 (never answered).
    assert page.context["page"].paginator.count == 2 and len(rows) == 3
    ticket_id = page.context["page"][0].ticket_id
    assert f'href="/inbox/tickets/{ticket_id}/"' in page.content.decode()
    # Filtered by who was assigned when it was recorded: only t5 (t3 was unassigned).
    assert bob_only.context["page"].paginator.count == 1


def test_agents_cannot_open_reports_and_do_not_see_the_link(client):
    agent = user_make("agent1")
    client.force_login(agent)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/csv/overview/").status_code == 403
    assert b'href="/reports/"' not in client.get("/account/").content
    client.force_login(manager_make())
    assert b'href="/reports/"' in client.get("/reports/").content
    assert client.get("/reports/csv/nonsense/").status_code == 404


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_clocks(
    client, period_data, django_assert_max_num_queries
):
    """Every table is grouped by the database: more clocks, channels, agents or days add no
    query (a loop of queries per row would show here)."""
    client.force_login(manager_make())
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(QUERIES_MAX):
        assert client.get("/reports/" + PERIOD).status_code == 200
    for hours, channel, agent in [(3, "amazon-de", "carol"), (20, "amazon-com", "dave")]:
        ticket = ticket_at(SINCE + timedelta(hours=hours), channel=channel)
        agent_replies(ticket, SINCE + timedelta(hours=hours + 1), user_make(agent))
        agent_replies(ticket_at(SINCE + timedelta(hours=hours + 2)), NOW, None)
    obligations_recompute(ticket_ids=Ticket.objects.values_list("pk", flat=True), now=NOW)
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(QUERIES_MAX):
        response = client.get("/reports/" + PERIOD)
    assert response.context["buyer"]["obligations"] == BUYER_REPLY["obligations"] + 4
    assert {row["agent"] for row in response.context["agents"]} >= {"carol", "dave"}


@pytest.mark.parametrize("zone, day, firsts", [
    # Berlin falls back on 25 Oct 2026: the day is 25 h long, 02:30 happens twice.
    ("Europe/Berlin", "2026-10-25", [
        datetime(2026, 10, 24, 22, 0, tzinfo=UTC),  # 00:00 CEST, the day's first instant
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET, an hour later
        datetime(2026, 10, 25, 22, 59, tzinfo=UTC),  # 23:59 CET, the day's last minute
    ]),
    # Los Angeles springs forward on 8 Mar 2026: the day is 23 h long, 02:30 never happens.
    ("America/Los_Angeles", "2026-03-08", [
        datetime(2026, 3, 8, 8, 0, tzinfo=UTC),  # 00:00 PST
        datetime(2026, 3, 8, 9, 59, tzinfo=UTC),  # 01:59 PST
        datetime(2026, 3, 8, 10, 0, tzinfo=UTC),  # 03:00 PDT, one minute later
        datetime(2026, 3, 9, 6, 59, tzinfo=UTC),  # 23:59 PDT
    ]),
])
def test_a_day_when_the_clocks_change_counts_each_message_once(client, zone, day, firsts):
    """Days and weeks chosen in the manager's zone around a DST change: every message falls
    in exactly one day, and the week's total is the sum of its days and of the two weeks'
    halves (nothing counted twice at the changed hour, nothing lost)."""
    from datetime import date as date_

    the_day = date_.fromisoformat(day)
    before = datetime.combine(the_day, datetime.min.time(), tzinfo=UTC) - timedelta(days=2)
    for at in [before, *firsts, firsts[-1] + timedelta(minutes=1)]:  # the last is the next day
        ticket_at(at)
    client.force_login(manager_make(zone=zone))
    now = firsts[-1] + timedelta(days=5)

    def days(since: date_, until: date_) -> dict[str, int]:
        with time_machine.travel(now, tick=False):
            response = client.get("/reports/csv/days/", {
                "period": "custom", "since": since.isoformat(), "until": until.isoformat()})
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        return {row[0]: int(row[1]) for row in rows[1:]}

    one = timedelta(days=1)
    assert days(the_day, the_day) == {day: 4}
    week = days(the_day - 3 * one, the_day + 3 * one)
    assert week[day] == 4 and week[(the_day + one).isoformat()] == 1
    assert sum(week.values()) == 6  # the message two days before is in the week too
    halves = days(the_day - 3 * one, the_day), days(the_day + one, the_day + 3 * one)
    assert sum(halves[0].values()) + sum(halves[1].values()) == 6


def test_a_message_marked_no_response_required_after_its_deadline_counts_as_late(client):
    """Marking "no response required" after the deadline keeps the breach (DOMAIN.md): the
    figures count it late like the violations list does, so an overdue message cannot be
    taken out of the on-time share by marking it afterwards."""
    agent = user_make("alice")
    h = timedelta(hours=1)
    late = ticket_at(SINCE + h, assignee=agent)
    clock_action_record(ticket=late, kind="no_response_required", actor=agent, at=SINCE + 30 * h)
    in_time = ticket_at(SINCE + 2 * h, words="Thanks!", assignee=agent)
    clock_action_record(ticket=in_time, kind="no_response_required", actor=agent,
                        at=SINCE + 3 * h)
    violations_record(obligations=list(Obligation.objects.filter(breached=True)), now=NOW)
    page = report_page(client)
    buyer = page.context["buyer"]
    assert (buyer["answered_late"], buyer["no_response_required"]) == (1, 1)
    assert buyer["on_time_rate"] == 0.0
    with time_machine.travel(NOW, tick=False):
        violations = client.get("/reports/violations/" + PERIOD).context["page"]
    assert len(violations.object_list) == buyer["answered_late"]
    [alice] = page.context["agents"]
    assert (alice["answered_late"], alice["no_response_required"]) == (1, 1)
    [day] = [row for row in page.context["days"] if row["obligations"]]
    assert (day["answered_late"], day["no_response_required"]) == (1, 1)

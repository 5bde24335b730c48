"""The reply clocks as rows: recomputed with every message and action, breaches recorded
once by the sweep, alerts, heartbeat, report and status."""

import json
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from ingest_support import filed
from mails import amazon_body, build_mail, buyer_message
from mails import seller_reply as sent_folder_reply

from helpdesk import jobs
from helpdesk.mail.recognise import ruleset_forget
from helpdesk.mail.services import mail_ingest
from helpdesk.marketplaces.models import Channel
from helpdesk.sla.models import Heartbeat, Obligation, Violation
from helpdesk.sla.services import clock_action_record, obligations_recompute
from helpdesk.sla.sweep import sla_sweep
from helpdesk.tickets.models import Message

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)


def rfc(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def at(when: datetime):
    """Run as if it were ``when``: mail arrives, agents act and pages render then."""
    return time_machine.travel(when, tick=False)


def buyer_mail(when=T0, n=1, words="Where is my order?", **kw):
    with at(when + timedelta(seconds=30)):
        return _buyer_mail(when, n, words, **kw)


def _buyer_mail(when, n, words, **kw):
    result = mail_ingest(raw=build_mail(
        message_id=f"<b{n}@x>", date=rfc(when), body=amazon_body(words),
        subject="Order delivery inquiry from Amazon customer Jane Doe (Order: 111-7366207-0755439)",
        **kw,
    ), source="test")
    return Message.objects.get(pk=result.message_pk)


def seller_reply(when, n=1, **kw):
    with at(when + timedelta(seconds=30)):
        return _seller_reply(when, n, **kw)


def _seller_reply(when, n=1, **kw):
    headers = {"In-Reply-To": "<b1@x>"}
    headers.update(kw.pop("headers", {}))
    result = mail_ingest(raw=build_mail(
        message_id=f"<s{n}@x>", date=rfc(when), sender="support@example-seller.com",
        to="abc123xyz@marketplace.amazon.com", subject="Re: your order", body="On its way.",
        headers=headers, **kw,
    ), source="test")
    return Message.objects.get(pk=result.message_pk)


def act(ticket, kind, when, **kw):
    with at(when):
        return clock_action_record(ticket=ticket, kind=kind, at=when, **kw)


def test_a_buyer_message_starts_a_24_hour_clock():
    message = buyer_mail()
    [obligation] = message.ticket.obligations.all()
    assert obligation.kind == "buyer_reply"
    assert obligation.starts_at == T0 and obligation.due_at == T0 + timedelta(hours=24)
    assert obligation.is_open


def test_a_reply_within_24_hours_meets_it():
    message = buyer_mail()
    seller_reply(T0 + timedelta(hours=23, minutes=59))
    obligation = message.ticket.obligations.get()
    assert obligation.state == "met" and not obligation.is_open and not obligation.breached
    assert obligation.response_seconds == 23 * 3600 + 59 * 60


def test_a_late_reply_is_met_late_and_a_violation_is_recorded_once():
    message = buyer_mail()
    seller_reply(T0 + timedelta(hours=25))
    obligation = message.ticket.obligations.get()
    assert obligation.state == "met_late" and obligation.breached
    assert sla_sweep(now=T0 + timedelta(hours=26)).breaches_recorded == 1
    violation = Violation.objects.get()
    assert violation.due_at == T0 + timedelta(hours=24) and violation.kind == "buyer_reply"
    obligations_recompute(ticket_ids=[message.ticket_id])
    assert sla_sweep(now=T0 + timedelta(hours=27)).breaches_recorded == 0
    assert Violation.objects.count() == 1


def test_an_answer_dated_before_its_question_by_a_slow_computer_clock_meets_it():
    """The seller's computer clock runs ten minutes slow: the answer to the question, sent
    from their mail client a few minutes after it came in, is dated before it."""
    question = buyer_mail(T0)
    seller_reply(T0 - timedelta(minutes=10))
    clock = question.ticket.obligations.get()
    assert (clock.state, clock.satisfied_at) == ("met", T0)
    sla_sweep(now=T0 + timedelta(hours=30))
    assert not Violation.objects.exists()


def test_an_auto_reply_does_not_stop_the_clock():
    message = buyer_mail()
    seller_reply(T0 + timedelta(minutes=1), headers={"Auto-Submitted": "auto-replied"})
    assert message.ticket.obligations.get().is_open


def test_kaufland_allows_48_hours(ingest_file):
    result = ingest_file("kaufland-de/lieferung_01_kundin.eml")
    obligation = Message.objects.get(pk=result.message_pk).ticket.obligations.get()
    assert obligation.due_at - obligation.starts_at == timedelta(hours=48)


def test_no_response_required_in_time_ends_it_without_a_breach():
    message = buyer_mail()
    act(message.ticket, "no_response_required", T0 + timedelta(hours=2))
    obligation = message.ticket.obligations.get()
    assert obligation.state == "no_response_required" and not obligation.breached
    sla_sweep(now=T0 + timedelta(hours=30))
    assert not Violation.objects.exists()
    assert message.ticket.timeline.filter(kind="clock_no_response_required").exists()


def test_no_response_required_after_the_deadline_keeps_the_breach():
    message = buyer_mail()
    act(message.ticket, "no_response_required", T0 + timedelta(hours=30))
    obligation = message.ticket.obligations.get()
    assert obligation.state == "no_response_required" and obligation.breached
    sla_sweep(now=T0 + timedelta(hours=30, minutes=1))
    assert Violation.objects.get().obligation == obligation


def test_no_response_required_leaves_open_a_question_that_came_in_after_it_was_marked():
    """The buyer thanks the seller; an agent marks "No response required". A question the
    buyer wrote before the thanks comes in only after that (held up on its way): the agent
    never saw it, so it is still to be answered, in time or not."""
    thanks = buyer_mail(T0 + timedelta(hours=1), n=2, words="Thanks, all good!")
    act(thanks.ticket, "no_response_required", T0 + timedelta(hours=2))
    with at(T0 + timedelta(hours=5)):
        question = _buyer_mail(T0, 1, "Can you also send the lid?")
    assert question.ticket_id == thanks.ticket_id
    states = dict(thanks.ticket.obligations.values_list("message_id", "state"))
    assert states == {thanks.pk: "no_response_required", question.pk: "pending"}


def test_claim_clock_is_72_hours_and_responded_elsewhere_meets_it(ingest_file):
    # Filed minutes after Amazon sent it, before the agent answers it.
    with at(datetime(2026, 9, 28, 14, 10, tzinfo=UTC)):
        result = ingest_file("amazon-com/atoz_claim_received.eml")
    ticket = Message.objects.get(pk=result.message_pk).ticket
    obligation = ticket.obligations.get()
    assert obligation.kind == "claim"
    assert obligation.due_at - obligation.starts_at == timedelta(hours=72)
    clock_action_record(ticket=ticket, kind="responded_elsewhere", note="Case answered",
                        at=obligation.starts_at + timedelta(hours=5))
    assert ticket.obligations.get().state == "met"


def test_sweep_records_each_breach_once_and_alerts(run_jobs, django_user_model):
    from django.contrib.auth.models import Group

    manager = django_user_model.objects.create_user("boss", email="boss@example-seller.com")
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])
    agent = django_user_model.objects.create_user("ann", email="ann@example-seller.com")
    message = buyer_mail()
    message.ticket.assignee = agent
    message.ticket.save()

    at_risk = sla_sweep(now=T0 + timedelta(hours=21))
    assert at_risk.at_risk_alerts == 1 and at_risk.breaches_recorded == 0
    first = sla_sweep(now=T0 + timedelta(hours=24, seconds=1))
    second = sla_sweep(now=T0 + timedelta(hours=24, minutes=1))
    assert first.breaches_recorded == 1 and second.breaches_recorded == 0
    violation = Violation.objects.get()
    assert violation.assignee == agent and violation.occurred_at == T0 + timedelta(hours=24)
    run_jobs()
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == sorted(["ann@example-seller.com", "boss@example-seller.com"] * 2)
    assert any("MISSED" in m.body for m in mail.outbox)


def test_alerts_give_the_due_time_in_each_readers_own_zone(run_jobs, django_user_model):
    """The assignee in Tokyo and the manager in New York each read the deadline as their
    pages show it, not in UTC they would have to convert at a glance."""
    from django.contrib.auth.models import Group

    from helpdesk.tickets.models import AgentProfile

    manager = django_user_model.objects.create_user("boss", email="boss@example-seller.com")
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])
    AgentProfile.objects.create(user=manager, time_zone="America/New_York")
    agent = django_user_model.objects.create_user("ann", email="ann@example-seller.com")
    AgentProfile.objects.create(user=agent, time_zone="Asia/Tokyo")
    message = buyer_mail()  # due 2026-10-06 10:00 UTC
    message.ticket.assignee = agent
    message.ticket.save()
    sla_sweep(now=T0 + timedelta(hours=24, seconds=1))
    run_jobs()
    body = {m.to[0]: m.body for m in mail.outbox}
    assert "MISSED: Buyer reply, due 2026-10-06 19:00 JST" in body["ann@example-seller.com"]
    assert "MISSED: Buyer reply, due 2026-10-06 06:00 EDT" in body["boss@example-seller.com"]


def test_alerts_wait_while_the_job_queue_is_away(run_jobs, django_user_model, settings):
    agent = django_user_model.objects.create_user("ann", email="ann@example-seller.com")
    message = buyer_mail()
    message.ticket.assignee = agent
    message.ticket.save()
    reachable = settings.REDIS_URL
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there: Redis is away
    jobs.queue_reachable_forget()
    away = sla_sweep(now=T0 + timedelta(hours=24, seconds=1))
    assert away.breaches_recorded == 1 and away.breach_alerts == 0
    assert Violation.objects.get().alerted_at is None
    settings.REDIS_URL = reachable
    jobs.queue_reachable_forget()
    back = sla_sweep(now=T0 + timedelta(hours=24, minutes=2))
    assert back.breach_alerts == 1 and Violation.objects.get().alerted_at is not None
    run_jobs()
    assert [m.to for m in mail.outbox if "MISSED" in m.body] == [["ann@example-seller.com"]]


def test_a_violation_is_never_rewritten_by_later_events():
    message = buyer_mail()
    sla_sweep(now=T0 + timedelta(hours=30))
    before = Violation.objects.values().get()
    seller_reply(T0 + timedelta(hours=31))
    act(message.ticket, "no_response_required", T0 + timedelta(hours=32))
    assert Violation.objects.values().get() == before


def test_sweep_writes_a_heartbeat_and_pages_warn_when_it_is_stale(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("agent1"))
    assert "SLA sweep has never run" in client.get("/inbox/").content.decode()
    sla_sweep()
    assert "SLA sweep" not in client.get("/inbox/").content.decode()
    Heartbeat.objects.update(beat_at=datetime.now(UTC) - timedelta(minutes=6))
    assert "SLA sweep last ran 6 minutes ago" in client.get("/inbox/").content.decode()
    out = StringIO()
    call_command("sla_status", stdout=out)
    assert "WARNING" in out.getvalue()


def test_the_crontab_entry_runs_the_sweep_every_minute():
    from django.utils.module_loading import import_string

    [(schedule, job, args)] = [e for e in settings.CRONJOBS if e[2] == ["sla_sweep"]]
    assert schedule == "* * * * *"
    import_string(job)(*args)
    assert Heartbeat.objects.filter(name="sla_sweep").exists()


def test_sla_report_counts_obligations_started_in_the_period():
    buyer_mail(T0, n=1)  # answered after 2 h
    seller_reply(T0 + timedelta(hours=2), n=1)
    message = buyer_mail(T0 + timedelta(days=1), n=2, sender="x2@marketplace.amazon.com",
                         words="Other question")  # never answered → overdue
    assert message.ticket.obligations.get().is_open
    out = StringIO()
    call_command("sla_report", "--since", "2026-10-05", "--until", "2026-10-07", "--json",
                 stdout=out)
    figures = json.loads(out.getvalue())["buyer_reply"]
    assert figures["obligations"] == 2
    assert figures["answered_on_time"] == 1 and figures["unanswered_overdue"] == 1
    assert figures["median_response_s"] == 7200 and figures["on_time_rate"] == 0.5
    assert set(json.loads(out.getvalue())) == {"buyer_reply", "return_request", "claim",
                                                "chargeback"}
    empty = StringIO()
    call_command("sla_report", "--since", "2026-10-05T10:00:01", "--until", "2026-10-06",
                 "--json", stdout=empty)
    assert json.loads(empty.getvalue())["buyer_reply"]["obligations"] == 0


@pytest.mark.parametrize("since", ["2026-02-30", "2026-10-05T25:00", "last monday"])
def test_sla_report_names_an_impossible_date_instead_of_a_traceback(since):
    with pytest.raises(CommandError, match="--since must be an ISO date or time"):
        call_command("sla_report", "--since", since, "--until", "2026-10-07", stdout=StringIO())


def test_sla_report_names_a_date_at_the_end_of_the_calendar():
    with pytest.raises(CommandError, match="--since is too close to the ends of the calendar"):
        call_command("sla_report", "--since", "0001-01-01", "--until", "2026-10-07",
                     "--time-zone", "Asia/Tokyo", stdout=StringIO())


def test_exactly_four_hours_left_is_not_yet_at_risk_on_any_page_a_second_later_it_is(
    client, agent
):
    """At risk means less than a sixth of the limit left (the clock's rule, which the stored
    state follows): the ticket page, the inbox's count, `sla_status` and the sweep's alert
    called the clock at risk a second early, while its state still said pending."""
    from inbox_support import page

    ticket = buyer_mail(T0).ticket
    for when, expected in ((T0 + timedelta(hours=20), "pending"),
                           (T0 + timedelta(hours=20, seconds=1), "at_risk")):
        with at(when):
            assert f"badge clock {expected}" in page(client, ticket)
            listed = client.get("/inbox/?view=at_risk").context["page"].rows
            assert [t.pk for t in listed] == ([ticket.pk] if expected == "at_risk" else [])
            out = StringIO()
            call_command("sla_status", "--json", stdout=out)
            assert json.loads(out.getvalue())["open"]["buyer_reply"][expected] == 1
            assert sla_sweep().at_risk_alerts == (expected == "at_risk")


def test_a_limit_changed_later_moves_no_deadline_already_set_and_erases_no_past_breach():
    """The seller raised Amazon.com's limit to 48 h in November: the buyer's next message
    recomputed the ticket, and October's late answer was withdrawn as "met in time after
    all", gone from October's report. Lowered again, a reply that was on time would have
    become a new October breach. A deadline is the one its clock started with."""
    channel = buyer_mail(T0, n=1).ticket.channel
    seller_reply(T0 + timedelta(hours=30), n=1)  # 6 h late on 24 h
    sla_sweep(now=T0 + timedelta(hours=31))
    channel.reply_limit_hours = 48
    channel.save()
    later = T0 + timedelta(days=30)
    buyer_mail(later, n=2)
    seller_reply(later + timedelta(hours=30), n=2, headers={"In-Reply-To": "<b2@x>"})
    channel.reply_limit_hours = 12
    channel.save()
    buyer_mail(later + timedelta(days=3), n=3)
    sla_sweep(now=later + timedelta(days=3, hours=1))

    first, second, third = Obligation.objects.order_by("starts_at")
    assert first.ticket_id == second.ticket_id == third.ticket_id
    assert (first.state, first.due_at) == ("met_late", T0 + timedelta(hours=24))
    assert (second.state, second.due_at) == ("met", later + timedelta(hours=48))
    assert third.due_at == later + timedelta(days=3, hours=12)
    [october] = Violation.objects.all()
    assert (october.obligation, october.withdrawn_at) == (first, None)


def test_sla_status_lists_the_most_overdue():
    buyer_mail(T0)
    out = StringIO()
    call_command("sla_status", "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert status["open"]["buyer_reply"]["overdue"] == 1
    assert status["most_overdue"][0]["kind"] == "buyer_reply"


def test_export_fills_the_obligations():
    buyer_mail()
    out = StringIO()
    call_command("export_tickets", stdout=out)
    [row] = [json.loads(line) for line in out.getvalue().splitlines()]
    [obligation] = row["obligations"]
    assert obligation["kind"] == "buyer_reply" and obligation["state"] == "overdue"
    assert obligation["due_at"] == "2026-10-06T10:00:00+00:00"


@pytest.mark.parametrize("since", ["2026-02-30", "2026-10-05T24:30", "yesterday"])
def test_export_names_an_impossible_since_instead_of_a_traceback(since):
    with pytest.raises(CommandError, match="--since must be an ISO date or time"):
        call_command("export_tickets", "--since", since, stdout=StringIO())


def test_recompute_uses_a_fixed_number_of_queries(django_assert_max_num_queries):
    tickets = [buyer_mail(T0, n=n, sender=f"b{n}@marketplace.amazon.com").ticket_id
               for n in range(12)]
    Obligation.objects.all().delete()
    with django_assert_max_num_queries(10):
        obligations_recompute(ticket_ids=tickets)
    assert Obligation.objects.count() == 12


# Serialized rollback, as every other transactional test here: the database starts with what
# migrations ship, and its teardown does not re-create content types that the next such test
# would then load a second time.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers; two sweeps at once are a PostgreSQL question",
)
def test_two_sweeps_at_once_record_each_breach_once():
    ruleset_forget()  # compiled by an earlier test against rows since rolled back
    for n in range(30):
        buyer_mail(T0, n=n, sender=f"c{n}@marketplace.amazon.com")
    results, barrier = [], threading.Barrier(2)

    def sweep():
        barrier.wait()
        try:
            results.append(sla_sweep(now=T0 + timedelta(hours=25)))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Violation.objects.count() == 30
    assert sum(r.breaches_recorded for r in results) == 30


@pytest.mark.parametrize(("zone", "hours"), [
    ("Mars/Olympus", {str(day): ["09:00", "17:00"] for day in range(5)}),
    ("Europe/Berlin", {"0": "nine to five"}),
    ("Europe/Berlin", {"9": ["09:00", "17:00"]}),
])
def test_business_hours_written_around_the_form_leave_the_mail_filed_on_calendar_hours(
    zone, hours
):
    """A channel whose business hours or zone the admin's form would refuse: every mail of
    it was quarantined ("could not be stored"). It is filed, and its clock counts calendar
    hours (the stricter reading) until the channel is fixed."""
    Channel.objects.filter(code="amazon-com").update(time_zone=zone, business_hours=hours)
    message = buyer_mail()  # filed: not quarantined
    assert Obligation.objects.get(message=message).due_at == T0 + timedelta(hours=24)


@pytest.mark.parametrize("changes", [
    {"reply_limit_hours": 10**8},  # past the year 9999: no deadline can be computed
    {"reply_limit_hours": 0},
    {"business_hours": {"0": ["09:00", "09:01"]}},  # a minute a week: 24 h take 27 years
    {"at_risk_share": 1e300},
])
def test_limits_written_around_the_form_leave_the_mail_filed_on_the_default(changes):
    """A limit, share or hours the admin's form refuses, saved by a script: every mail of the
    channel was quarantined ("date value out of range", "no working time within ten
    years"). It is filed with Amazon's 24 hours until the channel is fixed."""
    Channel.objects.filter(code="amazon-com").update(**changes)
    message = buyer_mail()  # filed: not quarantined
    obligation = Obligation.objects.get(message=message)
    assert obligation.due_at == T0 + timedelta(hours=24)
    assert obligation.at_risk_at == T0 + timedelta(hours=20)


def test_a_reply_in_the_deadlines_own_second_is_on_time_for_the_sweep_too():
    message = buyer_mail()
    due = T0 + timedelta(hours=24)
    assert sla_sweep(now=due).breaches_recorded == 0  # at the deadline it is not yet late
    assert message.ticket.obligations.get().state_at(due) == "at_risk"
    seller_reply(due)
    obligation = message.ticket.obligations.get()
    assert obligation.state == "met" and not obligation.breached
    assert sla_sweep(now=due + timedelta(seconds=1)).breaches_recorded == 0
    assert not Violation.objects.exists()


def test_a_reply_one_second_after_the_deadline_is_late_and_recorded_once_however_often_swept():
    message = buyer_mail()
    due = T0 + timedelta(hours=24)
    seller_reply(due + timedelta(seconds=1))
    obligation = message.ticket.obligations.get()
    assert obligation.state == "met_late" and obligation.breached
    results = [sla_sweep(now=due + timedelta(minutes=m)) for m in (1, 1, 2)]
    assert [r.breaches_recorded for r in results] == [1, 0, 0]
    assert Violation.objects.get().occurred_at == due


def test_a_breach_withdrawn_by_a_late_copy_of_an_in_time_reply_stays_withdrawn_and_unalerted(
    monkeypatch,
):
    """The Sent-folder copy of a reply written at 23 h arrives after the sweep recorded the
    breach: the breach is withdrawn, and later sweeps neither record it again nor alert."""
    message = buyer_mail()
    due = T0 + timedelta(hours=24)
    with monkeypatch.context() as away:
        away.setattr(jobs, "queue_reachable", lambda: False)  # its alert has not gone yet
        assert sla_sweep(now=due + timedelta(minutes=1)).breaches_recorded == 1
    assert Violation.objects.get().alerted_at is None
    seller_reply(T0 + timedelta(hours=23))  # its copy, fetched two hours late
    violation = Violation.objects.get()
    assert violation.withdrawn_at is not None and "met in time" in violation.withdrawn_reason
    for minutes in (2, 3):
        result = sla_sweep(now=due + timedelta(minutes=minutes))
        assert (result.breaches_recorded, result.breach_alerts) == (0, 0)
    assert Violation.objects.count() == 1 and Violation.objects.get().alerted_at is None
    assert message.ticket.obligations.get().state == "met"


def test_a_reply_to_a_message_id_two_questions_share_answers_the_first_whichever_came_first():
    """A broken relay sends two of the buyer's questions under one Message-ID, a day apart;
    the seller's answer (its computer's clock ten minutes slow) replies to that id. It
    answers the question written first, in time, and leaves the second one open, whichever
    question was fetched first."""
    t0 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    first = buyer_message(1, t0, alias="ida", order="114-1234567-1234567",
                          words="Is it dishwasher safe?")
    second = buyer_message(1, t0 + timedelta(hours=30), alias="ida",
                           order="114-1234567-1234567", words="Can I return it?")
    answer = sent_folder_reply(2, t0 - timedelta(minutes=10), alias="ida",
                               refs="<b1@amazon.test>")
    shown = filed([[first], [second], [answer]])
    assert [o["state"] for t in shown["tickets"] for o in t["obligations"]] == ["met", "overdue"]
    assert filed([[second], [first], [answer]]) == shown

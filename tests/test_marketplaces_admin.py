"""A channel in admin: business hours as a form per weekday, languages and time zones
picked, never typed free."""

import re
from datetime import UTC, datetime

import pytest
from ingest_support import filed
from mails import FIXTURE_MAIL, build_mail, kaufland_message

from helpdesk.mail.services import mail_ingest
from helpdesk.marketplaces.models import Channel
from helpdesk.sla.models import Obligation
from helpdesk.sla.policy import channel_policy

pytestmark = pytest.mark.django_db


def _post(channel: Channel, **changes) -> dict:
    data = {
        "code": channel.code, "name": channel.name, "platform": channel.platform,
        "domain": channel.domain, "relay_domain": channel.relay_domain,
        "language": channel.language, "time_zone": channel.time_zone,
        "reply_limit_hours": "24", "return_limit_hours": "48", "claim_limit_hours": "72",
        "escalation_follow_up_hours": "48", "at_risk_share": "0.1667",
        "holidays-TOTAL_FORMS": "0", "holidays-INITIAL_FORMS": "0",
        "holidays-MIN_NUM_FORMS": "0", "holidays-MAX_NUM_FORMS": "1000",
    }
    for day in range(7):
        data[f"day{day}_opens"], data[f"day{day}_closes"] = "09:00", "17:00"
    data.update(changes)
    return data


def _url(channel: Channel) -> str:
    return f"/admin/marketplaces/channel/{channel.pk}/change/"


def test_working_hours_are_set_per_weekday_and_stored_for_the_clock(admin_client):
    channel = Channel.objects.get(code="kaufland-de")
    page = admin_client.post(_url(channel), _post(
        channel, working_hours_only="on", day5_closed="on", day6_closed="on",
        day0_opens="08:30", day0_closes="18:00",
    ))
    assert page.status_code == 302
    channel.refresh_from_db()
    assert channel.business_hours == {
        "0": ["08:30", "18:00"], **{str(d): ["09:00", "17:00"] for d in range(1, 5)}
    }
    assert channel_policy(channel).calendar is not None

    page = admin_client.get(_url(channel)).content.decode()
    assert 'name="business_hours"' not in page  # no JSON to type
    assert 'name="day0_opens" value="08:30"' in page
    assert re.search(r'name="day5_closed"[^>]* checked', page)
    assert not re.search(r'name="day4_closed"[^>]* checked', page)


def test_unticking_working_hours_goes_back_to_calendar_hours(admin_client):
    channel = Channel.objects.get(code="kaufland-de")
    Channel.objects.filter(pk=channel.pk).update(business_hours={"0": ["09:00", "17:00"]})
    assert admin_client.post(_url(channel), _post(channel)).status_code == 302
    channel.refresh_from_db()
    assert channel.business_hours == {}
    assert channel_policy(channel).calendar is None


@pytest.mark.parametrize("changes, message", [
    ({"day2_opens": "17:00", "day2_closes": "09:00"}, "On Wednesday closing must be after opening"),
    ({"day3_opens": "", "day3_closes": ""}, "Give Thursday&#x27;s opening and closing time"),
    ({"day1_opens": "25:99"}, "Enter a valid time"),
    # Stored to the minute, these seconds are the same minute: no working time that day.
    ({"day0_opens": "09:00:10", "day0_closes": "09:00:50"},
     "On Monday closing must be after opening"),
    ({f"day{d}_closed": "on" for d in range(7)}, "Every day is closed"),
])
def test_bad_working_hours_are_refused_on_the_day(admin_client, changes, message):
    channel = Channel.objects.get(code="kaufland-de")
    page = admin_client.post(_url(channel), _post(channel, working_hours_only="on", **changes))
    assert page.status_code == 200
    assert message in page.content.decode()
    channel.refresh_from_db()
    assert channel.business_hours == {}


@pytest.mark.parametrize("changes", [
    {"language": "deutsch"}, {"time_zone": "Europe/Berlln"}, {"platform": "amazn"},
    {"time_zone": "../../etc/passwd"},
    # The server's own zone: the channel's clocks would move with the machine's setting.
    {"time_zone": "localtime"}, {"time_zone": "Factory"},
])
def test_a_typed_language_zone_or_platform_is_refused(admin_client, changes):
    channel = Channel.objects.get(code="amazon-de")
    page = admin_client.post(_url(channel), _post(channel, **changes))
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    channel.refresh_from_db()
    assert (channel.language, channel.time_zone, channel.platform) == (
        "de", "Europe/Berlin", "amazon")


@pytest.mark.parametrize("changes, message", [
    ({"reply_limit_hours": "0"}, "greater than or equal to 1"),
    ({"return_limit_hours": "-1"}, "greater than or equal to"),
    ({"claim_limit_hours": "100000000"}, "less than or equal to 8760"),
    ({"reply_limit_hours": "1000000000000"}, "less than or equal to 8760"),
    ({"escalation_follow_up_hours": "0"}, "greater than or equal to 1"),
    ({"escalation_follow_up_hours": "99999999999"}, "less than or equal to 8760"),
    ({"working_hours_only": "on", **{f"day{d}_closed": "on" for d in range(1, 7)},
      "day0_opens": "09:00", "day0_closes": "09:01"},
     "With these hours a 72-hour limit would take 4,320 working weeks"),
])
def test_a_limit_no_deadline_can_follow_from_is_refused(admin_client, changes, message):
    """Saved, such a limit quarantined every later mail of the channel: 10**8 hours ends
    past the year 9999, and a minute of work a week gives a 72-hour claim no deadline within
    the ten years the clock looks ahead."""
    channel = Channel.objects.get(code="amazon-com")
    page = admin_client.post(_url(channel), _post(channel, **changes))
    assert page.status_code == 200
    assert message in page.content.decode()
    channel.refresh_from_db()
    assert (channel.reply_limit_hours, channel.return_limit_hours, channel.claim_limit_hours,
            channel.escalation_follow_up_hours, channel.business_hours) == (24, 48, 72, 48, {})


def test_a_chargeback_gets_its_own_limit_or_else_the_claims(admin_client):
    """Every limit is the seller's to set per channel and clock (DOMAIN.md): Amazon's help
    pages give a chargeback 7 days, but it could only share the A-to-z claim's 72 h."""
    def due_after(name: str) -> int:
        raw = (FIXTURE_MAIL / "amazon-com" / name).read_bytes()
        result = mail_ingest(raw=raw, source=f"test:{name}")
        obligation = Obligation.objects.get(message_id=result.message_pk)
        return int((obligation.due_at - obligation.starts_at).total_seconds() // 3600)

    channel = Channel.objects.get(code="amazon-com")
    page = admin_client.post(_url(channel), _post(channel, chargeback_limit_hours="168"))
    assert page.status_code == 302
    assert (due_after("chargeback.eml"), due_after("atoz_claim_received.eml")) == (168, 72)
    assert admin_client.post(_url(channel), _post(channel, chargeback_limit_hours="0")
                             ).status_code == 200  # refused like every limit
    admin_client.post(_url(channel), _post(channel))  # left empty: the claim's limit
    assert channel_policy(Channel.objects.get(pk=channel.pk)).limit_hours("chargeback") == 72


def test_every_installed_channel_passes_the_checks_the_admin_applies():
    for channel in Channel.objects.all():
        channel.full_clean()


@pytest.mark.parametrize("domain", ["@kaufland.de", "*.kaufland.de", "kaufland de", "de",
                                    "kaufland..de", "Amazon.DE"])
def test_a_mail_domain_that_would_match_no_mail_or_too_much_is_refused(admin_client, domain):
    """"@kaufland.de" or "*.kaufland.de" matched no address, so the channel's mail went to
    the default channel on its 24 h clock; "de" took in every .de sender; Amazon.de's
    domain in capitals made a second channel for it."""
    channel = Channel.objects.get(code="kaufland-de")
    page = admin_client.post(_url(channel), _post(channel, domain=domain))
    assert page.status_code == 200
    assert re.search("Type the domain alone|Another channel has this mail domain",
                     page.content.decode())
    channel.refresh_from_db()
    assert channel.domain == "kaufland.de"


def test_a_mail_domain_in_capitals_or_with_the_root_dot_is_stored_as_mail_is_compared(
    admin_client,
):
    channel = Channel.objects.get(code="kaufland-de")
    page = admin_client.post(_url(channel), _post(
        channel, domain="Kaufland.DE.", relay_domain="Kaufland-Marktplatz.de"))
    assert page.status_code == 302
    channel.refresh_from_db()
    assert (channel.domain, channel.relay_domain) == ("kaufland.de", "kaufland-marktplatz.de")


def test_a_channel_domain_in_capitals_saved_around_the_form_still_takes_its_mail():
    """Saved "Kaufland.DE" by a script: Kaufland's mail was filed on the default channel,
    with 24 h instead of 48 h and no buyer to reply to."""
    Channel.objects.filter(code="kaufland-de").update(
        domain="Kaufland.DE", relay_domain="Kaufland-Marktplatz.DE.")
    ticket, = filed([[kaufland_message(1, datetime(2026, 12, 1, 9, tzinfo=UTC), customer="k7",
                                       order="MK00007")]])["tickets"]
    assert ticket["channel"] == "kaufland-de"
    assert ticket["buyer"] == "kunde-k7@kaufland-marktplatz.de"


def test_there_is_always_one_default_channel_for_mail_of_no_known_marketplace(admin_client):
    """Unticked on "Other mail", every mail naming no known marketplace was quarantined
    ("no channel configured"); ticked on a second channel, the order of their codes chose."""
    other = Channel.objects.get(code="other")
    page = admin_client.post(_url(other), _post(other))  # "default" unticked
    assert "Some channel must take the mail that names no known marketplace" in \
        page.content.decode()
    assert Channel.objects.get(is_default=True) == other

    amazon = Channel.objects.get(code="amazon-com")
    page = admin_client.post(_url(amazon), _post(amazon, is_default="on"), follow=True)
    assert "Amazon.com now takes the mail that names no known marketplace, instead of " \
        "Other mail." in page.content.decode()
    assert Channel.objects.get(is_default=True) == amazon

    Channel.objects.update(is_default=False)  # by a script: other channels still save
    page = admin_client.post(_url(other), _post(other, name="Other mail (all)"))
    assert page.status_code == 302


def test_mail_of_no_known_marketplace_is_filed_when_no_channel_is_the_default():
    Channel.objects.update(is_default=False)  # by a script, or the default deleted
    ticket, = filed([[build_mail(sender="Jane <jane@example.net>")]])["tickets"]
    assert ticket["channel"] == "other"

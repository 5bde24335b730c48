"""The reports' period picker and filters: a wrong value is named on the page (never a
server error), typed dates mean a custom period, a reversed range is refused."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from reports_support import manager_make

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
PAGES = ["/reports/", "/reports/violations/"]


@pytest.fixture
def manager(client):
    user = manager_make()
    client.force_login(user)
    return user


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _shown(page: str) -> tuple[str, str]:
    """The period the picker shows (the date inputs' values)."""
    since = re.search(r'name="since" value="([^"]*)"', page).group(1)
    until = re.search(r'name="until" value="([^"]*)"', page).group(1)
    return since, until


def _ticked(page: str) -> str:
    return re.search(r'name="period" value="(\w+)" checked', page).group(1)


@pytest.mark.parametrize("url", PAGES)
def test_an_impossible_date_is_named_on_the_page(client, manager, url):
    response = client.get(url, {"period": "custom", "since": "2026-02-30",
                                "until": "2026-03-01"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid date." in page
    assert 'value="2026-02-30" aria-invalid="true"' in page  # what was typed, to correct
    assert _ticked(page) == "30"  # shown instead, and said so
    assert "the default is shown instead" in page


def test_the_csv_files_refuse_an_impossible_date_with_the_reason(client, manager):
    for table in ("cases", "violations", "overview"):
        response = client.get(f"/reports/csv/{table}/", {
            "period": "custom", "since": "2026-02-30", "until": "2026-03-01"})
        assert response.status_code == 400
        assert "Enter a valid date." in response.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_dates_typed_without_ticking_custom_are_the_period(client, manager, url):
    page = client.get(url, {"period": "30", "since": "2026-03-01", "until": "2026-03-05",
                            "shown_since": "2026-02-19", "shown_until": "2026-03-20"})
    page = page.content.decode()
    assert _shown(page) == ("2026-03-01", "2026-03-05") and _ticked(page) == "custom"
    # A link or bookmark without a preset at all means the same.
    page = client.get(url, {"since": "2026-03-01", "until": "2026-03-05"}).content.decode()
    assert _shown(page) == ("2026-03-01", "2026-03-05") and _ticked(page) == "custom"
    assert "period=custom&amp;since=2026-03-01&amp;until=2026-03-05" in page  # CSV/links


def test_a_preset_ticked_with_the_dates_left_as_shown_is_the_preset(client, manager):
    page = client.get("/reports/", {"period": "7", "since": "2026-03-01", "until": "2026-03-05",
                                    "shown_since": "2026-03-01", "shown_until": "2026-03-05"})
    page = page.content.decode()
    assert _ticked(page) == "7" and _shown(page) == ("2026-03-14", "2026-03-20")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("query, message", [
    ({"period": "custom", "since": "2026-03-10", "until": "2026-03-01"},
     "The last day is before the first day."),
    ({"period": "custom", "since": "2020-01-01", "until": "2026-03-01"}, "at most"),
    ({"period": "custom"}, "Give the first day of the period."),
    ({"since": "2026-03-01"}, "Give the last day of the period."),
    ({"period": "fortnight"}, "Select a valid choice."),
    ({"channel": "amazon-xx"}, "Select a valid choice."),
    ({"kind": "refund"}, "Select a valid choice."),
])
def test_a_wrong_value_is_an_error_on_the_page(client, manager, url, query, message):
    response = client.get(url, query)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "the default is shown instead" in page
    assert _ticked(page) == "30"


@pytest.mark.parametrize("since, until, field, message", [
    ("9999-12-31", "9999-12-31", "until", "The last day is too far in the future."),
    ("0001-01-01", "0001-01-02", "since", "The first day is too far in the past."),
    ("0001-01-03", "0001-01-05", "since", "The first day is too far in the past."),
])
def test_a_date_at_the_end_of_the_calendar_is_an_error_not_a_server_error(
    client, manager, since, until, field, message
):
    query = {"period": "custom", "since": since, "until": until}
    for url in PAGES:
        page = client.get(url, query)
        assert page.status_code == 200, url
        assert message in page.content.decode() and _ticked(page.content.decode()) == "30"
    for table in ("overview", "days", "agents", "complaints"):
        response = client.get(f"/reports/csv/{table}/", query)
        assert response.status_code == 400, table
        assert message in response.content.decode()


def test_an_unknown_agent_on_the_violations_page_is_an_error(client, manager):
    for agent in ("abc", "99999999999999999999999", str(manager.pk + 1000)):
        page = client.get("/reports/violations/", {"agent": agent}).content.decode()
        assert "Select a valid choice." in page, agent


def test_a_good_query_shows_no_error(client, manager):
    page = client.get("/reports/", {"period": "custom", "since": "2026-03-01",
                                    "until": "2026-03-05", "channel": "amazon-de"})
    assert "the default is shown instead" not in page.content.decode()

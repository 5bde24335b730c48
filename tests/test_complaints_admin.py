"""Complaint rules in admin: the language is picked, never typed."""

import pytest

from helpdesk.complaints.models import ComplaintCategory, ComplaintRule

pytestmark = pytest.mark.django_db


def test_a_typed_language_is_refused_and_every_installed_rule_passes(admin_client):
    category = ComplaintCategory.objects.first()
    data = {"category": category.pk, "keywords": "kaputt", "is_active": "on"}
    page = admin_client.post("/admin/complaints/complaintrule/add/", {**data, "language": "dt"})
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    assert not ComplaintRule.objects.filter(keywords="kaputt").exists()
    page = admin_client.post("/admin/complaints/complaintrule/add/", {**data, "language": "de"})
    assert page.status_code == 302
    for rule in ComplaintRule.objects.all():
        rule.full_clean()


@pytest.mark.parametrize(("keywords", "reason"), [
    ("kaputt\n*", "holds no word to find"),
    ("???", "holds no word to find"),
    ("a*", "would find every word starting with"),
    # The article "a", Spanish "y", Italian "e": found in nearly every ticket of the language.
    ("kaputt\na", "is a single letter"),
    ("Y", "is a single letter"),
    ("傷\nの", "is a single letter"),  # Japanese "of": in every sentence
])
def test_a_keyword_line_that_finds_nothing_or_everything_is_refused_on_the_field(
    admin_client, keywords, reason
):
    category = ComplaintCategory.objects.first()
    page = admin_client.post("/admin/complaints/complaintrule/add/", {
        "category": category.pk, "keywords": keywords, "language": "de", "is_active": "on"})
    assert page.status_code == 200 and reason in page.content.decode()
    assert not ComplaintRule.objects.filter(keywords=keywords).exists()


def test_one_kanji_is_a_keyword_of_its_own(admin_client):
    """"傷" (a scratch) is a whole word to a Japanese buyer, unlike a one-letter Latin word."""
    category = ComplaintCategory.objects.first()
    page = admin_client.post("/admin/complaints/complaintrule/add/", {
        "category": category.pk, "keywords": "傷", "language": "ja", "is_active": "on"})
    assert page.status_code == 302
    assert ComplaintRule.objects.filter(keywords="傷", language="ja").exists()


def test_a_category_named_like_an_existing_one_is_refused_on_its_field(admin_client):
    """Agents correct a ticket's category from a list by name and the reports count by it:
    "Damaged in transit" beside "damaged in transit" split one kind of complaint in two."""
    existing = ComplaintCategory.objects.first()
    typed = f" {existing.name.upper()} "
    empty_rules = {"rules-TOTAL_FORMS": "0", "rules-INITIAL_FORMS": "0",
                   "rules-MIN_NUM_FORMS": "0", "rules-MAX_NUM_FORMS": "1000"}
    page = admin_client.post("/admin/complaints/complaintcategory/add/",
                             {"code": "shouted", "name": typed, "position": "5", **empty_rules})
    assert page.status_code == 200
    assert "already has this name" in page.content.decode()
    assert not ComplaintCategory.objects.filter(code="shouted").exists()
    page = admin_client.post("/admin/complaints/complaintcategory/add/",
                             {"code": "sizing", "name": "Sizing", "position": "5", **empty_rules})
    assert page.status_code == 302

"""Compliance rules in admin: a pattern is compiled as it will run when the rule is saved,
and one that cannot be used is refused with the reason on the field."""

import json
from datetime import UTC, datetime

import pytest

from helpdesk.marketplaces.models import Channel
from helpdesk.replies.compliance import AttachmentFacts, ReplyFacts, compliance_check
from helpdesk.replies.models import ComplianceRule, ReplyTemplate

pytestmark = pytest.mark.django_db
ADD = "/admin/replies/compliancerule/add/"


def rule_post(name: str, patterns: list[str], language: str = "en") -> dict:
    return {"name": name, "kind": "pattern", "platform": "", "channel": "",
            "language": language, "severity": "block", "message": "Not allowed.",
            "params": json.dumps({"patterns": patterns}), "active": "on"}


@pytest.mark.parametrize(("pattern", "reason"), [
    (r"^(\w+\s?)+!", "repeats a group that itself repeats"),
    (r"(a|aa)+b", "exponential time"),
    ("(unclosed", "Not a valid regular expression"),
    # A stray | would block every reply.
    (r"\bbewert\w*|", "matches an empty text"),
    (r"(?R)", "exponential time"),  # recursion without end, on any text
    # Found in any text: every reply would be blocked.
    (".", "it matches any text"),
    (r"\S+", "it matches any text"),
])
def test_a_pattern_that_cannot_run_safely_is_refused_on_the_field(admin_client, pattern, reason):
    page = admin_client.post(ADD, rule_post("Shouting", [pattern]))
    html = page.content.decode()
    assert page.status_code == 200 and reason in html
    assert 'id="id_params_error"' in html  # on the field, where it was typed
    assert not ComplianceRule.objects.filter(name="Shouting").exists()


def test_a_stemmed_pattern_in_any_language_is_saved(admin_client):
    page = admin_client.post(ADD, rule_post(
        "Bewertung gegen Versandkosten", [r"\bversandkosten\w*[^.!?\n]{0,40}\bbewert\w*"],
        language=" DE "))
    assert page.status_code == 302
    rule = ComplianceRule.objects.get(name="Bewertung gegen Versandkosten")
    assert rule.language == "de"


def test_a_language_that_is_not_a_code_is_refused(admin_client):
    page = admin_client.post(ADD, rule_post("Deutsch", [r"\bbewert\w*"], language="Deutsch"))
    assert page.status_code == 200 and "two-letter language code" in page.content.decode()
    assert not ComplianceRule.objects.filter(name="Deutsch").exists()


def test_a_row_saved_around_the_form_shows_why_it_is_skipped(admin_client):
    ComplianceRule.objects.bulk_create([ComplianceRule(
        name="Imported", kind="pattern", message="x", params={"patterns": ["(unclosed"]})])
    html = admin_client.get("/admin/replies/compliancerule/", {"q": "Imported"}).content.decode()
    assert "Imported" in html and "Not a valid regular expression" in html


def template_post(*, default_language: str = "en", language: str = "ja") -> dict:
    return {"name": "Lieferung", "default_language": default_language, "active": "on",
            "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "0",
            "variants-MIN_NUM_FORMS": "1", "variants-MAX_NUM_FORMS": "1000",
            "variants-0-language": language, "variants-0-subject": "ご注文について",
            "variants-0-body": "{{ buyer.name }} 様"}


@pytest.mark.parametrize(("fields", "reason"), [
    # "jp" for Japanese: the Japanese buyer would have got the default variant instead.
    ({"language": "jp"}, "“jp” is no ISO 639-1 language code"),
    ({"language": "Japanese"}, "two-letter language code"),
    ({"default_language": "english"}, "two-letter language code"),
    ({"default_language": "dk"}, "“dk” is no ISO 639-1 language code"),
])
def test_a_template_language_that_is_no_language_is_refused_on_its_field(
    admin_client, fields, reason
):
    page = admin_client.post("/admin/replies/replytemplate/add/", template_post(**fields))
    assert page.status_code == 200 and reason in page.content.decode()
    assert not ReplyTemplate.objects.filter(name="Lieferung").exists()
    page = admin_client.post("/admin/replies/replytemplate/add/", template_post())
    assert page.status_code == 302
    assert ReplyTemplate.objects.get(name="Lieferung").variants.get().language == "ja"


@pytest.mark.parametrize("typed", ["LIEFERUNG", " lieferung ", "Liéferung", "Lieferung"])
def test_a_template_name_that_reads_as_an_existing_one_is_refused_on_its_field(
    admin_client, typed
):
    """Agents pick templates by name: "Lieferung" and "LIEFERUNG" were two templates that
    looked like one listed twice."""
    assert admin_client.post("/admin/replies/replytemplate/add/",
                             template_post()).status_code == 302
    page = admin_client.post("/admin/replies/replytemplate/add/",
                             {**template_post(), "name": typed})
    assert page.status_code == 200
    assert "The template &#x27;Lieferung&#x27; already has this name" in page.content.decode()
    assert ReplyTemplate.objects.filter(name__icontains="ferung").count() == 1
    mine = ReplyTemplate.objects.get(name="Lieferung")
    renamed = {**template_post(), "name": "LIEFERUNG", "variants-INITIAL_FORMS": "1",
               "variants-0-id": str(mine.variants.get().pk), "variants-0-template": str(mine.pk)}
    page = admin_client.post(f"/admin/replies/replytemplate/{mine.pk}/change/", renamed)
    assert page.status_code == 302  # its own name in other capitals is no clash


def test_a_nul_character_pasted_into_a_rules_parameters_is_refused_on_the_field(
    admin_client
):
    """PostgreSQL cannot store a NUL in JSON: saving the rule was a server error."""
    for params in ({"patterns": ["bewert\x00ung"]}, {"patterns": ["x"], "no\x00te": 1}):
        page = admin_client.post(ADD, {**rule_post("Pasted", ["x"]),
                                       "params": json.dumps(params)})
        html = page.content.decode()
        assert page.status_code == 200 and "Remove the NUL character (\\u0000)" in html
        assert 'id="id_params_error"' in html
    assert not ComplianceRule.objects.filter(name="Pasted").exists()


def test_a_compliance_rule_in_no_language_is_refused(admin_client):
    page = admin_client.post(ADD, rule_post("Japanisch", [r"レビュー"], language="jp"))
    assert page.status_code == 200 and "“jp” is no ISO 639-1" in page.content.decode()


def params_post(name: str, kind: str, params: dict) -> dict:
    return {**rule_post(name, []), "kind": kind, "params": json.dumps(params)}


@pytest.mark.parametrize(("kind", "params", "reason"), [
    # timedelta(days=10**10) overflowed: every seller-initiated reply's check failed.
    ("proactive_window", {"days": 10**10}, "'days' must be a whole number from 1 to 3650"),
    ("proactive_window", {"days": -5}, "'days' must be a whole number from 1 to 3650"),
    ("proactive_window", {"days": True}, "'days' must be given as a int"),
    ("thread_limit", {"max_seller_messages": 0}, "from 1 to 1000"),
    ("attachment_size", {"max_bytes": -1}, "'max_bytes' must be a whole number from 1"),
    # endswith() of numbers failed every reply with an attachment.
    ("attachment_type", {"allowed_types": ["application/pdf"], "allowed_extensions": [7]},
     "'allowed_extensions' must be a list of non-empty texts"),
    ("external_link", {"allowed_domains": [""]},
     "'allowed_domains' must be a list of non-empty texts"),
    ("phone_number", {"min_digits": 15, "max_digits": 7}, "must not be more than"),
    # A link, a wildcard or a bare ending among the domains: the carrier's links stayed
    # blocked, or every .com link passed.
    ("external_link", {"allowed_domains": ["amazon.de", "https://www.dhl.de/tracking"]},
     "“https://www.dhl.de/tracking” is not a domain"),
    ("external_link", {"allowed_domains": ["*.dhl.de"]}, "“*.dhl.de” is not a domain"),
    ("external_link", {"allowed_domains": ["com"]}, "“com” is not a domain"),
    ("email_address", {"allowed_domains": ["@mugshop.de"]}, "“@mugshop.de” is not a domain"),
])
def test_a_parameter_no_check_can_run_on_is_refused_on_the_field(
    admin_client, kind, params, reason
):
    page = admin_client.post(ADD, params_post("Odd", kind, params))
    html = page.content.decode()
    assert page.status_code == 200 and reason.replace("'", "&#x27;") in html
    assert not ComplianceRule.objects.filter(name="Odd").exists()


def test_such_a_parameter_saved_around_the_form_is_named_and_the_reply_still_checked():
    """Saved by a script, the overflowing window was a server error in the composer of
    every seller-initiated reply; now the rule is skipped with a warning naming it."""
    ComplianceRule.objects.bulk_create([
        ComplianceRule(name="Window typo", kind="proactive_window", message="x",
                       params={"days": 10**10}),
        ComplianceRule(name="Types typo", kind="attachment_type", message="x",
                       params={"allowed_types": ["image/png"], "allowed_extensions": [7]}),
    ])
    reply = ReplyFacts(subject="Your order", body="Hello, your order ships today.",
                       now=datetime(2026, 12, 1, tzinfo=UTC), proactive=True,
                       completed_at=datetime(2026, 11, 1, tzinfo=UTC),
                       attachments=(AttachmentFacts("photo.png", "image/png", 10),))
    found = compliance_check(facts=reply, channel=Channel.objects.get(code="amazon-com"))
    skipped = {f.rule: f.message for f in found if f.severity == "warn"}
    assert "from 1 to 3650" in skipped["Window typo"]
    assert "non-empty texts" in skipped["Types typo"]


@pytest.mark.parametrize("params", [
    "[" * 100_000 + "]" * 100_000,
    '{"patterns": ["kaputt"], "note": ' + "9" * 5000 + "}",
])
def test_parameters_json_cannot_read_are_refused_on_the_field(admin_client, params):
    """Nested past Python's recursion limit, or with a 5,000-digit number, the parameters
    were a server error instead of "Enter a valid JSON"."""
    page = admin_client.post(ADD, {**rule_post("Odd", []), "params": params})
    assert page.status_code == 200 and "Enter a valid JSON." in page.content.decode()
    assert not ComplianceRule.objects.filter(name="Odd").exists()


def test_an_allowed_domain_typed_in_capitals_or_with_a_root_dot_allows_its_links(admin_client):
    page = admin_client.post(ADD, {**params_post("Carrier", "external_link", {
        "allowed_domains": ["Amazon.DE", "dhl.de."]}), "language": ""})
    assert page.status_code == 302
    ComplianceRule.objects.exclude(name="Carrier").update(active=False)
    facts = ReplyFacts(subject="Re: Frage", body="https://www.dhl.de/de/privatkunden.html",
                       now=datetime.now(UTC), language="de")
    assert compliance_check(facts=facts, channel=Channel.objects.get(code="amazon-de")) == []


def test_a_domain_saved_around_the_form_is_applied_as_it_is():
    """A rule an existing install typed a link into is still applied (its links blocked),
    not skipped: the form refuses such a value, the check does not."""
    ComplianceRule.objects.filter(kind="external_link").update(
        params={"allowed_domains": ["amazon.de", "https://www.dhl.de"]})
    facts = ReplyFacts(subject="Re: Frage", body="Siehe https://mugshop.example/deckel",
                       now=datetime.now(UTC), language="de")
    found = compliance_check(facts=facts, channel=Channel.objects.get(code="amazon-de"))
    assert [f.rule for f in found] == ["Link that leads off the marketplace"]


def test_allowed_types_and_endings_typed_in_capitals_allow_their_files(admin_client):
    """An admin copies "Application/PDF" or ".PDF" from somewhere: every PDF was blocked."""
    page = admin_client.post(ADD, {**params_post("Files", "attachment_type", {
        "allowed_types": ["Application/PDF", " image/JPEG"],
        "allowed_extensions": [".PDF", ".Jpg "]}), "language": ""})
    assert page.status_code == 302
    ComplianceRule.objects.exclude(name="Files").update(active=False)
    facts = ReplyFacts(subject="Re: Frage", body="Anbei die Rechnung.", now=datetime.now(UTC),
                       language="de",
                       attachments=(AttachmentFacts("Rechnung.pdf", "application/pdf", 10),
                                    AttachmentFacts("FOTO.JPG", "image/jpeg", 10)))
    assert compliance_check(facts=facts, channel=Channel.objects.get(code="amazon-de")) == []

"""The multilingual compliance rules reach an install that has the earlier ones: a shipped
rule still as it was shipped gets the new patterns, one an admin edited is kept."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from helpdesk.replies.starter_rules import RULES, STARS_DE

BEFORE = [("replies", "0004_starter_templates_every_language")]
AFTER = [("replies", "0005_compliance_rules_per_language")]
SHIPPED_BEFORE = importlib.import_module(
    "helpdesk.replies.migrations.0005_compliance_rules_per_language").SHIPPED_BEFORE


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_new_rules_reach_an_existing_install():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("replies", "ComplianceRule")
    # The install as the earlier version left it: its pattern rules as they were shipped.
    old.objects.filter(kind="pattern").delete()
    for name, params in SHIPPED_BEFORE.items():
        old.objects.create(name=name, kind="pattern", message="as shipped", params=params,
                           language=name[-3:-1] if name.endswith(")") else "")
    old.objects.filter(name="Payment outside the marketplace (de)").update(
        params={"patterns": [r"\bvorkasse\b"]})  # an admin's edit

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("replies", "ComplianceRule")
    assert {"en", "de", "fr", "it", "es", "ja"} <= set(new.objects.values_list("language",
                                                                            flat=True))
    assert new.objects.get(name="Payment outside the marketplace (de)").params == {
        "patterns": [r"\bvorkasse\b"]}
    updated = new.objects.get(name="Positive review or feedback asked for, or a change to one (de)")
    assert updated.params != SHIPPED_BEFORE[updated.name]
    assert STARS_DE in updated.params["patterns"]
    assert updated.message.startswith("Wer um eine positive Bewertung bittet")
    assert new.objects.filter(name="Payment through a service outside the marketplace").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_french_and_japanese_review_words_reach_an_existing_install():
    before, after = AFTER, [("replies", "0006_review_words_fr_ja")]
    shipped_05 = importlib.import_module(
        "helpdesk.replies.migrations.0006_review_words_fr_ja").SHIPPED_BEFORE
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("replies", "ComplianceRule")
    for name, params in shipped_05.items():
        old.objects.filter(name=name).update(params=params)
    edited = "Reviews asked of happy buyers only (fr)"
    old.objects.filter(name=edited).update(params={"patterns": [r"\bsi vous aimez\b"]})

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("replies", "ComplianceRule")
    ja = new.objects.get(name="Positive review or feedback asked for, or a change to one (ja)")
    assert any("書いて" in pattern for pattern in ja.params["patterns"])
    assert new.objects.get(name=edited).params == {"patterns": [r"\bsi vous aimez\b"]}


# (migration before, migration that brings the rules up, a rule an admin edited, its patterns)
PATTERNS_BROUGHT_UP = {
    "star shapes are not ratings": (
        "0006_review_words_fr_ja", "0007_star_shapes_are_not_ratings",
        "Reviews asked of happy buyers only (de)", [r"\bwenn sie zufrieden\b"]),
    "graded stars are not ratings": (
        "0009_top_score_asked_for", "0010_graded_stars_are_not_ratings",
        "Positive review or feedback asked for, or a change to one (it)", [r"\b5 stelle\b"]),
}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("change", list(PATTERNS_BROUGHT_UP))
def test_new_patterns_reach_an_existing_install_and_an_admins_edit_stays(change):
    before_name, after_name, edited, edited_patterns = PATTERNS_BROUGHT_UP[change]
    before, after = [("replies", before_name)], [("replies", after_name)]
    shipped_before = importlib.import_module(
        f"helpdesk.replies.migrations.{after_name}").SHIPPED_BEFORE
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("replies", "ComplianceRule")
    for name, params in shipped_before.items():
        old.objects.filter(name=name).update(params=params)
    old.objects.filter(name=edited).update(params={"patterns": edited_patterns})

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("replies", "ComplianceRule")
    shipped_now = {name: params for name, _, _, _, _, params, *_ in RULES}
    for name in shipped_before.keys() - {edited}:
        assert new.objects.get(name=name).params == shipped_now[name] != shipped_before[name]
    assert new.objects.get(name=edited).params == {"patterns": edited_patterns}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_existing_install_lets_the_carriers_of_every_marketplace_be_linked():
    before, after = [("replies", "0007_star_shapes_are_not_ratings")], [
        ("replies", "0008_carriers_of_every_marketplace")]
    shipped_07 = importlib.import_module(
        "helpdesk.replies.migrations.0008_carriers_of_every_marketplace").SHIPPED_BEFORE
    link = "Link that leads off the marketplace"
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("replies", "ComplianceRule")
    old.objects.filter(name=link).update(params=shipped_07[link])
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("replies", "ComplianceRule")
    domains = new.objects.get(name=link).params["allowed_domains"]
    assert {"kuronekoyamato.co.jp", "brt.it", "seur.com", "chronopost.fr"} <= set(domains)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_link_rule_an_admin_changed_keeps_its_domains():
    before, after = [("replies", "0007_star_shapes_are_not_ratings")], [
        ("replies", "0008_carriers_of_every_marketplace")]
    link = "Link that leads off the marketplace"
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("replies", "ComplianceRule")
    old.objects.filter(name=link).update(params={"allowed_domains": ["amazon.de", "dhl.de"]})
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("replies", "ComplianceRule")
    assert new.objects.get(name=link).params == {"allowed_domains": ["amazon.de", "dhl.de"]}

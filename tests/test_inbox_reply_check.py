"""The composer's live compliance check: the reply's language picks the rules, a text longer
than the check reads is answered 413 with the reason, and a rule that cannot be applied is
named instead of holding the web worker."""

import pytest
from inbox_support import ticket_make

from helpdesk.replies.compliance import CHECK_MAX_CHARS
from helpdesk.replies.models import ComplianceRule

pytestmark = pytest.mark.django_db


def check(client, ticket, body: str, subject: str = "Re: your order", **extra):
    return client.post(f"/inbox/tickets/{ticket.pk}/reply/check/",
                       {"subject": subject, "body": body}, **extra)


def test_a_spanish_ticket_is_checked_by_the_spanish_rules(client, agent):
    ticket = ticket_make(language="es")  # a Spanish buyer
    html = check(client, ticket, "Déjenos una reseña de 5 estrellas, por favor.").content.decode()
    assert "Blocks sending" in html and "<mark>reseña de 5 estrellas</mark>" in html
    html = check(client, ticket, "Gracias por su feedback. Super feedback nos ayuda mucho."
                 ).content.decode()
    assert "No compliance findings" in html  # the German rule's "Super Feedback" stays out


def test_a_reply_too_long_to_check_is_answered_413_with_the_reason(client, agent):
    ticket = ticket_make()
    response = check(client, ticket, "Thanks. " + "x" * CHECK_MAX_CHARS)
    assert response.status_code == 413
    assert "too long to check" in response.content.decode()
    assert check(client, ticket, "Thanks. " + "x" * 1000).status_code == 200


def test_a_body_larger_than_any_reply_is_refused_before_it_is_read(client, agent):
    ticket = ticket_make()
    response = client.generic(
        "POST", f"/inbox/tickets/{ticket.pk}/reply/check/",
        data="body=" + "x" * (CHECK_MAX_CHARS * 13),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "too long to check" in response.content.decode()


def test_a_rule_saved_around_validation_does_not_pin_the_preview(client, agent):
    ComplianceRule.objects.bulk_create([
        # Refused by the admin; a row written straight to the table is skipped and named.
        ComplianceRule(name="Exclamation after words", kind="pattern", message="x",
                       params={"patterns": [r"^(\w+\s?)+!"]}),
        # Passes the admin's trial texts but backtracks without end on this reply: the
        # match's time budget stops it (without one this request would never return).
        ComplianceRule(name="Runaway on x", kind="pattern", message="x",
                       params={"patterns": [r"(x|xx)+y"]}),
    ])
    ticket = ticket_make()
    body = "a" * 33 + "! " + "x" * 80 + " Could you leave us a positive review?"
    response = check(client, ticket, body)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("could not be applied") == 2
    assert "“Exclamation after words” could not be applied" in html
    assert "“Runaway on x” could not be applied" in html
    assert "took longer than" in html  # the runaway one, stopped by its time budget
    assert "Blocks sending" in html and "<mark>positive review</mark>" in html

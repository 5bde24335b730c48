"""The shipped compliance rules: each fires on its examples and keeps quiet on near-misses,
in English and German; a block stops the reply unless a manager overrides with a reason."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from replies_support import BUYER, SELLER, buyer_ticket, rfc

from helpdesk.marketplaces.models import Channel
from helpdesk.replies.compliance import AttachmentFacts, ReplyFacts, compliance_check, reply_facts
from helpdesk.replies.errors import NOT_A_MANAGER, REASON_REQUIRED, ComplianceBlocked, ReplyError
from helpdesk.replies.models import ComplianceRule, Outbox
from helpdesk.replies.services import reply_send
from helpdesk.tickets.models import TimelineEvent

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
ORDER = "302-1234567-7654321"
MB = 1024 * 1024
POSITIVE_REVIEW_EN = "Positive review or feedback asked for, or a change to one (en)"
POSITIVE_REVIEW_DE = "Positive review or feedback asked for, or a change to one (de)"
INCENTIVE_EN = "Review or feedback in exchange for something (en)"
INCENTIVE_DE = "Review or feedback in exchange for something (de)"
HAPPY_EN = "Reviews asked of happy buyers only (en)"
HAPPY_DE = "Reviews asked of happy buyers only (de)"
LINK, EMAIL, PHONE = "Link that leads off the marketplace", "E-mail address", "Phone number"
MESSENGER = "Contact through a messenger or social network"
PAYMENT_EN = "Payment outside the marketplace (en)"
PAYMENT_DE = "Payment outside the marketplace (de)"

# (rule that must fire, reply text)
POSITIVES = [
    (POSITIVE_REVIEW_EN, "Could you leave us a positive review?"),
    (POSITIVE_REVIEW_EN, "We would really appreciate 5 stars."),
    (POSITIVE_REVIEW_EN, "Would you consider removing your negative feedback?"),
    (POSITIVE_REVIEW_EN, "Please update your review now that the problem is solved."),
    (POSITIVE_REVIEW_DE, "Wir würden uns über eine positive Bewertung freuen."),
    (POSITIVE_REVIEW_DE, "Eine 5-Sterne-Bewertung würde uns sehr helfen."),
    (POSITIVE_REVIEW_DE, "Wären Sie bereit, Ihre negative Bewertung zu entfernen?"),
    (POSITIVE_REVIEW_DE, "Bitte ändern Sie Ihre Bewertung, das Problem ist gelöst."),
    (INCENTIVE_EN, "We will send you a free mug in exchange for a review."),
    (INCENTIVE_EN, "You get a full refund if you remove your feedback."),
    (INCENTIVE_EN, "If you update your review, we will send you a discount code."),
    (INCENTIVE_EN, "Enjoy a gift card for your honest review."),
    (INCENTIVE_DE, "Sie erhalten einen Gutschein für eine ehrliche Bewertung."),
    (INCENTIVE_DE, "Wir erstatten den vollen Kaufpreis, wenn Sie Ihre Bewertung löschen."),
    (INCENTIVE_DE, "Wenn Sie Ihre Rezension überarbeiten, schicken wir Ihnen ein Geschenk."),
    (INCENTIVE_DE, "Im Austausch gegen eine Rezension erhalten Sie das Produkt gratis."),
    (HAPPY_EN, "If you are happy with the mug, we would love a review."),
    (HAPPY_EN, "If you're not happy, contact us instead of leaving feedback."),
    (HAPPY_DE, "Wenn Sie mit dem Becher zufrieden sind, freuen wir uns über eine Bewertung."),
    (HAPPY_DE, "Statt einer schlechten Bewertung kontaktieren Sie bitte zuerst uns."),
    (LINK, "Our full range is at https://mugshop.example/shop"),
    (LINK, "Visit www.mugshop-direct.com for spare lids."),
    (LINK, "Ersatzdeckel finden Sie auf mugshop.de im Shop."),
    (LINK, "Schauen Sie auf https://bit.ly/3xYz vorbei."),
    (EMAIL, "Write to us at info@mugshop.example any time."),
    (EMAIL, "Schreiben Sie direkt an service.team@mugshop.de."),
    (PHONE, "Call us on +1 415 555 0134."),
    (PHONE, "Our hotline: (555) 123-4567."),
    (PHONE, "Rufen Sie uns an: 030 12345678."),
    (PHONE, "Telefon 0800-123 45 67, Mo bis Fr."),
    (MESSENGER, "Send us a photo on WhatsApp."),
    (MESSENGER, "Schreiben Sie uns gerne über Instagram."),
    (PAYMENT_EN, "You can pay by PayPal to save fees."),
    (PAYMENT_EN, "Please send the difference by bank transfer."),
    (PAYMENT_DE, "Überweisen Sie den Betrag bitte auf unser Konto."),
    (PAYMENT_DE, "Die IBAN für die Zahlung lautet DE89 3704 0044 0532 0130 00."),
]
# Replies that come close and break no rule at all.
NEAR_MISSES = [
    "Thank you for your feedback about the lid; we will send a free replacement.",
    "We have updated the product description after your feedback.",
    "Thanks for updating us on the delivery, it helps.",
    "If you are not happy with the replacement, please let us know.",
    "If you have any questions about the refund, just reply to this message.",
    f"Your refund for order {ORDER} has been issued to your original payment method.",
    "You can follow the parcel at https://www.dhl.de/de/privatkunden/pakete-verfolgen.html",
    "Your order page on Amazon.co.uk shows the tracking: https://www.amazon.co.uk/gp/your-account",
    "The parcel has tracking number 00340434161094042557 and arrives on 24.12.2026.",
    "We refunded 1.234,56 € on 01.12.2026 for the mug (ASIN B01FCAWEYM), 2 pieces.",
    "Just reply to this message and we will help.",
    "Vielen Dank für Ihr Feedback. Wir haben die Erstattung veranlasst.",
    "Vielen Dank für Ihr Feedback, wir werden die Verpackung ändern.",
    "Wenn Sie nicht zufrieden sind, senden Sie den Artikel einfach zurück.",
    "Den Ersatz schicken wir Ihnen kostenlos zu.",
    "Die Erstattung erfolgt automatisch auf Ihr ursprüngliches Zahlungsmittel.",
    "Ihre Sendungsnummer lautet 0034 0434 1610 9404 2557, Zustellung bis 10115 Berlin.",
    "Den Stand sehen Sie unter https://www.amazon.de/gp/css/order-history bei Amazon.de.",
    f"Bestellung {ORDER}: Antworten Sie einfach auf diese Nachricht.",
]


def facts(body: str = "Thank you.", subject: str = f"Your order {ORDER}", **kw) -> ReplyFacts:
    return ReplyFacts(subject=subject, body=body, now=NOW, order_id=ORDER, **kw)


def fired(reply: ReplyFacts) -> list[str]:
    return [f.rule for f in compliance_check(facts=reply, channel=Channel.objects.get(
        code="amazon-de"))]


def test_every_shipped_rule_has_examples():
    names = {name for name, _ in POSITIVES} | {name for name, _, _ in FACT_CASES}
    assert names == set(ComplianceRule.objects.values_list("name", flat=True))


@pytest.mark.parametrize(("rule", "text"), POSITIVES)
def test_a_rule_fires_on_its_example(rule, text):
    assert rule in fired(facts(text))


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_a_near_miss_breaks_no_rule(text):
    assert fired(facts(text)) == []


def attachment(name: str, content_type: str, size: int = 200_000) -> tuple:
    return (AttachmentFacts(name, content_type, size),)


ORDER_MISSING = "Order ID missing in a seller-initiated message"
WINDOW = "Seller-initiated message more than 30 days after the order"
SIZE, TYPE = "Attachment over 10 MB", "Attachment that is not a document or an image"
THREAD = "Too many seller messages in one thread"
# (rule, facts that make it fire, near-miss facts): in English and German.
FACT_CASES = [
    (ORDER_MISSING, dict(subject="Your order", body="Your parcel has shipped.", proactive=True),
     dict(body=f"Your parcel for order {ORDER} has shipped.", proactive=True)),
    (ORDER_MISSING, dict(subject="Ihre Bestellung", body="Ihr Paket ist unterwegs.",
                         proactive=True),
     dict(body="Ihr Paket ist unterwegs.", subject="Ihre Nachricht")),  # a reply needs none
    (WINDOW, dict(body="How do you like the mug?", proactive=True,
                  completed_at=NOW - timedelta(days=31)),
     dict(body="How do you like the mug?", proactive=True, completed_at=NOW - timedelta(days=29))),
    (WINDOW, dict(body="Wie gefällt Ihnen der Becher?", proactive=True,
                  completed_at=NOW - timedelta(days=45)),
     dict(body="Wie gefällt Ihnen der Becher?", completed_at=NOW - timedelta(days=45))),
    (SIZE, dict(body="The invoice is attached.",
                attachments=attachment("invoice.pdf", "application/pdf", 10 * MB + 1)),
     dict(body="The invoice is attached.",
          attachments=attachment("invoice.pdf", "application/pdf", 10 * MB))),
    (SIZE, dict(body="Anbei das Foto.", attachments=attachment("foto.jpg", "image/jpeg", 12 * MB)),
     dict(body="Anbei das Foto.", attachments=attachment("foto.jpg", "image/jpeg", 3 * MB))),
    (TYPE, dict(body="The manual is attached.",
                attachments=attachment("manual.zip", "application/zip")),
     dict(body="The manual is attached.", attachments=attachment("manual.pdf", "application/pdf"))),
    (TYPE, dict(body="Anbei die Anleitung.",
                attachments=attachment("anleitung.pdf.exe", "application/pdf")),
     dict(body="Anbei die Rechnung.", attachments=attachment("rechnung.docx",
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
    (THREAD, dict(body="One more thing about your order.", seller_messages=5),
     dict(body="One more thing about your order.", seller_messages=4)),
    (THREAD, dict(body="Noch ein Hinweis zu Ihrer Bestellung.", seller_messages=7),
     dict(body="Noch ein Hinweis zu Ihrer Bestellung.", seller_messages=0)),
]


@pytest.mark.parametrize(("rule", "positive", "near_miss"), FACT_CASES)
def test_a_rule_on_the_threads_facts_fires_and_keeps_quiet(rule, positive, near_miss):
    assert rule in fired(facts(**positive))
    assert fired(facts(**near_miss)) == []


def test_a_rule_can_be_limited_to_a_marketplace():
    rule = ComplianceRule.objects.get(name=PAYMENT_EN)
    rule.channel = Channel.objects.get(code="amazon-com")
    rule.save()
    assert PAYMENT_EN not in fired(facts("Pay by PayPal."))


def test_replies_sent_outside_the_product_count_towards_the_thread_limit():
    from mails import build_mail

    from helpdesk.mail.services import mail_ingest

    ticket = buyer_ticket(when=NOW - timedelta(hours=10))
    for n in range(5):  # the seller's own mail client, copies from the Sent folder
        mail_ingest(raw=build_mail(
            sender=SELLER, to=BUYER, subject="Re: your order", body=f"Note {n}",
            message_id=f"<s{n}@example-seller.com>", date=rfc(NOW - timedelta(hours=9 - n)),
            headers={"In-Reply-To": "<b1@x>"},
        ), source="test")
    reply = reply_facts(ticket=ticket, subject="Re: your order", body="Another note.", now=NOW)
    assert reply.seller_messages == 5 and not reply.proactive
    assert THREAD in fired(reply)


@pytest.fixture
def people(django_user_model):
    agent = django_user_model.objects.create_user("agent1", email="agent1@example.test")
    manager = django_user_model.objects.create_user("boss", first_name="Mia", last_name="Boss")
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])
    return agent, manager


BLOCKED = "Thank you! Could you leave us a 5-star review?"


def test_a_blocked_reply_is_not_sent(people):
    agent, _ = people
    ticket = buyer_ticket()
    with pytest.raises(ComplianceBlocked) as blocked:
        reply_send(ticket=ticket, author=agent, subject="Re: your order", body=BLOCKED)
    assert POSITIVE_REVIEW_EN in [f.rule for f in blocked.value.findings]
    assert "5-star review" in str(blocked.value)
    assert not Outbox.objects.exists()


def test_an_agent_cannot_override(people):
    agent, _ = people
    ticket = buyer_ticket()
    with pytest.raises(ReplyError, match=NOT_A_MANAGER):
        reply_send(ticket=ticket, author=agent, subject="Re", body=BLOCKED,
                   override_reason="the buyer asked how to review")
    assert not Outbox.objects.exists()
    assert not TimelineEvent.objects.filter(kind="reply_override").exists()


def test_a_manager_overrides_with_a_reason_kept_on_the_timeline(people):
    _, manager = people
    ticket = buyer_ticket()
    with pytest.raises(ReplyError, match=REASON_REQUIRED):
        reply_send(ticket=ticket, author=manager, subject="Re", body=BLOCKED, override_reason=" ")
    outbox = reply_send(ticket=ticket, author=manager, subject="Re", body=BLOCKED,
                        override_reason="Buyer asked how to leave a review; wording checked")
    event = TimelineEvent.objects.get(ticket=ticket, kind="reply_override")
    assert event.actor == manager and event.data["outbox"] == outbox.pk
    assert event.text.startswith("Compliance override by Mia Boss")
    assert "Buyer asked how to leave a review" in event.text
    assert outbox.override_reason.startswith("Buyer asked")
    assert outbox.findings[0]["rule"] == POSITIVE_REVIEW_EN


def test_a_warning_does_not_stop_the_reply(people):
    agent, _ = people
    ticket = buyer_ticket()
    for n in range(5):
        reply_send(ticket=ticket, author=agent, subject="Re", body=f"Update {n} on your order.")
    sixth = reply_send(ticket=ticket, author=agent, subject="Re", body="One more update.")
    assert [f["severity"] for f in sixth.findings] == ["warn"]


def test_a_mail_client_reply_and_a_seller_central_reply_count_as_seller_messages(ingest_file):
    from helpdesk.tickets.models import Message

    first = ingest_file("amazon-com/leaking_mug_01_buyer.eml")
    for name in ["seller/leaking_mug_02_reply.eml", "amazon-com/leaking_mug_03_buyer_followup.eml",
                 "amazon-com/leaking_mug_04_reply_confirmation.eml"]:
        ingest_file(name)
    ticket = Message.objects.get(pk=first.message_pk).ticket
    reply = reply_facts(ticket=ticket, subject="Re", body="Thanks.", now=NOW)
    assert reply.seller_messages == 2

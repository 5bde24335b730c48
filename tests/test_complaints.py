"""Complaint categories: the shipped rules in each language, an agent's correction that
new mail does not undo, and the ASIN × category table of the reports page."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from inbox_support import queue_make, user_make
from reports_support import buyer_says, manager_make, ticket_at

from helpdesk.complaints.models import ComplaintRule, TicketComplaint
from helpdesk.complaints.services import matcher_forget, matcher_get, tickets_categorise
from helpdesk.marketplaces.models import Order, OrderItem
from helpdesk.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)


def category_of(words: str, language: str = "en", channel: str = "amazon-com") -> str:
    ticket = ticket_at(T0, words=words, language=language, channel=channel)
    return TicketComplaint.objects.get(ticket=ticket).category.code


@pytest.mark.parametrize(
    ("language", "words", "expected"),
    [
        ("en", "The travel mug leaks all over my bag.", "quality_defect"),
        ("en", "The box arrived crushed and the mug arrived broken.", "damaged_in_transit"),
        ("en", "My order has not arrived yet, where is my parcel?", "late_missing_delivery"),
        ("en", "Wrong colour, the picture shows blue.", "not_as_described"),
        ("en", "Someone hacked my account, I did not place this order.", "fraud_account"),
        ("en", "I want my money back, please send a return label.", "return_refund"),
        ("en", "Nobody answered my messages for a week.", "customer_service"),
        ("en", "Do you ship to Canada?", "other"),
        ("de", "Der Becher ist undicht und tropft.", "quality_defect"),
        ("de", "Das Paket ist kaputt angekommen, Transportschaden.", "damaged_in_transit"),
        ("de", "Meine Bestellung ist noch nicht angekommen.", "late_missing_delivery"),
        ("de", "Falsche Farbe geliefert.", "not_as_described"),
        ("de", "Ich möchte eine Rückerstattung.", "return_refund"),
        ("fr", "La tasse fuit, elle est défectueuse.", "quality_defect"),
        (
            "fr",
            "Je n'ai toujours pas reçu ma commande, où est mon colis ?",
            "late_missing_delivery",
        ),
        ("fr", "Le colis est arrivé cassé.", "damaged_in_transit"),
        ("it", "La tazza perde, è difettosa.", "quality_defect"),
        ("it", "Non ho ricevuto il pacco, è in ritardo.", "late_missing_delivery"),
        ("it", "Vorrei un rimborso.", "return_refund"),
        ("es", "La taza gotea, es defectuosa.", "quality_defect"),
        ("es", "No he recibido mi pedido, ¿dónde está mi paquete?", "late_missing_delivery"),
        ("es", "Quiero un reembolso.", "return_refund"),
        # Japanese: written without spaces, the keywords are found inside the sentence.
        ("ja", "商品が破損していました。", "damaged_in_transit"),
        ("ja", "タンブラーのふたから飲み物が漏れます。", "quality_defect"),
        ("ja", "注文した商品がまだ届いていません。荷物はどこですか？", "late_missing_delivery"),
        ("ja", "届いた商品は写真と違う色でした。", "not_as_described"),
        ("ja", "返金をお願いします。", "return_refund"),
        ("ja", "在庫はありますか？", "other"),
        # As buyers type: capitals, accents left off, umlauts written out, one word alone.
        ("fr", "LE COLIS EST ARRIVE ENDOMMAGÉ", "damaged_in_transit"),
        ("fr", "Ou est mon colis ?", "late_missing_delivery"),
        ("fr", "Merci pour votre retour rapide, la tasse est-elle compatible lave-vaisselle ?",
         "other"),
        ("fr", "Je souhaite retourner la tasse, pouvez-vous m'envoyer une étiquette de retour ?",
         "return_refund"),
        ("de", "Der Becher ist beschaedigt.", "damaged_in_transit"),
        ("de", "Ist der Becher aus rostfreiem Edelstahl?", "other"),
        ("de", "Der Deckel ist nach einer Woche verrostet.", "quality_defect"),
        ("en", "Is the lid rustproof?", "other"),
        ("de", "Ich moechte eine Rueckerstattung.", "return_refund"),
        ("de", "Falsche GRÖSSE, bitte umtauschen.", "not_as_described"),
        ("it", "Il vaso è ROTTO.", "quality_defect"),
        ("it", "La scatola è arrivata danneggiata.", "damaged_in_transit"),
        ("es", "El paquete llegó DAÑADO.", "damaged_in_transit"),
        ("es", "La taza esta danada.", "damaged_in_transit"),
        # Everyday phrasings that were counted as "Other".
        ("en", "My parcel didn't arrive.", "late_missing_delivery"),
        ("en", "The kettle won't turn on.", "quality_defect"),
        ("de", "Die Lieferung ist immer noch nicht da.", "late_missing_delivery"),
        ("de", "Die Farbe stimmt nicht.", "not_as_described"),
        ("de", "Der Becher lässt sich nicht einschalten.", "quality_defect"),
        ("de", "Ich will das zurückgeben.", "return_refund"),
        ("fr", "Le colis n'est jamais arrivé.", "late_missing_delivery"),
        ("fr", "Je n'ai pas encore reçu mon colis.", "late_missing_delivery"),
        ("fr", "Ce n'est pas la bonne taille.", "not_as_described"),
        ("fr", "Le mug est fêlé.", "quality_defect"),
        ("fr", "Le produit ne s’allume pas.", "quality_defect"),
        ("it", "Il pacco non è ancora arrivato.", "late_missing_delivery"),
        ("it", "Il pacco non è mai arrivato.", "late_missing_delivery"),
        ("it", "La taglia è sbagliata.", "not_as_described"),
        ("it", "Il prodotto non si accende.", "quality_defect"),
        ("it", "Voglio restituirlo.", "return_refund"),
        ("es", "El pedido nunca llegó.", "late_missing_delivery"),
        ("es", "Todavía no me ha llegado el pedido.", "late_missing_delivery"),
        ("es", "La talla es incorrecta.", "not_as_described"),
        ("es", "El color no es el de la foto.", "not_as_described"),
        ("es", "No enciende.", "quality_defect"),
        ("es", "Quiero devolverlo.", "return_refund"),
        ("es", "Quiero que me devuelvan el dinero.", "return_refund"),
        ("ja", "まだ商品が届いていません。", "late_missing_delivery"),
        ("ja", "サイズが合いません。", "not_as_described"),
        ("ja", "電源が入りません。", "quality_defect"),
        ("ja", "箱がへこんでいました。", "damaged_in_transit"),
    ],
)
def test_the_shipped_rules_in_each_language(language, words, expected):
    assert category_of(words, language) == expected


def test_the_rules_are_data_an_admin_edits():
    rule = ComplaintRule.objects.get(category__code="packaging", language="en")
    rule.keywords += "\nstyrofoam"
    rule.save()
    assert category_of("Styrofoam everywhere in my living room") == "packaging"


def test_notices_are_not_complaints():
    ticket = ticket_at(T0, kind="other", words="Your listing was updated.")
    assert not TicketComplaint.objects.filter(ticket=ticket).exists()


def test_the_whole_thread_decides_until_an_agent_corrects_it(client):
    queue = queue_make("Amazon", ["amazon-com"])
    agent = user_make("agent1", queues=[queue])
    ticket = ticket_at(T0, words="Where is my parcel?")
    assert ticket.complaint.category.code == "late_missing_delivery"
    buyer_says(
        ticket, T0 + timedelta(hours=1), words="It came, but it leaks. Leaking everywhere, broken."
    )
    ticket.complaint.refresh_from_db()
    assert ticket.complaint.category.code == "quality_defect"

    client.force_login(agent)
    page = client.get(f"/inbox/tickets/{ticket.pk}/").content.decode()
    assert 'name="category"' in page and "By the rules: leak, broken" in page
    response = client.post(f"/inbox/tickets/{ticket.pk}/category/", {"category": "packaging"})
    assert response.status_code == 302
    buyer_says(ticket, T0 + timedelta(hours=2), words="Still waiting for a refund, leaking mug.")
    complaint = TicketComplaint.objects.get(ticket=ticket)
    assert (complaint.category.code, complaint.source, complaint.corrected_by) == (
        "packaging",
        "agent",
        agent,
    )
    assert ticket.timeline.filter(kind="complaint_category", actor=agent).exists()
    assert "Set by an agent" in client.get(f"/inbox/tickets/{ticket.pk}/").content.decode()


def test_an_agent_cannot_categorise_another_queues_ticket(client):
    outsider = user_make("kauf", queues=[queue_make("Kaufland", ["kaufland-de"])])
    ticket = ticket_at(T0, words="It leaks")
    client.force_login(outsider)
    assert (
        client.post(f"/inbox/tickets/{ticket.pk}/category/", {"category": "packaging"}).status_code
        == 404
    )
    assert TicketComplaint.objects.get(ticket=ticket).category.code == "quality_defect"


def test_categorising_a_batch_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    tickets = [ticket_at(T0, words=w) for w in ["It leaks", "Never arrived", "Wrong size"] * 10]
    TicketComplaint.objects.all().delete()
    with django_assert_max_num_queries(6):
        tickets_categorise(tickets=Ticket.objects.filter(pk__in=[t.pk for t in tickets]))
    assert TicketComplaint.objects.count() == 30


def test_the_words_of_messages_just_stored_are_not_read_back(django_assert_num_queries):
    tickets = [ticket_at(T0, words=w) for w in ["It leaks", "Never arrived", "Wrong size"] * 4]
    TicketComplaint.objects.all().delete()
    matcher_forget()
    matcher_get()  # the rules read, and nothing remembered of any message
    written = list(Message.objects.filter(ticket__in=tickets))
    # The messages with their ticket's category, and the categories written: no third read.
    with django_assert_num_queries(2):
        tickets_categorise(tickets=tickets, written=written)
    assert sorted(TicketComplaint.objects.values_list("category__code", flat=True)) == sorted(
        ["quality_defect", "late_missing_delivery", "not_as_described"] * 4
    )


def test_the_report_shows_which_product_complaints_rise(client):
    order = Order.objects.create(order_id="111-0000000-0000001")
    OrderItem.objects.create(order=order, asin="B01FCAWEYM", title="Travel Mug 450 ml")
    now = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    # Last 30 days (2–31 Oct, Berlin) against the 30 before: leaks 3 → 11, delivery 2 → 1.
    for n in range(11):
        ticket_at(now - timedelta(days=1 + n), words="The mug leaks", asin="B01FCAWEYM")
    for n in range(3):
        ticket_at(now - timedelta(days=35 + n), words="It leaks!", asin="B01FCAWEYM")
    ticket_at(now - timedelta(days=2), words="Never arrived", asin="B01FCAWEYM")
    for n in range(2):
        ticket_at(now - timedelta(days=40 + n), words="Never arrived", asin="B01FCAWEYM")
    ticket_at(now - timedelta(days=3), words="Never arrived", asin="B0OTHER001")
    client.force_login(manager_make())
    with time_machine.travel(now, tick=False):
        response = client.get("/reports/?period=30")
        csv_text = client.get("/reports/csv/complaints/?period=30").content.decode("utf-8-sig")
    rows = [
        (r["asin"], r["category"], r["previous"], r["current"])
        for r in response.context["complaints"]
    ]
    assert rows[0] == ("B01FCAWEYM", "Quality or defect", 3, 11)
    assert rows[-1] == ("B01FCAWEYM", "Late or missing delivery", 2, 1)
    assert (
        "Travel Mug 450 ml" in response.content.decode() and "3 → 11" in response.content.decode()
    )
    assert "B01FCAWEYM,Travel Mug 450 ml,Quality or defect,3,11,8" in csv_text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_written_after_a_rolled_back_one_is_judged_by_its_own_words():
    # A batch that failed is rolled back; on SQLite the ids it used are given again to the
    # next messages (AUTOINCREMENT's counter rolls back too), whose words are other words.
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = ticket_at(T0, words="The box arrived crushed and the mug arrived broken.")
        assert TicketComplaint.objects.get(ticket=rolled_back).category.code == (
            "damaged_in_transit")
        raise RuntimeError("the batch failed")
    assert category_of("My order has not arrived yet, where is my parcel?") == (
        "late_missing_delivery")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_existing_install_gets_the_japanese_rules_and_keeps_an_admins_edit():
    executor = MigrationExecutor(connection)
    executor.migrate([("complaints", "0003_complaint_rule_language_choices")])
    apps = executor.loader.project_state(
        [("complaints", "0003_complaint_rule_language_choices")]).apps
    rule = apps.get_model("complaints", "ComplaintRule")
    # The install as the earlier version left it: no Japanese, "beschädigt" not on its own.
    rule.objects.filter(language="ja").delete()
    damaged = rule.objects.filter(category__code="damaged_in_transit")
    for language in ("de", "fr"):
        row = damaged.get(language=language)
        row.keywords = "\n".join(k for k in row.keywords.splitlines()
                                 if k not in ("beschädigt", "endommagé*"))
        row.save()
    damaged.filter(language="fr").update(keywords="colis abîmé")  # an admin's edit
    rule.objects.filter(category__code="return_refund", language="fr").update(
        keywords="rembours*\nretour*\nrenvoyer\néchange*")  # as shipped before

    executor = MigrationExecutor(connection)
    executor.migrate([("complaints", "0004_japanese_rules_and_damaged")])
    assert ComplaintRule.objects.filter(language="ja").count() == 8
    assert "beschädigt" in ComplaintRule.objects.get(
        category__code="damaged_in_transit", language="de").keyword_list()
    assert ComplaintRule.objects.get(
        category__code="damaged_in_transit", language="fr").keywords == "colis abîmé"
    assert "retour*" not in ComplaintRule.objects.get(
        category__code="return_refund", language="fr").keyword_list()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_existing_install_gets_the_everyday_phrases_and_keeps_an_admins_edit():
    everyday = importlib.import_module(
        "helpdesk.complaints.migrations.0005_everyday_phrases").ADDED
    before = [("complaints", "0004_japanese_rules_and_damaged")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    rule = executor.loader.project_state(before).apps.get_model("complaints", "ComplaintRule")
    # The install as the earlier version left it, one rule edited by its admin.
    for (code, language), added in everyday.items():
        row = rule.objects.get(category__code=code, language=language)
        row.keywords = "\n".join(k for k in row.keywords.splitlines() if k not in added)
        row.save()
    rule.objects.filter(category__code="quality_defect", language="fr").update(
        keywords="cassé\nfuit")

    executor = MigrationExecutor(connection)
    executor.migrate([("complaints", "0005_everyday_phrases")])
    assert "no me ha llegado" in ComplaintRule.objects.get(
        category__code="late_missing_delivery", language="es").keyword_list()
    assert "電源が入りません" in ComplaintRule.objects.get(
        category__code="quality_defect", language="ja").keyword_list()
    assert ComplaintRule.objects.get(
        category__code="quality_defect", language="fr").keywords == "cassé\nfuit"

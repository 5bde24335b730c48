"""Reading the buyer's own words between Amazon's marker lines (helpdesk/mail/recognise.py),
with the begin lines remembered per ruleset."""

import importlib
from datetime import UTC, datetime, timedelta
from email.header import Header

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from ingest_support import filed
from mails import MAIL_SERVERS, amazon_body, build_mail, buyer_message, mail_date

from helpdesk.complaints.models import TicketComplaint
from helpdesk.mail import recognise as recognising
from helpdesk.mail.default_rules import ORDER_ID_PATTERN
from helpdesk.mail.models import ExtractionPattern, RecognitionRule
from helpdesk.mail.parse import parse_mail
from helpdesk.mail.recognise import Ruleset, recognise
from helpdesk.mail.services import Outcome, mail_ingest
from helpdesk.replies.models import ReplyTemplate, ReplyTemplateVariant
from helpdesk.replies.services import variant_choose
from helpdesk.tickets.models import Message

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)
SHIPPED_BEFORE = importlib.import_module(
    "helpdesk.mail.migrations.0008_reply_copy_and_auto_reply_subjects").SHIPPED_BEFORE
ORDER_ID_BESIDE_WORDS = importlib.import_module(
    "helpdesk.mail.migrations.0011_order_id_beside_japanese_words")
NOTICE_SUBJECTS = importlib.import_module(
    "helpdesk.mail.migrations.0010_notice_subjects_every_language")

GERMAN = (
    "Bestellnummer 302-1234567-7654321\n\n"
    "------------- Anfang der Nachricht -------------\n\n"
    "{words}\n\n"
    "------------- Ende der Nachricht -------------\n"
)


def words_of(body: str, rules: Ruleset) -> tuple[str, str]:
    found = recognise(parse_mail(build_mail(body=body)), rules)
    return found.buyer_text, found.language


def test_the_words_are_the_same_when_the_remembered_lines_are_forgotten(monkeypatch):
    monkeypatch.setattr(recognising, "BEGINS_MEMO_MAX", 3)  # forgets every few lines
    rules = Ruleset()
    for n in range(4):
        assert words_of(amazon_body(f"Where is parcel {n}?"), rules) == (
            f"Where is parcel {n}?", "en")
        assert words_of(GERMAN.format(words=f"Wo ist Paket {n}?"), rules) == (
            f"Wo ist Paket {n}?", "de")
    assert len(rules.begins_memo) <= 3


# Amazon's marker lines in every language the product ships markers for, with a buyer's words.
EVERY_LANGUAGE = [
    ("en", "Begin message", "End message", "Where is my parcel?"),
    ("de", "Anfang der Nachricht", "Ende der Nachricht", "Wo ist mein Paket?"),
    ("fr", "Début du message", "Fin du message", "Où est mon colis ?"),
    ("it", "Inizio messaggio", "Fine messaggio", "Dov'è il mio pacco?"),
    ("es", "Iniciar mensaje", "Finalizar mensaje", "¿Dónde está mi paquete?"),
    ("ja", "メッセージはここから", "メッセージはここまで", "荷物はどこですか？"),
]


def test_every_shipped_language_is_read_the_same_from_memory_as_the_first_time():
    rules = Ruleset()
    bodies = [
        (f"Order 111-7366207-0755439\n\n------------- {begin} -------------\n\n{words}\n\n"
         f"------------- {end} -------------\nFor Your Information\n", words, language)
        for language, begin, end, words in EVERY_LANGUAGE
    ]
    for _ in range(2):  # the second time every marker line is remembered
        for body, words, language in bodies:
            assert words_of(body, rules) == (words, language)
    assert len(rules.begins_memo) > 0


def test_a_marker_line_quoted_inside_the_buyers_words_ends_them():
    # Outlook nests the earlier message, markers and all, under the buyer's new words.
    nested = amazon_body("Any news?\n\n" + amazon_body("Where is my parcel?"))
    words = words_of(nested, Ruleset())[0]
    assert words.startswith("Any news?")
    assert "Where is my parcel?" not in words


def test_a_begin_line_longer_than_the_remembered_ones_is_still_found():
    long_begin = "-" * 150 + " Begin message " + "-" * 150
    body = amazon_body("Hello there").replace("------------- Begin message -------------",
                                              long_begin)
    rules = Ruleset()
    assert words_of(body, rules)[0] == "Hello there"
    assert long_begin not in rules.begins_memo


def test_a_sender_address_too_long_to_be_one_still_files_the_mail_without_a_buyer(db):
    """An alias of 300 characters on the relay's domain: no reply could reach it and no
    buyer row can hold it (PostgreSQL quarantined the whole mail); the mail is filed and the
    ticket has no buyer, as for any mail of unknown sender."""
    raw = build_mail(message_id="<long-alias@x>", body=amazon_body("Where is my parcel?"),
                     sender=f'"Jo" <{"a" * 300}@marketplace.amazon.com>')
    result = mail_ingest(raw=raw, source="test")
    assert result.outcome == Outcome.STORED
    ticket = Message.objects.get(pk=result.message_pk).ticket
    assert ticket.buyer is None and ticket.order.order_id == "111-7366207-0755439"


def test_a_sellers_pattern_taking_a_value_too_long_for_an_order_id_leaves_the_mail_filed(db):
    """A seller's own pattern takes 300 digits as the order ID (or 300 letters as the ASIN):
    that is none, the next pattern is tried (here Amazon's, on the marker block), and the
    mail is filed; PostgreSQL refused the value and the mail was quarantined."""
    ExtractionPattern.objects.create(what="order_id", field="body", priority=1,
                                     pattern=r"Auftrag:\s*(?P<value>\S+)")
    ExtractionPattern.objects.create(what="asin", field="body", priority=1,
                                     pattern=r"Artikel:\s*(?P<value>\S+)")
    body = f"Auftrag: {'9' * 300}\nArtikel: {'B' * 300}\n" + amazon_body("Where is it?")
    result = mail_ingest(raw=build_mail(message_id="<long-value@x>", body=body), source="test")
    assert result.outcome == Outcome.STORED
    ticket = Message.objects.get(pk=result.message_pk).ticket
    assert ticket.order.order_id == "111-7366207-0755439" and ticket.asin == "B01FCAWEYM"


def test_a_japanese_buyers_full_width_order_id_and_name_are_read_as_amazon_writes_them(db):
    """Amazon.co.jp and its buyers write the order ID in full-width digits and dashes and the
    name with a full-width space: the ticket names the order (and so joins the order's
    other mail) and the buyer as ASCII digits and an ordinary space."""
    wide = "１１４－１２３４５６７－１２３４５６７"
    raw = build_mail(
        message_id="<jp-wide@x>", sender='"田中　太郎 - Amazon Marketplace" <t7q@marketplace.amazon.co.jp>',
        subject=f"商品についてのお問い合わせ（注文番号：{wide}）",
        body=(f"注文番号 {wide}:\n\n------------- メッセージはここから -------------\n\n"
              "箱が潰れて届きました。\n\n------------- メッセージはここまで -------------\n"),
    )
    first = mail_ingest(raw=raw, source="test")
    ticket = Message.objects.get(pk=first.message_pk).ticket
    assert ticket.order.order_id == "114-1234567-1234567"
    assert ticket.buyer.name == "田中 太郎" and ticket.language == "ja"
    follow = mail_ingest(raw=build_mail(
        message_id="<jp-ascii@x>", sender='"田中 太郎 - Amazon Marketplace" <t7q@marketplace.amazon.co.jp>',
        subject="Re: 注文 114-1234567-1234567", body="まだですか？",
        date="Mon, 05 Oct 2026 12:00:00 +0000"), source="test")
    assert not follow.ticket_created


def japanese_mail(*, subject: str, body: str, charset: str, message_id: str) -> bytes:
    """A mail as a Japanese mail program writes it: the body in the charset it picked
    (ISO-2022-JP, Shift_JIS), not UTF-8, and the subject an encoded word."""
    transfer = "7bit" if charset == "iso-2022-jp" else "8bit"
    head = (
        "From: =?utf-8?b?55Sw5Lit5aSq6YOO?= - Amazon Marketplace <t7q@marketplace.amazon.co.jp>\r\n"
        "To: support@example-seller.com\r\n"
        f"Subject: {Header(subject, 'utf-8').encode()}\r\nMessage-ID: {message_id}\r\n"
        "Date: Mon, 05 Oct 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="{charset}"\r\n'
        f"Content-Transfer-Encoding: {transfer}\r\n\r\n"
    )
    return head.encode("ascii") + body.replace("\n", "\r\n").encode(charset)


TYPED_ORDER_IDS = [
    "３０２ー１２３４５６７ー１２３４５６７",  # a kana-mode input method types ー for "-"
    "302ｰ1234567ｰ1234567",  # its half-width form
    "３０２−１２３４５６７−１２３４５６７",  # the minus sign
    "302‐1234567‐1234567",  # Unicode's hyphen
    "302–1234567–1234567",  # an en dash, as a word processor corrects "-"
    "302-1234567-1234567",  # ASCII, but straight after 注文番号 and before の
]


@pytest.mark.parametrize(("written", "charset"), [
    (written, charset) for written in TYPED_ORDER_IDS
    for charset in ("iso-2022-jp", "shift_jis", "utf-8")
    if written.encode(charset, errors="replace").decode(charset) == written
])
def test_a_japanese_buyers_order_id_typed_in_their_own_way_names_the_order(db, written,
                                                                             charset):
    """Japanese buyers type the order ID into their sentence, without spaces around it, and
    with whatever their input method makes of "-"; the ticket still names the order, so it
    joins the order's other mail and the agent sees which order it is."""
    body = ("------------- メッセージはここから -------------\n\n"
            f"注文番号{written}の商品がまだ届きません。\n\n"
            "------------- メッセージはここまで -------------\n")
    raw = japanese_mail(subject=f"注文番号{written}について", body=body, charset=charset,
                        message_id="<jp-typed@x>")
    ticket = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk).ticket
    assert ticket.order.order_id == "302-1234567-1234567"
    assert ticket.language == "ja" and "まだ届きません" in ticket.messages.get().buyer_text


def test_digits_around_a_long_vowel_mark_are_no_order_id_in_words():
    """Only between digits is ー a dash: "ケース" and "3ケース" stay as written."""
    fields = recognising.mail_fields(parse_mail(build_mail(body="ケースー3ケース 1−2")))
    assert "ケースー3ケース 1-2" in fields["body"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_existing_install_reads_order_ids_beside_japanese_words_unless_an_admin_changed_it():
    before, after = [("mail", "0010_notice_subjects_every_language")], [
        ("mail", "0011_order_id_beside_japanese_words")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    pattern = executor.loader.project_state(before).apps.get_model("mail", "ExtractionPattern")
    shipped = ORDER_ID_BESIDE_WORDS.SHIPPED_BEFORE
    pattern.objects.filter(what="order_id", platform="amazon").update(pattern=shipped)
    pattern.objects.filter(what="order_id", platform="amazon", field="body").update(
        pattern=r"Order ID:?\s*(?P<value>\d{3}-\d{7}-\d{7})")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    rows = dict(ExtractionPattern.objects.filter(what="order_id", platform="amazon")
                .values_list("field", "pattern"))
    assert rows == {"subject": ORDER_ID_PATTERN,
                    "body": r"Order ID:?\s*(?P<value>\d{3}-\d{7}-\d{7})"}


# A buyer answering from their mail program quotes the seller's reply under a header block in
# their own language; Amazon's relay removes the addresses from it.
QUOTED_REPLY = [
    ("fr", "Début du message", "Fin du message", "Merci, je garde la tasse.",
     "________________________________\nDe : MugShop GmbH - Amazon Marketplace "
     "<[e-mail address removed]>\nEnvoyé : lundi 16 novembre 2026 10:00\n"
     "À : Léa Martin\nObjet : RE: Demande\n\nBonjour Léa, nous vous remboursons."),
    ("de", "Anfang der Nachricht", "Ende der Nachricht", "Danke, passt so.",
     "Von: MugShop GmbH - Amazon Marketplace [mailto:[e-mail address removed]]\n"
     "Gesendet: Montag, 16. November 2026 10:00\nBetreff: AW: Frage\n\n"
     "Hallo Jonas, wir erstatten den Betrag."),
    ("it", "Inizio messaggio", "Fine messaggio", "Grazie, va bene.",
     "Da: MugShop GmbH <[e-mail address removed]>\nInviato: lunedì 16 novembre 2026 10:00\n"
     "Oggetto: R: Domanda\n\nGentile Giulia, la rimborsiamo."),
    ("es", "Iniciar mensaje", "Finalizar mensaje", "Gracias, perfecto.",
     "De: MugShop GmbH <[e-mail address removed]>\nEnviado el: lunes, 16 de noviembre de 2026"
     "\nAsunto: RE: Pregunta\n\nHola, Lucía: le devolvemos el importe."),
    ("ja", "メッセージはここから", "メッセージはここまで", "ありがとうございます。了解しました。",
     "差出人: Example Seller <[e-mail address removed]>\n送信日時: 2026年11月18日 10:00\n"
     "件名: RE: 商品について\n\n田中 太郎 様　ご返金いたします。"),
    ("ja", "メッセージはここから", "メッセージはここまで", "ありがとうございます。了解しました。",
     "2026年11月18日(水) 10:00 Example Seller <[e-mail address removed]>:\n\n"
     "田中 太郎 様　ご返金いたします。"),
]


@pytest.mark.parametrize(("language", "begin", "end", "own", "quoted"), QUOTED_REPLY)
def test_the_sellers_reply_quoted_by_the_buyers_mail_program_is_not_their_words(
    db, language, begin, end, own, quoted
):
    body = (f"Order ID 111-7366207-0755439\n\n------------- {begin} -------------\n\n"
            f"{own}\n\n{quoted}\n\n------------- {end} -------------\n")
    result = mail_ingest(raw=build_mail(message_id=f"<q-{language}@x>", body=body),
                         source="test")
    message = Message.objects.get(pk=result.message_pk)
    assert message.buyer_text == own and message.language == language
    assert quoted.splitlines()[-1] in message.quoted_text


@pytest.mark.parametrize(("tld", "subject"), [
    ("com", "Your e-mail to Jonas Weber"),
    ("de", "Ihre E-Mail an Jonas Weber"),
    ("fr", "Votre e-mail à Jonas Weber"),
    ("it", "La tua e-mail a Jonas Weber"),
    ("es", "Tu correo electrónico a Jonas Weber"),
])
def test_a_seller_central_copy_without_amazons_type_header_still_answers_the_buyer(
    db, tld, subject
):
    """Amazon's copy of a reply sent in Seller Central, in the marketplace's language, from a
    mailbox (or an older template) that does not carry the notification type header: the
    subject tells what it is, and the buyer's clock is met, not breached."""
    order = "302-1234567-7654321"
    copy = build_mail(
        message_id="<copy@x>", date=mail_date(T0 + timedelta(hours=2)), subject=subject,
        sender=f'"Amazon.{tld}" <donotreply@amazon.{tld}>',
        body=amazon_body("Wir haben es heute verschickt.", order_id=order),
        headers={"Authentication-Results": f"{MAIL_SERVERS[0]}; dkim=pass header.d=amazon.{tld}"},
    )
    ticket, = filed([[buyer_message(1, T0, alias="jw1", order=order, tld=tld), copy]])["tickets"]
    assert [m["kind"] for m in ticket["messages"]] == ["buyer_message", "reply_confirmation"]
    assert ticket["obligations"][0]["satisfied_at"] == "2026-10-05T12:00:00+00:00"


def test_a_japanese_buyers_out_of_office_starts_no_clock(db):
    auto = build_mail(
        message_id="<ooo-ja@x>", date=mail_date(T0),
        sender='"田中 太郎 - Amazon Marketplace" <t7q@marketplace.amazon.co.jp>',
        subject="自動応答: Amazonのお客様 田中 太郎 様からの配送に関するお問い合わせ",
        body="11月20日まで不在にしております。",
        headers={"X-Space-Notification-Type": "BBC_MESSAGE_SENT_TO_MERCHANT"},
    )
    ticket, = filed([[auto]])["tickets"]
    assert ticket["messages"][0]["auto"] and ticket["obligations"] == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_existing_install_learns_the_subjects_unless_an_admin_changed_the_rule():
    before, after = [("mail", "0007_rawmail_claimed_until")], [
        ("mail", "0008_reply_copy_and_auto_reply_subjects")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    rule = executor.loader.project_state(before).apps.get_model("mail", "RecognitionRule")
    for name, pattern in SHIPPED_BEFORE.items():
        rule.objects.filter(name=name).update(pattern=pattern)
    rule.objects.filter(name="Auto-reply subject").update(pattern=r"^(urlaub|vacances)")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert "correo electrónico" in RecognitionRule.objects.get(
        name="Amazon: reply confirmation subject").pattern
    assert RecognitionRule.objects.get(name="Auto-reply subject").pattern == r"^(urlaub|vacances)"


@pytest.mark.parametrize(("words", "language", "category"), [
    ("Hello, the mug arrived broken. I would like a refund.", "en", "damaged_in_transit"),
    ("Bonjour, le colis est arrivé cassé, je voudrais un remboursement.", "fr",
     "damaged_in_transit"),
    ("Danke!", "de", "other"),  # too short to tell: the markers' language
])
def test_a_buyer_writing_their_own_language_between_german_markers_is_read_in_it(
    db, words, language, category
):
    """Amazon.de's template is German whatever the buyer speaks: the buyer's own words tell
    their language, which the complaint keywords and the reply's template follow."""
    raw = build_mail(message_id="<own-language@x>", body=GERMAN.format(words=words),
                     sender='"Sam Lee - Amazon Marketplace" <sl9@marketplace.amazon.de>',
                     subject="Anfrage zur Lieferung von Amazon-Kunde Sam Lee "
                             "(Bestellung: 302-1234567-7654321)")
    ticket = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk).ticket
    assert ticket.language == language
    assert TicketComplaint.objects.get(ticket=ticket).category.code == category
    template = ReplyTemplate.objects.create(name="Any", default_language="de")
    for code in ("de", "en", "fr"):
        ReplyTemplateVariant.objects.create(template=template, language=code, subject="x",
                                            body="y")
    assert variant_choose(ticket=ticket, template=template).language == language


@pytest.mark.parametrize("header, language", [
    ("de_DE", "de"),                 # the locale's spelling, as some mail programs write it
    ("fr-CA, en", "fr"),
    ("  IT ", "it"),
    ("Deutsch", "en"),               # no language code: the marketplace's language
    ("x-" + "klingon" * 40, "en"),   # nothing the language column can hold
    ("zz", "en"),                    # a code no language has
])
def test_a_mail_programs_content_language_is_read_as_a_language_code(header, language):
    """Mail from outside the marketplace's relay says its language only in Content-Language:
    written as a locale or wrongly, the ticket still gets a language its replies and
    complaint keywords know, and the mail is filed."""
    # (Set after the body: the standard library drops Content-* headers it is given first.)
    raw = f"Content-Language: {header}\r\n".encode() + build_mail(
        message_id="<content-language@x>", sender="shopper@example.org", body="Bonjour")
    result = mail_ingest(raw=raw, source="test")
    assert result.outcome == Outcome.STORED
    assert Message.objects.get(pk=result.message_pk).ticket.language == language


ORDER = "302-1234567-7654321"
# Amazon's notices as each marketplace titles them, sent from an address of Amazon's that
# names no kind (donotreply@) and without the notification-type header (older templates,
# a forwarding mailbox that drops it): the subject alone tells what the mail is.
NOTICES_BY_SUBJECT = {
    "return_request": {
        "com": f"Return authorization request for order # {ORDER}",
        "de": f"Rücksendeanfrage für Bestellung {ORDER}",
        "fr": f"Demande de retour pour la commande {ORDER}",
        "it": f"Richiesta di reso per l'ordine {ORDER}",
        "es": f"Solicitud de devolución para el pedido {ORDER}",
        "co.jp": f"返品リクエスト：注文番号 {ORDER}",
    },
    "claim": {
        "com": f"Claim received on order {ORDER}",
        "de": f"A-bis-z-Garantieantrag für Bestellung {ORDER}",
        "fr": f"Réclamation au titre de la garantie A à Z reçue pour la commande {ORDER}",
        "it": f"Reclamo Garanzia dalla A alla Z ricevuto per l'ordine {ORDER}",
        "es": f"Reclamación de la Garantía de la A a la Z recibida para el pedido {ORDER}",
        "co.jp": f"Amazonマーケットプレイス保証の申請がありました（注文番号 {ORDER}）",
    },
    "chargeback": {
        "com": f"Chargeback notification for order {ORDER}",
        "de": f"Rückbuchung zu Bestellung {ORDER}",
        "fr": f"Rétrofacturation pour la commande {ORDER}",
        "it": f"Contestazione di addebito per l'ordine {ORDER}",
        "es": f"Contracargo para el pedido {ORDER}",
        "co.jp": f"チャージバックのお知らせ（注文番号 {ORDER}）",
    },
    "cancellation": {
        "com": f"Order cancellation request from Amazon customer Jo (Order: {ORDER})",
        "de": f"Stornierungsanfrage für Bestellung {ORDER}",
        "fr": f"Demande d'annulation pour la commande {ORDER}",
        "it": f"Richiesta di cancellazione per l'ordine {ORDER}",
        "es": f"Solicitud de cancelación del pedido {ORDER}",
        "co.jp": f"注文キャンセルリクエスト（注文番号 {ORDER}）",
    },
    "feedback": {
        "com": f"Negative feedback received for order {ORDER}",
        "de": f"Negative Bewertung zu Bestellung {ORDER}",
        "fr": f"Évaluation négative pour la commande {ORDER}",
        "it": f"Feedback negativo per l'ordine {ORDER}",
        "es": f"Valoración negativa del pedido {ORDER}",
        "co.jp": f"低い評価が投稿されました（注文番号 {ORDER}）",
    },
}


def amazons_notice(tld: str, subject: str) -> bytes:
    return build_mail(
        message_id=f"<notice-{tld}@x>", date=mail_date(T0), subject=subject,
        sender=f'"Amazon.{tld}" <donotreply@amazon.{tld}>', body=f"Order {ORDER}.",
        headers={"Authentication-Results": f"{MAIL_SERVERS[0]}; dkim=pass header.d=amazon.{tld}"},
    )


@pytest.mark.parametrize(("kind", "tld", "subject"), [
    (kind, tld, subject) for kind, subjects in NOTICES_BY_SUBJECT.items()
    for tld, subject in subjects.items()
])
def test_amazons_notices_are_known_by_their_subject_in_every_shipped_language(
    db, kind, tld, subject
):
    ticket, = filed([[amazons_notice(tld, subject)]])["tickets"]
    assert ticket["messages"][0]["kind"] == kind


@pytest.mark.parametrize(("tld", "subject"), [
    ("co.jp", NOTICES_BY_SUBJECT["claim"]["co.jp"]),
    ("fr", NOTICES_BY_SUBJECT["claim"]["fr"]),
])
def test_a_claim_known_by_its_subject_gets_the_claims_three_days(db, tld, subject):
    ticket, = filed([[amazons_notice(tld, subject)]])["tickets"]
    clock, = ticket["obligations"]
    assert (clock["kind"], clock["due_at"]) == ("claim", "2026-10-08T10:00:00+00:00")


@pytest.mark.parametrize("subject", [
    f"Re: About your A-to-z claim on order {ORDER}",
    f"RE: Return request for order {ORDER}",
    f"Aw: Ihre Rücksendeanfrage zu Bestellung {ORDER}",
    f"R: Reclamo Garanzia dalla A alla Z per l'ordine {ORDER}",
    f"Re: Chargeback on order {ORDER}",
    f"Re: Negative feedback on order {ORDER}",
    f"Re: Refund issued for order {ORDER}",
    "Re: Your message to Jo Doe",
])
def test_a_buyer_writing_about_a_claim_or_a_return_is_still_a_message_on_the_24_h_clock(
    db, subject
):
    """A buyer answers the seller's "About your A-to-z claim" through Amazon's relay, or
    writes "Return request" in the subject: the notices themselves only ever come from
    Amazon's own addresses, so this is a message, and it must be answered within 24 h, not
    left for the claim's three days."""
    mail = build_mail(
        message_id="<buyer@x>", date=mail_date(T0), subject=subject,
        sender='"Jo Doe - Amazon Marketplace" <jo1@marketplace.amazon.com>',
        body=amazon_body("I still want my money back.", order_id=ORDER),
    )
    ticket, = filed([[mail]])["tickets"]
    assert ticket["messages"][0]["kind"] == "buyer_message"
    clock, = ticket["obligations"]
    assert (clock["kind"], clock["due_at"]) == ("buyer_reply", "2026-10-06T10:00:00+00:00")


def test_a_rule_an_admin_writes_on_the_relay_address_still_decides_the_kind(db):
    RecognitionRule.objects.create(
        name="Returns alias", platform="amazon", field="from", pattern=r"^returns-",
        message_kind="return_request", priority=1)
    mail = build_mail(
        message_id="<r@x>", date=mail_date(T0), subject=f"Question (Order: {ORDER})",
        sender='"Jo Doe - Amazon Marketplace" <returns-jo1@marketplace.amazon.com>',
        body=amazon_body("Please take it back.", order_id=ORDER),
    )
    ticket, = filed([[mail]])["tickets"]
    assert ticket["messages"][0]["kind"] == "return_request"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_existing_install_learns_the_notice_subjects_but_keeps_an_admins_edit_and_deletion():
    before, after = [("mail", "0009_mailbox_server_checked")], [
        ("mail", "0010_notice_subjects_every_language")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    rule = executor.loader.project_state(before).apps.get_model("mail", "RecognitionRule")
    for name, pattern in NOTICE_SUBJECTS.SHIPPED_BEFORE.items():
        rule.objects.filter(name=name).update(pattern=pattern)
    rule.objects.filter(name__in=NOTICE_SUBJECTS.ADDED).delete()
    rule.objects.filter(name="Amazon: refund notice subject").update(pattern=r"refund")
    rule.objects.filter(name="Amazon: claim subject (de)").delete()
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert "チャージバック" in RecognitionRule.objects.get(name="Amazon: chargeback subject").pattern
    assert set(NOTICE_SUBJECTS.ADDED) <= set(RecognitionRule.objects.values_list("name",
                                                                                flat=True))
    assert RecognitionRule.objects.get(name="Amazon: refund notice subject").pattern == "refund"
    assert not RecognitionRule.objects.filter(name="Amazon: claim subject (de)").exists()


@pytest.mark.parametrize(("subject", "kind"), [
    (f"Demande d’annulation pour la commande {ORDER}", "cancellation"),
    (f"Demande d’autorisation de retour pour la commande {ORDER}", "return_request"),
    (f"Richiesta di autorizzazione al reso per l’ordine {ORDER}", "return_request"),
])
def test_a_notice_subject_written_with_a_typographic_apostrophe_is_known(db, subject, kind):
    """French and Italian subjects are written with ’ as often as with ': the rules, written
    with ', read both."""
    ticket, = filed([[amazons_notice("fr", subject)]])["tickets"]
    assert ticket["messages"][0]["kind"] == kind

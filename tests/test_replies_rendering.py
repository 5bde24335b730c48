"""Reply templates: the sandbox, missing values, the buyer's words kept literal, the language
variant, the buyer's locale, validation on save, the starter set and the admin preview."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from replies_support import buyer_ticket, made_ticket

from helpdesk.replies.context import reply_context
from helpdesk.replies.errors import NO_VARIANT
from helpdesk.replies.models import Outbox, ReplyTemplate, ReplyTemplateVariant
from helpdesk.replies.rendering import (
    MISSING_HINTS,
    WRITES_NOTHING,
    RenderError,
    date_format,
    locale_for,
    money_format,
    template_problems,
    template_render,
)
from helpdesk.replies.services import reply_compose, reply_send
from helpdesk.replies.starter_templates import LANGUAGES, TEMPLATES

pytestmark = pytest.mark.django_db

ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{{ c }}{% endfor %}",
    "{% for c in ticket.id.__class__.__base__.__subclasses__() %}{{ c.__name__ }}{% endfor %}",
    "{{ ''|attr('__class__') }}",
    "{{ '{0.__class__}'.format(buyer) }}",
    "{{ buyer._values }}",
    "{{ settings.SECRET_KEY }}",
    "{{ buyer.settings.SECRET_KEY }}",
    "{{ lipsum.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
]


def template(name: str = "T", default: str = "en", **variants: tuple[str, str]) -> ReplyTemplate:
    tpl = ReplyTemplate.objects.create(name=name, default_language=default)
    for language, (subject, body) in variants.items():
        ReplyTemplateVariant.objects.create(
            template=tpl, language=language, subject=subject, body=body
        )
    return tpl


@pytest.mark.parametrize("source", ESCAPES)
def test_sandbox_escapes_are_refused_on_save_and_at_render(source):
    ticket = made_ticket()
    locale = locale_for("de", "amazon.de")
    context = reply_context(ticket=ticket, author=None, locale=locale)
    with pytest.raises(RenderError) as refused:
        template_render(source, context, locale=locale)
    assert "<class" not in str(refused.value)
    assert template_problems(source)  # and the admin refuses to save it


def test_a_missing_value_stops_the_send_with_a_clear_message(django_user_model):
    ticket = made_ticket(delivered_at=None)
    tpl = template(de=("Lieferung", "Zugestellt am {{ order.delivery_date }}."))
    with pytest.raises(RenderError) as stopped:
        reply_compose(ticket=ticket, template=tpl, author=None)
    assert str(stopped.value) == MISSING_HINTS["order.delivery_date"] + " Nothing was sent."
    assert not Outbox.objects.exists()


def test_without_the_buyers_name_there_is_no_empty_greeting():
    ticket = made_ticket(name="")
    tpl = template(de=("Hallo", "Hallo {{ buyer.first_name }},\n\ndanke."))
    with pytest.raises(RenderError) as stopped:
        reply_compose(ticket=ticket, template=tpl, author=None)
    assert "buyer's name is not known" in str(stopped.value)


@pytest.mark.parametrize(("channel", "name", "greeting"), [
    ("amazon-co-uk", "Mr J Smith", "Hello Mr J Smith,"),
    ("amazon-co-uk", "Mrs. Sarah Jones", "Hello Mrs. Sarah Jones,"),
    ("amazon-co-uk", "J. Smith", "Hello J. Smith,"),
    ("amazon-co-uk", "Sarah Jones", "Hello Sarah,"),
    ("amazon-de", "Frau Schmidt", "Hallo Frau Schmidt,"),
    ("amazon-de", "Herr Dr. Jonas Weber", "Hallo Herr Dr. Jonas Weber,"),
    ("amazon-fr", "Mme Léa Martin", "Bonjour Mme Léa Martin,"),
    ("amazon-fr", "M. Dupont", "Bonjour M. Dupont,"),
    ("amazon-it", "Sig.ra Giulia Rossi", "Gentile Sig.ra Giulia Rossi,"),
    ("amazon-es", "Sra. García", "Hola, Sra. García:"),
    ("amazon-es", "Lucía Fernández", "Hola, Lucía:"),
])
def test_a_name_that_begins_with_a_title_or_an_initial_is_greeted_whole(
    django_user_model, channel, name, greeting
):
    """Amazon gives the name the buyer typed into the address: the starter greetings wrote
    "Hello Mr," and "Hallo Frau," to such buyers."""
    language = {"amazon-co-uk": "en", "amazon-de": "de", "amazon-fr": "fr", "amazon-it": "it",
                "amazon-es": "es"}[channel]
    ticket = made_ticket(channel=channel, language=language, name=name)
    starter = ReplyTemplate.objects.get(name=TEMPLATES[0][0])
    agent = django_user_model.objects.create(username="kim", first_name="Kim")
    draft = reply_compose(ticket=ticket, template=starter, author=agent)
    assert draft.body.startswith(greeting + "\n")


def test_an_empty_or_none_value_is_never_written():
    ticket = made_ticket()
    locale = locale_for("de")
    context = reply_context(ticket=ticket, author=None, locale=locale)
    for source in ["Hallo {{ '' }},", "Hallo {{ none }},", "Hallo {{ buyer }},"]:
        with pytest.raises(RenderError):
            template_render(source, {**context, "none": None}, locale=locale)


def test_a_ticket_without_an_order_says_so():
    ticket = made_ticket(order=False)
    tpl = template(de=("Bestellung {{ order.id }}", "Text"))
    with pytest.raises(RenderError, match="This ticket has no order"):
        reply_compose(ticket=ticket, template=tpl, author=None)


def test_the_buyers_template_syntax_is_shown_literally_never_evaluated(ingest_file):
    result = ingest_file("amazon-com/template_injection_literal.eml")
    from helpdesk.tickets.models import Message

    ticket = Message.objects.get(pk=result.message_pk).ticket
    tpl = template(en=("Re: {{ ticket.subject }}", 'You wrote: "{{ ticket.buyer_text }}"'))
    draft = reply_compose(ticket=ticket, template=tpl, author=None)
    assert "{{ 7*7 }}" in draft.body and "49" not in draft.body
    # The literal text is not taken for a leftover placeholder: it may be sent.
    outbox = reply_send(ticket=ticket, author=None, subject=draft.subject, body=draft.body)
    assert "{{ 7*7 }}" in outbox.body


def test_an_agents_leftover_placeholder_is_refused():
    from helpdesk.replies.errors import ReplyError

    ticket = buyer_ticket()
    with pytest.raises(ReplyError, match=r"\{\{ buyer.first_name \}\}"):
        reply_send(ticket=ticket, author=None, subject="Hi", body="Hi {{ buyer.first_name }}")


@pytest.mark.parametrize(("channel", "buyer_language", "expected"), [
    ("amazon-com", "de", "de"),  # the buyer's language first
    ("amazon-de", "fr", "de"),   # no French variant: the marketplace's
    ("amazon-fr", "fr", "en"),   # neither: the template's default
    ("amazon-de", "", "de"),
])
def test_the_language_variant_follows_buyer_then_marketplace_then_default(
    channel, buyer_language, expected
):
    ticket = made_ticket(channel=channel, language=buyer_language)
    tpl = template(en=("Hello", "Hello {{ buyer.first_name }}"),
                   de=("Hallo", "Hallo {{ buyer.first_name }}"))
    draft = reply_compose(ticket=ticket, template=tpl, author=None)
    assert draft.language == expected
    assert draft.body == {"en": "Hello Jana", "de": "Hallo Jana"}[expected]


def test_a_template_without_a_fitting_variant_says_which_languages_it_tried():
    tpl = template(default="it", en=("Hello", "Hello"))
    with pytest.raises(RenderError) as stopped:
        reply_compose(ticket=made_ticket(channel="amazon-de", language="fr"), template=tpl,
                      author=None)
    assert str(stopped.value) == NO_VARIANT.format(template="T", languages="fr, de, it")


def test_dates_and_money_in_the_buyers_locale():
    de, us, uk = locale_for("de", "amazon.de"), locale_for("en", "amazon.com"), locale_for(
        "en", "amazon.co.uk")
    assert date_format(date(2026, 12, 24), locale=de) == "24.12.2026"
    assert date_format(date(2026, 12, 24), locale=us) == "Dec 24, 2026"
    assert date_format(date(2026, 12, 24), locale=uk) == "24 Dec 2026"
    assert money_format(Decimal("1234.56"), "EUR", locale=de) == "1.234,56\xa0€"
    assert money_format(Decimal("1234.56"), "USD", locale=us) == "$1,234.56"
    # A time is a date where the buyer lives: 23:30 UTC is already the 25th in Berlin.
    late = datetime(2026, 12, 24, 23, 30, tzinfo=UTC)
    assert date_format(late, locale=de, tz="Europe/Berlin") == "25.12.2026"


def test_a_rendered_reply_uses_the_buyers_locale():
    ticket = made_ticket(delivered_at=datetime(2026, 12, 24, 10, 0, tzinfo=UTC))
    body = "Zugestellt am {{ order.delivery_date }}, Betrag {{ 1234.56|money('EUR') }}"
    tpl = template(de=("Bestellung {{ order.id }}", body))
    draft = reply_compose(ticket=ticket, template=tpl, author=None)
    assert draft.body == "Zugestellt am 24.12.2026, Betrag 1.234,56\xa0€"


def test_saving_checks_syntax_and_variables_and_names_the_field():
    tpl = ReplyTemplate.objects.create(name="Broken")
    variant = ReplyTemplateVariant(template=tpl, language="en",
                                   subject="Hi {{ buyer.frist_name }}", body="{% if %}")
    with pytest.raises(ValidationError) as invalid:
        variant.full_clean()
    errors = invalid.value.message_dict
    assert errors["subject"] == [
        "Line 1: buyer has no 'frist_name'. Available: first_name, name."
    ]
    assert errors["body"][0].startswith("Line 1:")
    variant.body = "{{ customer.name }}"
    variant.subject = "Hi"
    with pytest.raises(ValidationError, match="Unknown variable 'customer'"):
        variant.full_clean()


MARKETPLACE_OF = {"en": "amazon-com", "de": "amazon-de", "fr": "amazon-fr", "it": "amazon-it",
                  "es": "amazon-es", "ja": "amazon-co-jp"}
# How each language greets the buyer: by first name, in Japanese by full name and 様.
GREETING = {"en": "Hello Jana,", "de": "Hallo Jana,", "fr": "Bonjour Jana,",
            "it": "Gentile Jana,", "es": "Hola, Jana:", "ja": "Jana Beispiel 様"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", [t[0] for t in TEMPLATES])
def test_the_starter_templates_render_and_pass_the_compliance_check(
    name, language, django_user_model
):
    agent = django_user_model.objects.create_user("anna", first_name="Anna", last_name="Agent")
    delivered = datetime(2026, 3, 2, 12, tzinfo=UTC)
    ticket = made_ticket(channel=MARKETPLACE_OF[language], language=language,
                         delivered_at=delivered)
    buyer_ticket_message(ticket)
    template = ReplyTemplate.objects.get(name=name)
    draft = reply_compose(ticket=ticket, template=template, author=agent)
    assert draft.language == language and not draft.fallback
    assert draft.body.startswith(GREETING[language])
    assert "None" not in draft.body and "{{" not in draft.body and "{%" not in draft.body
    assert draft.body.endswith("\nAnna Agent")
    assert ticket.order.order_id in draft.subject  # every one names the order
    assert draft.findings == []


def test_the_starter_languages_reach_an_install_that_had_english_and_german_only():
    from helpdesk.replies.starter_templates import variants_install

    kept = ReplyTemplate.objects.get(name="Damaged item")
    kept.variants.exclude(language__in=["en", "de"]).delete()
    kept.variants.filter(language="de").update(body="Hallo {{ buyer.first_name }}, eigener Text.")
    ReplyTemplate.objects.filter(name="Refund issued").delete()  # the seller removed it
    ReplyTemplateVariant.objects.exclude(language__in=["en", "de"]).delete()
    added = variants_install()
    assert added == 4 * (len(TEMPLATES) - 1)
    assert set(kept.variants.values_list("language", flat=True)) == set(LANGUAGES)
    assert kept.variants.get(language="de").body == "Hallo {{ buyer.first_name }}, eigener Text."
    assert not ReplyTemplate.objects.filter(name="Refund issued").exists()
    assert variants_install() == 0


@pytest.mark.parametrize("buyer_language,channel,used,fallback", [
    ("fr", "amazon-fr", "fr", False),
    ("ja", "amazon-co-jp", "ja", False),
    ("es", "amazon-de", "es", False),  # the buyer's language before the marketplace's
    ("pt", "amazon-es", "es", True),   # no Portuguese: the marketplace's, and it says so
    ("nl", "amazon-fr", "fr", True),
])
def test_the_picker_gives_the_buyers_language_then_the_marketplaces_and_says_so(
    buyer_language, channel, used, fallback, django_user_model
):
    agent = django_user_model.objects.create_user("anna", first_name="Anna")
    ticket = made_ticket(channel=channel, language=buyer_language)
    buyer_ticket_message(ticket)
    draft = reply_compose(ticket=ticket, template=ReplyTemplate.objects.get(
        name="Where is my order"), author=agent)
    assert (draft.language, draft.fallback) == (used, fallback)
    assert draft.wanted_language == buyer_language


def buyer_ticket_message(ticket) -> None:
    """The buyer wrote first: the reply is not seller-initiated."""
    from django.utils import timezone

    from helpdesk.tickets.services import NewMessage
    from helpdesk.tickets.writing import message_add

    message_add(ticket=ticket, new=NewMessage(
        direction="in", kind="buyer_message", is_auto=False, sent_at=timezone.now(),
        received_at=timezone.now(), from_address=ticket.buyer.alias, buyer_text="Hallo?",
    ))


def test_the_admin_previews_a_template_against_a_chosen_ticket(admin_client):
    ticket = made_ticket()
    tpl = ReplyTemplate.objects.get(name="Damaged item")
    url = f"/admin/replies/replytemplate/{tpl.pk}/preview/"
    page = admin_client.get(url, {"ticket": ticket.pk}).content.decode()
    assert "Hallo Jana" in page and "Thermobecher" in page
    nameless = made_ticket(name="")
    page = admin_client.get(url, {"ticket": nameless.pk}).content.decode()
    assert "name is not known" in page
    assert "no ticket with this number" in admin_client.get(url, {"ticket": 99999}).content.decode()


def test_the_admin_shows_a_template_error_on_the_field(admin_client):
    page = admin_client.post("/admin/replies/replytemplate/add/", {
        "name": "Broken", "default_language": "en", "active": "on",
        "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "1", "variants-MAX_NUM_FORMS": "1000",
        "variants-0-language": "en", "variants-0-subject": "Hi {{ buyer.frist_name }}",
        "variants-0-body": "Hello {% if %}",
    })
    assert page.status_code == 200  # not saved: the form comes back with the errors
    html = page.content.decode()
    assert "buyer has no &#x27;frist_name&#x27;" in html and "Line 1:" in html
    assert not ReplyTemplate.objects.filter(name="Broken").exists()


@pytest.mark.parametrize(("body", "reason"), [
    # A German or French admin writes the amount as at home, or with its currency sign.
    ("Wir erstatten {{ '4,99'|money }}.", "money needs an amount written as a number"),
    ("Nous remboursons {{ '12.50 €'|money }}.", "money needs an amount written as a number"),
    ("Refund: {{ 'nan'|money }}", "money needs an amount written as a number"),
    ("Refund: {{ 12.5|money('€') }}", "money needs a currency code such as EUR"),
    ("Refund: {{ 12.5|money('') }}", "money needs a currency code such as EUR"),
    # Read as infinity, which Jinja compiled into the bare name `inf`: a server error.
    ("Ticket {{ 1e400 + ticket.id }}", "a number too large to write"),
    # A filter for mappings on a group of values: a server error too.
    ("Hello {{ buyer|dictsort }}", "A filter was used on something it cannot read"),
    ("Hello {{ ticket.id / 0 }}", "division by zero"),
    ("Hello {{ ticket.subject|truncate(-1) }}", "A filter was given a value it cannot use"),
    ("Refund: {{ 1e308 * 10 }}", "a number too large for a reply"),
])
def test_a_template_that_fails_for_every_ticket_is_refused_on_its_field_and_at_render(
    admin_client, body, reason
):
    page = admin_client.post("/admin/replies/replytemplate/add/", {
        "name": "Typo", "default_language": "en", "active": "on",
        "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "1", "variants-MAX_NUM_FORMS": "1000",
        "variants-0-language": "en", "variants-0-subject": "Hi", "variants-0-body": body,
    })
    assert page.status_code == 200
    assert reason in page.content.decode().replace("&#x27;", "'")
    assert not ReplyTemplate.objects.filter(name="Typo").exists()
    # Stored around the form: the agent is told why, and nothing reaches the buyer.
    ticket = made_ticket()
    with pytest.raises(RenderError, match=reason):
        reply_compose(ticket=ticket, template=template(de=("Hi", body)), author=None)
    assert not Outbox.objects.exists()


@pytest.mark.parametrize(("language", "domain", "written"), [
    ("de", "amazon.de", "Gewicht 1,5 kg, 1.234,5 g, Nr. 1234, 1.500 Stück"),
    ("fr", "amazon.fr", "Gewicht 1,5 kg, 1\u202f234,5 g, Nr. 1234, 1\u202f500 Stück"),
    ("it", "amazon.it", "Gewicht 1,5 kg, 1.234,5 g, Nr. 1234, 1.500 Stück"),
    ("es", "amazon.es", "Gewicht 1,5 kg, 1.234,5 g, Nr. 1234, 1.500 Stück"),
    ("ja", "amazon.co.jp", "Gewicht 1.5 kg, 1,234.5 g, Nr. 1234, 1,500 Stück"),
])
def test_numbers_are_written_as_the_buyer_writes_them(language, domain, written):
    """A number with decimals in a reply is written in the buyer's locale ("1,5" in German,
    not "1.5"); whole numbers stay as written (ids, counts), or are grouped by ``number``."""
    locale = locale_for(language, domain)
    context = reply_context(ticket=made_ticket(), author=None, locale=locale)
    source = ("Gewicht {{ 1.5 }} kg, {{ 1234.5 }} g, Nr. {{ 1234 }}, {{ 1500|number }} "
              "Stück")
    assert template_problems(source) == []
    assert template_render(source, context, locale=locale) == written


def test_money_takes_a_currency_code_in_any_case():
    de = locale_for("de", "amazon.de")
    assert money_format("12.5", "eur", locale=de) == money_format(12.5, "EUR", locale=de)


@pytest.mark.parametrize("body", ["{# to do #}", "{% if false %}Hello{% endif %}",
                                  "{% for x in [] %}{{ x }}{% endfor %}\n  \n"])
def test_a_template_that_writes_nothing_is_refused_on_save(body):
    assert template_problems(body) == [WRITES_NOTHING]
    assert template_problems("Hello {{ buyer.first_name }}") == []


def test_a_template_that_writes_nothing_for_this_ticket_says_so_instead_of_an_empty_draft():
    tpl = template(de=("Ihre Bestellung", "{% if ticket.id == 0 %}Hallo{% endif %}"))
    with pytest.raises(RenderError, match="writes nothing for this ticket"):
        reply_compose(ticket=made_ticket(), template=tpl, author=None)


def test_a_buyer_whose_name_holds_template_syntax_can_still_be_greeted_by_it():
    """A buyer named "Jane {% now %}" on Amazon: every template greeting the buyer by name
    was refused as holding a leftover placeholder the agent could not find to fill."""
    ticket = buyer_ticket(
        sender='"Jane {% now %} - Amazon Marketplace" <abc123xyz@marketplace.amazon.com>')
    assert ticket.buyer.name == "Jane {% now %}"
    tpl = template(en=("Re: your order", "Hello {{ buyer.name }},\n\nit ships today."))
    draft = reply_compose(ticket=ticket, template=tpl, author=None)
    outbox = reply_send(ticket=ticket, author=None, subject=draft.subject, body=draft.body)
    assert outbox.body.startswith("Hello Jane {% now %},")


def test_a_buyers_own_placeholder_text_quoted_in_the_reply_may_be_sent():
    # A buyer who writes template syntax (a shop system's support question, a developer)
    # would otherwise make every reply that quotes them "leftover placeholder".
    words = "My label prints {{ order.id }} and {% if paid %} instead of the number."
    ticket = buyer_ticket(words=words)
    tpl = template(en=("Re: your label", 'You wrote: "{{ ticket.buyer_text }}"\n\nWe fix it.'))
    draft = reply_compose(ticket=ticket, template=tpl, author=None)
    assert words in draft.body
    outbox = reply_send(ticket=ticket, author=None, subject=draft.subject, body=draft.body)
    assert words in outbox.body
    # One of the agent's own beside it is still refused.
    from helpdesk.replies.errors import ReplyError

    with pytest.raises(ReplyError, match=r"\{\{ buyer.first_name \}\}"):
        reply_send(ticket=ticket, author=None, subject=draft.subject,
                   body=f"Hi {{{{ buyer.first_name }}}},\n\n{draft.body}")


@pytest.mark.parametrize(("channel", "language", "written"), [
    ("amazon-co-jp", "ja", "返金額：￥1,500"),
    ("amazon-co-uk", "en", "Refund: £1,500.00"),
    ("amazon-com", "en", "Refund: $1,500.00"),
    ("amazon-ca", "fr", "Remboursement : 1\xa0500,00\xa0$"),
    ("amazon-fr", "fr", "Remboursement : 1\u202f500,00\xa0€"),
])
def test_an_amount_without_a_currency_is_in_the_marketplaces_money(channel, language, written):
    """One template for every marketplace: the refund is written in the money the buyer paid
    in and as they write it, not in euros on amazon.co.jp."""
    ticket = made_ticket(channel=channel, language=language)
    label = {"ja": "返金額：", "en": "Refund: ", "fr": "Remboursement : "}[language]
    tpl = template(**{language: ("{{ order.id }}", label + "{{ 1500|money }}")})
    assert reply_compose(ticket=ticket, template=tpl, author=None).body == written

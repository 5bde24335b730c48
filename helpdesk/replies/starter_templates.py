# ruff: noqa: E501  (prose: the templates read better unwrapped)
"""The starter templates, installed by a data migration and editable in admin afterwards.
Each passes the compliance rules against a ticket with its order known (a test says so)."""

BUYER, RETURN, CANCEL = "buyer_message", "return_request", "cancellation"
ITEM_EN = "{% if order.item_title is defined %}your {{ order.item_title }}{% else %}your item{% endif %}"
ITEM_DE = "{% if order.item_title is defined %}Ihr Artikel „{{ order.item_title }}“{% else %}Ihr Artikel{% endif %}"
SIGN_EN = "\n\nKind regards,\n{{ agent.signature }}"
SIGN_DE = "\n\nMit freundlichen Grüßen\n{{ agent.signature }}"

# (name, ticket kinds, {language: (subject, body)})
TEMPLATES = [
    ("Where is my order", [BUYER], {
        "en": ("Your order {{ order.id }}", """Hello {{ buyer.first_name }},

thank you for your message about order {{ order.id }}.

{% if order.delivery_date is defined %}
According to the carrier, your parcel was delivered on {{ order.delivery_date }}. If you cannot find it, please check with your neighbours and let us know.
{% elif order.shipped_date is defined %}
Your parcel left our warehouse on {{ order.shipped_date }} and is on its way to you. You can follow it under "Your Orders" on {{ marketplace.name }}.
{% else %}
We are checking the status of your parcel with the carrier and will write to you again within one business day.
{% endif %}""" + SIGN_EN),
        "de": ("Ihre Bestellung {{ order.id }}", """Hallo {{ buyer.first_name }},

vielen Dank für Ihre Nachricht zur Bestellung {{ order.id }}.

{% if order.delivery_date is defined %}
Laut Zusteller wurde Ihr Paket am {{ order.delivery_date }} zugestellt. Falls Sie es nicht finden, fragen Sie bitte bei Ihren Nachbarn nach und geben Sie uns Bescheid.
{% elif order.shipped_date is defined %}
Ihr Paket hat unser Lager am {{ order.shipped_date }} verlassen und ist auf dem Weg zu Ihnen. Sie können es unter „Meine Bestellungen“ bei {{ marketplace.name }} verfolgen.
{% else %}
Wir prüfen den Status Ihres Pakets beim Zusteller und melden uns innerhalb eines Werktags wieder.
{% endif %}""" + SIGN_DE),
    }),
    ("Damaged item", [BUYER, RETURN], {
        "en": ("Your order {{ order.id }}: damaged item", """Hello {{ buyer.first_name }},

I am sorry that """ + ITEM_EN + """ from order {{ order.id }} arrived damaged.

Could you send us a photo of the damage and of the packaging by replying to this message? We will then send you a replacement or refund the item, whichever you prefer.""" + SIGN_EN),
        "de": ("Ihre Bestellung {{ order.id }}: beschädigter Artikel", """Hallo {{ buyer.first_name }},

es tut mir leid, dass """ + ITEM_DE + """ aus der Bestellung {{ order.id }} beschädigt angekommen ist.

Könnten Sie uns als Antwort auf diese Nachricht ein Foto des Schadens und der Verpackung schicken? Wir senden Ihnen dann gerne Ersatz oder erstatten den Artikel, ganz wie Sie möchten.""" + SIGN_DE),
    }),
    ("Not as described", [BUYER, RETURN], {
        "en": ("Your order {{ order.id }}", """Hello {{ buyer.first_name }},

I am sorry that """ + ITEM_EN + """ is not what the description led you to expect.

Could you tell us what is different (size, colour or a feature)? It helps us correct the description. You can return the item through "Your Orders" on {{ marketplace.name }}, and we will refund the full price once it arrives.""" + SIGN_EN),
        "de": ("Ihre Bestellung {{ order.id }}", """Hallo {{ buyer.first_name }},

es tut mir leid, dass """ + ITEM_DE + """ nicht der Beschreibung entspricht.

Könnten Sie uns sagen, was abweicht (Größe, Farbe oder eine Funktion)? So können wir die Beschreibung korrigieren. Sie können den Artikel über „Meine Bestellungen“ bei {{ marketplace.name }} zurücksenden; sobald er bei uns ist, erstatten wir den vollen Kaufpreis.""" + SIGN_DE),
    }),
    ("Return instructions", [RETURN, BUYER], {
        "en": ("Returning your order {{ order.id }}", """Hello {{ buyer.first_name }},

you can return """ + ITEM_EN + """ from order {{ order.id }} like this:

1. Open "Your Orders" on {{ marketplace.name }} and choose the order.
2. Choose "Return or replace items" and the reason.
3. Print the return label, pack the item securely and hand it to the carrier.

We will refund you as soon as the return arrives.""" + SIGN_EN),
        "de": ("Rücksendung Ihrer Bestellung {{ order.id }}", """Hallo {{ buyer.first_name }},

so können Sie """ + ITEM_DE.replace("Ihr Artikel", "Ihren Artikel") + """ aus der Bestellung {{ order.id }} zurücksenden:

1. Öffnen Sie „Meine Bestellungen“ bei {{ marketplace.name }} und wählen Sie die Bestellung.
2. Wählen Sie „Artikel zurücksenden oder ersetzen“ und den Grund.
3. Drucken Sie das Rücksendeetikett aus, verpacken Sie den Artikel sicher und geben Sie ihn beim Zusteller ab.

Sobald die Rücksendung bei uns ist, erstatten wir Ihnen den Betrag.""" + SIGN_DE),
    }),
    ("Refund issued", [RETURN, BUYER, CANCEL], {
        "en": ("Refund for your order {{ order.id }}", """Hello {{ buyer.first_name }},

we have issued the refund for order {{ order.id }} today. {{ marketplace.name }} credits it to the payment method you used for the order; depending on your bank this takes 3 to 5 business days.""" + SIGN_EN),
        "de": ("Erstattung zu Ihrer Bestellung {{ order.id }}", """Hallo {{ buyer.first_name }},

wir haben die Erstattung für die Bestellung {{ order.id }} heute veranlasst. {{ marketplace.name }} schreibt den Betrag der Zahlungsart gut, mit der Sie bestellt haben; je nach Bank dauert das 3 bis 5 Werktage.""" + SIGN_DE),
    }),
    ("Replacement sent", [BUYER, RETURN], {
        "en": ("Replacement for your order {{ order.id }}", """Hello {{ buyer.first_name }},

we sent a replacement for """ + ITEM_EN + """ (order {{ order.id }}) today. It should reach you within a few days, and there is no need to send the first one back.""" + SIGN_EN),
        "de": ("Ersatz zu Ihrer Bestellung {{ order.id }}", """Hallo {{ buyer.first_name }},

wir haben heute Ersatz für """ + ITEM_DE.replace("Ihr Artikel", "Ihren Artikel") + """ (Bestellung {{ order.id }}) verschickt. Er sollte in wenigen Tagen bei Ihnen sein; den ersten Artikel müssen Sie nicht zurücksenden.""" + SIGN_DE),
    }),
    ("Thanks and closing", [], {
        "en": ("{% if order is defined %}Your order {{ order.id }}{% else %}Your message{% endif %}", """Hello {{ buyer.first_name }},

thank you for your message. I am glad we could help{% if order is defined %} with order {{ order.id }}{% endif %}. If anything else comes up, just reply to this message.""" + SIGN_EN),
        "de": ("{% if order is defined %}Ihre Bestellung {{ order.id }}{% else %}Ihre Nachricht{% endif %}", """Hallo {{ buyer.first_name }},

vielen Dank für Ihre Nachricht. Schön, dass wir helfen konnten{% if order is defined %} (Bestellung {{ order.id }}){% endif %}. Wenn noch etwas ist, antworten Sie einfach auf diese Nachricht.""" + SIGN_DE),
    }),
]


def templates_install(apps: object = None) -> int:
    """Install the starter templates that are not there yet (by name); how many were."""
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    template_model = apps.get_model("replies", "ReplyTemplate")
    variant_model = apps.get_model("replies", "ReplyTemplateVariant")
    created = 0
    for name, kinds, variants in TEMPLATES:
        template, made = template_model.objects.get_or_create(
            name=name, defaults={"kinds": kinds, "default_language": "en"}
        )
        if made:
            variant_model.objects.bulk_create(
                variant_model(template=template, language=language, subject=subject, body=body)
                for language, (subject, body) in variants.items()
            )
            created += 1
    return created

# ruff: noqa: E501  (prose: the templates read better unwrapped)
"""The starter templates, in every language the product ships (en, de, fr, it, es, ja),
installed by data migrations and editable in admin afterwards. Each is written as a seller in
that marketplace would write: the buyer by name (Japanese: full name and 様), the order id,
the marketplace's own words for its pages. Each passes the compliance rules against a ticket
with its order known (a test says so)."""

BUYER, RETURN, CANCEL = "buyer_message", "return_request", "cancellation"
LANGUAGES = ("en", "de", "fr", "it", "es", "ja")
ITEM_EN = "{% if order.item_title is defined %}your {{ order.item_title }}{% else %}your item{% endif %}"
ITEM_DE = "{% if order.item_title is defined %}Ihr Artikel „{{ order.item_title }}“{% else %}Ihr Artikel{% endif %}"
ITEM_FR = "{% if order.item_title is defined %}votre article « {{ order.item_title }} »{% else %}votre article{% endif %}"
ITEM_IT = "{% if order.item_title is defined %}l'articolo «{{ order.item_title }}»{% else %}l'articolo{% endif %}"
ITEM_ES = "{% if order.item_title is defined %}el artículo «{{ order.item_title }}»{% else %}el artículo{% endif %}"
ITEM_JA = "{% if order.item_title is defined %}「{{ order.item_title }}」{% else %}ご注文の商品{% endif %}"
SIGN_EN = "\n\nKind regards,\n{{ agent.signature }}"
SIGN_DE = "\n\nMit freundlichen Grüßen\n{{ agent.signature }}"
SIGN_FR = "\n\nBien cordialement,\n{{ agent.signature }}"
SIGN_IT = "\n\nCordiali saluti,\n{{ agent.signature }}"
SIGN_ES = "\n\nUn saludo cordial,\n{{ agent.signature }}"
SIGN_JA = "\n\n今後ともよろしくお願いいたします。\n{{ agent.signature }}"
HELLO_FR = "Bonjour {{ buyer.first_name }},\n\n"
HELLO_IT = "Gentile {{ buyer.first_name }},\n\n"
HELLO_ES = "Hola, {{ buyer.first_name }}:\n\n"
HELLO_JA = "{{ buyer.name }} 様\n\n"

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
        "fr": ("Votre commande {{ order.id }}", HELLO_FR + """merci pour votre message concernant la commande {{ order.id }}.

{% if order.delivery_date is defined %}
D'après le transporteur, votre colis a été livré le {{ order.delivery_date }}. Si vous ne le trouvez pas, pourriez-vous vérifier auprès de vos voisins et nous tenir au courant ?
{% elif order.shipped_date is defined %}
Votre colis a quitté notre entrepôt le {{ order.shipped_date }} et il est en route. Vous pouvez le suivre dans « Vos commandes » sur {{ marketplace.name }}.
{% else %}
Nous vérifions l'état de votre colis auprès du transporteur et revenons vers vous sous un jour ouvré.
{% endif %}""" + SIGN_FR),
        "it": ("Il tuo ordine {{ order.id }}", HELLO_IT + """grazie per il messaggio sull'ordine {{ order.id }}.

{% if order.delivery_date is defined %}
Secondo il corriere, il pacco è stato consegnato il {{ order.delivery_date }}. Se non lo trovi, ti chiediamo di verificare con i vicini e di farci sapere.
{% elif order.shipped_date is defined %}
Il pacco è partito dal nostro magazzino il {{ order.shipped_date }} ed è in viaggio. Puoi seguirlo in «I miei ordini» su {{ marketplace.name }}.
{% else %}
Stiamo verificando lo stato del pacco con il corriere e ti scriveremo di nuovo entro un giorno lavorativo.
{% endif %}""" + SIGN_IT),
        "es": ("Tu pedido {{ order.id }}", HELLO_ES + """gracias por tu mensaje sobre el pedido {{ order.id }}.

{% if order.delivery_date is defined %}
Según la empresa de transporte, el paquete se entregó el {{ order.delivery_date }}. Si no lo encuentras, ¿podrías preguntar a tus vecinos y decirnos algo?
{% elif order.shipped_date is defined %}
El paquete salió de nuestro almacén el {{ order.shipped_date }} y ya está en camino. Puedes seguirlo en «Mis pedidos» en {{ marketplace.name }}.
{% else %}
Estamos comprobando el estado del paquete con la empresa de transporte y te escribiremos de nuevo en un día laborable.
{% endif %}""" + SIGN_ES),
        "ja": ("ご注文 {{ order.id }} について", HELLO_JA + """この度はご注文 {{ order.id }} についてお問い合わせいただき、誠にありがとうございます。

{% if order.delivery_date is defined %}
配送業者の記録では、お荷物は{{ order.delivery_date }}にお届け済みとなっております。お手元に見当たらない場合は、恐れ入りますが宅配ボックスやご近所をご確認のうえ、お知らせください。
{% elif order.shipped_date is defined %}
お荷物は{{ order.shipped_date }}に当店の倉庫から発送いたしました。配送状況は{{ marketplace.name }}の「注文履歴」からご確認いただけます。
{% else %}
ただいま配送業者にお荷物の状況を確認しております。1営業日以内に改めてご連絡いたします。
{% endif %}""" + SIGN_JA),
    }),
    ("Damaged item", [BUYER, RETURN], {
        "en": ("Your order {{ order.id }}: damaged item", """Hello {{ buyer.first_name }},

I am sorry that """ + ITEM_EN + """ from order {{ order.id }} arrived damaged.

Could you send us a photo of the damage and of the packaging by replying to this message? We will then send you a replacement or refund the item, whichever you prefer.""" + SIGN_EN),
        "de": ("Ihre Bestellung {{ order.id }}: beschädigter Artikel", """Hallo {{ buyer.first_name }},

es tut mir leid, dass """ + ITEM_DE + """ aus der Bestellung {{ order.id }} beschädigt angekommen ist.

Könnten Sie uns als Antwort auf diese Nachricht ein Foto des Schadens und der Verpackung schicken? Wir senden Ihnen dann gerne Ersatz oder erstatten den Artikel, ganz wie Sie möchten.""" + SIGN_DE),
        "fr": ("Votre commande {{ order.id }} : article endommagé", HELLO_FR + """je suis désolé(e) que """ + ITEM_FR + """ de la commande {{ order.id }} soit arrivé endommagé.

Pourriez-vous nous envoyer, en réponse à ce message, une photo des dégâts et de l'emballage ? Nous vous enverrons ensuite un article de remplacement ou vous rembourserons l'article, comme vous le préférez.""" + SIGN_FR),
        "it": ("Il tuo ordine {{ order.id }}: articolo danneggiato", HELLO_IT + """ci dispiace molto che """ + ITEM_IT + """ dell'ordine {{ order.id }} sia arrivato danneggiato.

Potresti inviarci, rispondendo a questo messaggio, una foto del danno e dell'imballaggio? Ti manderemo poi un articolo sostitutivo oppure ti rimborseremo l'articolo, come preferisci.""" + SIGN_IT),
        "es": ("Tu pedido {{ order.id }}: artículo dañado", HELLO_ES + """sentimos mucho que """ + ITEM_ES + """ del pedido {{ order.id }} llegara dañado.

¿Podrías enviarnos, respondiendo a este mensaje, una foto del daño y del embalaje? Después te enviaremos uno nuevo o te reembolsaremos el artículo, lo que prefieras.""" + SIGN_ES),
        "ja": ("ご注文 {{ order.id }} の商品破損について", HELLO_JA + """ご注文 {{ order.id }} の""" + ITEM_JA + """が破損した状態で届いたとのこと、大変申し訳ございません。

お手数をおかけしますが、このメッセージへのご返信で、破損箇所と梱包の写真をお送りいただけますでしょうか。確認後、代替品の発送またはご返金のいずれか、ご希望の方法で対応いたします。""" + SIGN_JA),
    }),
    ("Not as described", [BUYER, RETURN], {
        "en": ("Your order {{ order.id }}", """Hello {{ buyer.first_name }},

I am sorry that """ + ITEM_EN + """ is not what the description led you to expect.

Could you tell us what is different (size, colour or a feature)? It helps us correct the description. You can return the item through "Your Orders" on {{ marketplace.name }}, and we will refund the full price once it arrives.""" + SIGN_EN),
        "de": ("Ihre Bestellung {{ order.id }}", """Hallo {{ buyer.first_name }},

es tut mir leid, dass """ + ITEM_DE + """ nicht der Beschreibung entspricht.

Könnten Sie uns sagen, was abweicht (Größe, Farbe oder eine Funktion)? So können wir die Beschreibung korrigieren. Sie können den Artikel über „Meine Bestellungen“ bei {{ marketplace.name }} zurücksenden; sobald er bei uns ist, erstatten wir den vollen Kaufpreis.""" + SIGN_DE),
        "fr": ("Votre commande {{ order.id }}", HELLO_FR + """je suis désolé(e) que """ + ITEM_FR + """ ne corresponde pas à ce que la description laissait attendre.

Pourriez-vous nous dire ce qui diffère (taille, couleur ou fonction) ? Cela nous aide à corriger la description. Vous pouvez retourner l'article depuis « Vos commandes » sur {{ marketplace.name }} ; nous vous rembourserons le prix total dès sa réception.""" + SIGN_FR),
        "it": ("Il tuo ordine {{ order.id }}", HELLO_IT + """ci dispiace che """ + ITEM_IT + """ non corrisponda a quanto indicato nella descrizione.

Potresti dirci che cosa è diverso (taglia, colore o una funzione)? Ci aiuta a correggere la descrizione. Puoi restituire l'articolo da «I miei ordini» su {{ marketplace.name }}: appena arriva, ti rimborsiamo l'intero importo.""" + SIGN_IT),
        "es": ("Tu pedido {{ order.id }}", HELLO_ES + """sentimos que """ + ITEM_ES + """ no sea lo que esperabas por la descripción.

¿Podrías decirnos qué es diferente (talla, color o alguna función)? Nos ayuda a corregir la descripción. Puedes devolver el artículo desde «Mis pedidos» en {{ marketplace.name }} y te reembolsaremos el importe completo en cuanto nos llegue.""" + SIGN_ES),
        "ja": ("ご注文 {{ order.id }} について", HELLO_JA + """ご注文 {{ order.id }} の""" + ITEM_JA + """が商品説明と異なっていたとのこと、大変申し訳ございません。

どの点が異なっていたか（サイズ、色、機能など）お知らせいただけますでしょうか。商品説明の修正に役立てさせていただきます。商品は{{ marketplace.name }}の「注文履歴」から返品いただけます。到着を確認しだい、代金を全額返金いたします。""" + SIGN_JA),
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
        "fr": ("Retour de votre commande {{ order.id }}", HELLO_FR + """voici comment retourner """ + ITEM_FR + """ de la commande {{ order.id }} :

1. Ouvrez « Vos commandes » sur {{ marketplace.name }} et choisissez la commande.
2. Choisissez « Retourner ou remplacer des articles » et le motif.
3. Imprimez l'étiquette de retour, emballez l'article avec soin et remettez-le au transporteur.

Nous vous rembourserons dès réception du retour.""" + SIGN_FR),
        "it": ("Reso del tuo ordine {{ order.id }}", HELLO_IT + """ecco come restituire """ + ITEM_IT + """ dell'ordine {{ order.id }}:

1. Apri «I miei ordini» su {{ marketplace.name }} e scegli l'ordine.
2. Scegli «Restituisci o sostituisci articoli» e il motivo.
3. Stampa l'etichetta di reso, imballa bene l'articolo e consegnalo al corriere.

Ti rimborseremo non appena il reso sarà arrivato.""" + SIGN_IT),
        "es": ("Devolución de tu pedido {{ order.id }}", HELLO_ES + """así puedes devolver """ + ITEM_ES + """ del pedido {{ order.id }}:

1. Abre «Mis pedidos» en {{ marketplace.name }} y elige el pedido.
2. Elige «Devolver o reemplazar productos» y el motivo.
3. Imprime la etiqueta de devolución, embala bien el artículo y entrégalo a la empresa de transporte.

Te haremos el reembolso en cuanto recibamos la devolución.""" + SIGN_ES),
        "ja": ("ご注文 {{ order.id }} の返品方法", HELLO_JA + """ご注文 {{ order.id }} の""" + ITEM_JA + """は、次の手順で返品いただけます。

1. {{ marketplace.name }}の「注文履歴」を開き、該当のご注文を選択してください。
2. 「商品の返品・交換」を選び、返品理由を選択してください。
3. 返品用ラベルを印刷し、商品をしっかり梱包して配送業者にお渡しください。

返品商品の到着を確認しだい、返金いたします。""" + SIGN_JA),
    }),
    ("Refund issued", [RETURN, BUYER, CANCEL], {
        "en": ("Refund for your order {{ order.id }}", """Hello {{ buyer.first_name }},

we have issued the refund for order {{ order.id }} today. {{ marketplace.name }} credits it to the payment method you used for the order; depending on your bank this takes 3 to 5 business days.""" + SIGN_EN),
        "de": ("Erstattung zu Ihrer Bestellung {{ order.id }}", """Hallo {{ buyer.first_name }},

wir haben die Erstattung für die Bestellung {{ order.id }} heute veranlasst. {{ marketplace.name }} schreibt den Betrag der Zahlungsart gut, mit der Sie bestellt haben; je nach Bank dauert das 3 bis 5 Werktage.""" + SIGN_DE),
        "fr": ("Remboursement de votre commande {{ order.id }}", HELLO_FR + """nous avons effectué aujourd'hui le remboursement de la commande {{ order.id }}. {{ marketplace.name }} le crédite sur le moyen de paiement utilisé pour la commande ; selon votre banque, cela prend de 3 à 5 jours ouvrés.""" + SIGN_FR),
        "it": ("Rimborso del tuo ordine {{ order.id }}", HELLO_IT + """oggi abbiamo emesso il rimborso per l'ordine {{ order.id }}. {{ marketplace.name }} lo accredita sul metodo di pagamento usato per l'ordine; a seconda della banca, ci vogliono da 3 a 5 giorni lavorativi.""" + SIGN_IT),
        "es": ("Reembolso de tu pedido {{ order.id }}", HELLO_ES + """hoy hemos tramitado el reembolso del pedido {{ order.id }}. {{ marketplace.name }} lo abona en el método de pago que usaste en el pedido; según tu banco, tarda de 3 a 5 días laborables.""" + SIGN_ES),
        "ja": ("ご注文 {{ order.id }} の返金について", HELLO_JA + """本日、ご注文 {{ order.id }} の返金手続きを行いました。返金はご注文時のお支払い方法に{{ marketplace.name }}から行われます。金融機関により、反映まで3〜5営業日ほどかかる場合がございます。""" + SIGN_JA),
    }),
    ("Replacement sent", [BUYER, RETURN], {
        "en": ("Replacement for your order {{ order.id }}", """Hello {{ buyer.first_name }},

we sent a replacement for """ + ITEM_EN + """ (order {{ order.id }}) today. It should reach you within a few days, and there is no need to send the first one back.""" + SIGN_EN),
        "de": ("Ersatz zu Ihrer Bestellung {{ order.id }}", """Hallo {{ buyer.first_name }},

wir haben heute Ersatz für """ + ITEM_DE.replace("Ihr Artikel", "Ihren Artikel") + """ (Bestellung {{ order.id }}) verschickt. Er sollte in wenigen Tagen bei Ihnen sein; den ersten Artikel müssen Sie nicht zurücksenden.""" + SIGN_DE),
        "fr": ("Remplacement pour votre commande {{ order.id }}", HELLO_FR + """nous avons expédié aujourd'hui un remplacement pour """ + ITEM_FR + """ (commande {{ order.id }}). Il devrait vous parvenir d'ici quelques jours, et vous n'avez pas besoin de nous renvoyer le premier.""" + SIGN_FR),
        "it": ("Sostituzione per il tuo ordine {{ order.id }}", HELLO_IT + """oggi abbiamo spedito un articolo sostitutivo per """ + ITEM_IT + """ (ordine {{ order.id }}). Dovrebbe arrivarti entro pochi giorni, e non serve rispedirci il primo.""" + SIGN_IT),
        "es": ("Sustitución de tu pedido {{ order.id }}", HELLO_ES + """hoy te hemos enviado una sustitución de """ + ITEM_ES + """ (pedido {{ order.id }}). Debería llegarte en unos días, y no hace falta que nos devuelvas el primero.""" + SIGN_ES),
        "ja": ("ご注文 {{ order.id }} の代替品発送について", HELLO_JA + """本日、ご注文 {{ order.id }} の""" + ITEM_JA + """の代替品を発送いたしました。数日中にお届けの予定です。最初にお届けした商品はご返送いただく必要はございません。""" + SIGN_JA),
    }),
    ("Thanks and closing", [], {
        "en": ("{% if order is defined %}Your order {{ order.id }}{% else %}Your message{% endif %}", """Hello {{ buyer.first_name }},

thank you for your message. I am glad we could help{% if order is defined %} with order {{ order.id }}{% endif %}. If anything else comes up, just reply to this message.""" + SIGN_EN),
        "de": ("{% if order is defined %}Ihre Bestellung {{ order.id }}{% else %}Ihre Nachricht{% endif %}", """Hallo {{ buyer.first_name }},

vielen Dank für Ihre Nachricht. Schön, dass wir helfen konnten{% if order is defined %} (Bestellung {{ order.id }}){% endif %}. Wenn noch etwas ist, antworten Sie einfach auf diese Nachricht.""" + SIGN_DE),
        "fr": ("{% if order is defined %}Votre commande {{ order.id }}{% else %}Votre message{% endif %}", HELLO_FR + """merci pour votre message. Je suis ravi(e) que nous ayons pu vous aider{% if order is defined %} pour la commande {{ order.id }}{% endif %}. Si vous avez une autre question, répondez simplement à ce message.""" + SIGN_FR),
        "it": ("{% if order is defined %}Il tuo ordine {{ order.id }}{% else %}Il tuo messaggio{% endif %}", HELLO_IT + """grazie per il messaggio. Siamo contenti di averti potuto aiutare{% if order is defined %} con l'ordine {{ order.id }}{% endif %}. Per qualsiasi altra domanda, rispondi pure a questo messaggio.""" + SIGN_IT),
        "es": ("{% if order is defined %}Tu pedido {{ order.id }}{% else %}Tu mensaje{% endif %}", HELLO_ES + """gracias por tu mensaje. Nos alegra haber podido ayudarte{% if order is defined %} con el pedido {{ order.id }}{% endif %}. Si surge cualquier otra cosa, responde a este mensaje.""" + SIGN_ES),
        "ja": ("{% if order is defined %}ご注文 {{ order.id }} について{% else %}お問い合わせについて{% endif %}", HELLO_JA + """ご連絡いただき、ありがとうございます。{% if order is defined %}ご注文 {{ order.id }} の件で{% endif %}お役に立てたようで何よりです。ほかにご不明な点がございましたら、このメッセージにご返信ください。""" + SIGN_JA),
    }),
]


def templates_install(apps: object = None) -> int:
    """Install the starter templates that are not there yet (by name); how many were.
    (A new install; ``variants_install`` brings the languages added later to existing ones.)"""
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


def variants_install(apps: object = None) -> int:
    """Add the starter variants an install lacks to the starter templates it has (by template
    name and language); how many were added. A variant a seller edited or added is never
    touched, and a starter template a seller deleted is not brought back."""
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    template_model = apps.get_model("replies", "ReplyTemplate")
    variant_model = apps.get_model("replies", "ReplyTemplateVariant")
    existing = {t.name: t for t in template_model.objects.filter(name__in=[n for n, _, _ in TEMPLATES])}
    have = set(variant_model.objects.filter(template__in=existing.values())
               .values_list("template__name", "language"))
    new = [
        variant_model(template=existing[name], language=language, subject=subject, body=body)
        for name, _kinds, variants in TEMPLATES if name in existing
        for language, (subject, body) in variants.items() if (name, language) not in have
    ]
    variant_model.objects.bulk_create(new)
    return len(new)

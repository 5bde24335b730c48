"""The shipped complaint categories and their keywords per language. Installed by a data
migration and editable in admin afterwards (Complaint categories → Complaint rules).

Keywords are whole words or phrases in any case; a trailing * matches any ending. When a
text matches several categories the one with most hits wins, then the lower position: so
"arrived broken" (damaged in transit, a longer phrase) beats "broken" (quality)."""

OTHER = "other"

# (code, name, position)
CATEGORIES = [
    ("fraud_account", "Fraud or account security", 10),
    ("damaged_in_transit", "Damaged in transit", 20),
    ("late_missing_delivery", "Late or missing delivery", 30),
    ("not_as_described", "Not as described", 40),
    ("packaging", "Packaging", 50),
    ("quality_defect", "Quality or defect", 60),
    ("customer_service", "Customer service", 70),
    ("return_refund", "Return or refund", 80),
    (OTHER, "Other", 90),
]

# {category code: {language: "keyword | keyword | ..."}}
KEYWORDS: dict[str, dict[str, str]] = {
    "fraud_account": {
        "en": "fraud* | scam* | hacked | phishing | unauthorised | unauthorized | identity theft"
        " | did not place this order | didn't place this order | not my order",
        "de": "betrug* | betrüger* | gehackt | phishing | nicht autorisiert"
        " | identitätsdiebstahl | nicht bestellt",
        "fr": "fraude* | arnaque* | piraté | hameçonnage | non autorisé | pas passé cette commande",
        "it": "frode | truffa* | hackerato | non autorizzat* | non ho effettuato",
        "es": "fraude | estafa* | hackeado | no autorizad* | no he realizado",
        "ja": "詐欺 | 不正アクセス | 不正利用 | 乗っ取 | フィッシング | 身に覚えのない"
        " | 注文していない",
    },
    "damaged_in_transit": {
        "en": "arrived broken | arrived damaged | arrived smashed | arrived cracked"
        " | damaged in transit | damaged during shipping | damaged in shipping"
        " | broken in transit | crushed | dented | smashed | damaged",
        "de": "beschädigt angekommen | kaputt angekommen | defekt angekommen"
        " | zerbrochen angekommen | transportschaden* | beim transport beschädigt"
        " | versandschaden* | zerdrückt | eingedrückt | verbeult | beschädigt",
        "fr": "arrivé cassé | arrivée cassée | arrivé endommagé | endommagé pendant le transport"
        " | écrasé | cabossé | abîmé | endommagé*",
        "it": "arrivato rotto | arrivata rotta | arrivato danneggiato"
        " | danneggiato durante il trasporto | schiacciato | ammaccato | danneggiat*",
        "es": "llegó roto | llegó rota | llegó dañado | dañado durante el transporte"
        " | aplastado | abollado | dañad*",
        "ja": "破損 | 壊れて届 | 割れて届 | 配送中に | 輸送中に | 潰れ | つぶれ | へこみ | 凹み",
    },
    "late_missing_delivery": {
        "en": "not arrived | hasn't arrived | has not arrived | never arrived | not received"
        " | haven't received | have not received | never received | where is my order"
        " | where is my parcel | where is my package | late delivery | delivered late"
        " | still waiting | lost parcel | lost package | missing parcel | missing package"
        " | delay*",
        "de": "nicht angekommen | nicht erhalten | nicht bekommen | wo ist meine bestellung"
        " | wo ist mein paket | wo bleibt | verspätet | verspätung | lieferverzug"
        " | paket verloren | warte immer noch | immer noch nicht",
        "fr": "pas reçu | jamais reçu | pas arrivé | où est ma commande | où est mon colis"
        " | en retard | retard | colis perdu | toujours pas",
        "it": "non è arrivato | non arrivato | non ho ricevuto | mai ricevuto"
        " | dov'è il mio ordine | dov'è il mio pacco | in ritardo | ritardo | pacco perso",
        "es": "no ha llegado | no llegó | no he recibido | nunca recibí | dónde está mi pedido"
        " | dónde está mi paquete | retraso | con retraso | paquete perdido",
        "ja": "届かない | 届いていない | 届いておりません | 届きません | まだ届 | 未着"
        " | 配達されていない | 遅延 | 荷物はどこ | 紛失",
    },
    "not_as_described": {
        "en": "not as described | wrong size | wrong colour | wrong color | wrong item"
        " | different colour | different color | doesn't match | does not match"
        " | too small | too big | too large | not what i ordered | misleading"
        " | different from the picture",
        "de": "nicht wie beschrieben | falsche größe | falsche farbe | falscher artikel"
        " | falsches produkt | andere farbe | zu klein | zu groß | entspricht nicht"
        " | nicht wie abgebildet",
        "fr": "pas conforme | non conforme | mauvaise taille | mauvaise couleur"
        " | mauvais article | trop petit | trop grand | ne correspond pas",
        "it": "non conforme | non corrisponde | taglia sbagliata | colore sbagliato"
        " | articolo sbagliato | troppo piccol* | troppo grand* | diverso dalla foto",
        "es": "no coincide | no corresponde | talla equivocada | color equivocado"
        " | artículo equivocado | demasiado pequeñ* | demasiado grande"
        " | no es como se describe",
        "ja": "説明と違 | 説明と異な | 写真と違 | 画像と違 | 色が違 | サイズが違"
        " | サイズが合わ | 違う商品 | 別の商品 | 間違った商品 | 注文した商品と違",
    },
    "packaging": {
        "en": "packaging | poorly packed | badly packed | box was damaged | box was open*"
        " | seal was broken | seal broken | resealed",
        "de": "verpackung* | schlecht verpackt | karton | siegel",
        "fr": "emballage* | mal emballé | carton",
        "it": "imballaggio | imballo | confezione | mal imballato",
        "es": "embalaje | mal embalado | envoltorio",
        "ja": "梱包 | 包装 | 外箱 | 開封済",
    },
    "quality_defect": {
        "en": "leak* | broken | defect* | faulty | stopped working | doesn't work"
        " | does not work | not working | crack* | poor quality | bad quality"
        " | fell apart | falls apart | rust | rusty | rusted | rusting",
        "de": "undicht | läuft aus | ausgelaufen | tropft | defekt* | kaputt"
        " | funktioniert nicht | geht nicht | schlechte qualität | minderwertig"
        # Not "rost*": "rostfrei" (stainless) is in every question about a steel mug.
        " | gebrochen | riss | rissig | rost | rostet | rostig* | verrostet | rostflecken"
        " | mangelhaft",
        "fr": "fuit | fuite* | défectueu* | cassé | ne fonctionne pas | ne marche pas"
        " | mauvaise qualité | fissur*",
        "it": "perde | perdita | difettos* | rotto | rotta | non funziona | scarsa qualità"
        " | crepa* | crepat*",
        "es": "gotea | fuga | defectuos* | roto | rota | no funciona | mala calidad | grieta*"
        " | agrietad*",
        "ja": "不良 | 故障 | 壊れ | 割れ | 動かない | 動作しない | 作動しない | 使えない"
        " | 漏れ | ひび | 欠陥 | 品質が悪 | 錆び | サビ",
    },
    "customer_service": {
        "en": "no reply | no answer | nobody answered | no one answered | didn't answer"
        " | did not answer | ignored | rude | unhelpful | customer service",
        "de": "keine antwort | keine rückmeldung | niemand antwortet | nicht geantwortet"
        " | unfreundlich | kundenservice | kundendienst",
        "fr": "pas de réponse | aucune réponse | service client | impoli",
        "it": "nessuna risposta | non rispondete | servizio clienti | scortese",
        "es": "sin respuesta | ninguna respuesta | atención al cliente | maleducado",
        "ja": "返事がない | 返信がない | 返信がありません | 連絡がない | 対応が悪 | 無視"
        " | カスタマーサービス",
    },
    "return_refund": {
        "en": "refund* | return* | money back | send it back | send back | reimburse*",
        "de": "rückerstattung | erstattung | geld zurück | rücksendung* | zurückschicken"
        " | zurücksenden | retoure* | umtausch*",
        # Not "retour" alone: "merci pour votre retour" is French for "thanks for your reply".
        "fr": "rembours* | retourner | retourné* | renvoyer | échange* | un retour"
        " | faire un retour | demande de retour | étiquette de retour | bon de retour",
        "it": "rimborso | rimborsare | reso | restituire | restituzione | sostituzione",
        "es": "reembolso | devolución | devolver | reemplazo",
        "ja": "返金 | 返品 | 交換 | 払い戻し | 返送",
    },
}

# Everyday ways of saying it that the lists above missed ("n'est jamais arrivé", "non è
# ancora arrivato", "no me ha llegado", "届いていません", "ne s'allume pas", "電源が入りません",
# "Quiero devolverlo"): such mail was counted as "Other". Appended to the lines above, and
# to an install's rules still as shipped by ``complaints/0005``.
EVERYDAY_PHRASES: dict[tuple[str, str], list[str]] = {
    ("late_missing_delivery", "en"): [
        "didn't arrive", "did not arrive", "didn't receive", "did not receive",
        "not delivered", "never came"],
    ("late_missing_delivery", "de"): [
        "noch nicht da", "nicht geliefert", "nicht zugestellt", "noch nicht geliefert"],
    ("late_missing_delivery", "fr"): [
        "jamais arrivé", "pas encore reçu", "pas encore arrivé", "toujours pas reçu"],
    ("late_missing_delivery", "it"): [
        "mai arrivato", "mai arrivata", "ancora arrivato", "ancora arrivata",
        "non ho ancora ricevuto", "mai ricevuta"],
    ("late_missing_delivery", "es"): [
        "nunca llegó", "nunca ha llegado", "no me ha llegado", "no me llegó",
        "todavía no ha llegado"],
    ("late_missing_delivery", "ja"): [
        "届いていません", "届いてない", "到着していません", "まだ到着"],
    ("not_as_described", "de"): [
        "farbe stimmt nicht", "größe stimmt nicht", "passt nicht"],
    ("not_as_described", "fr"): [
        "pas la bonne taille", "pas la bonne couleur", "pas le bon article",
        "pas le bon modèle"],
    ("not_as_described", "it"): [
        "taglia è sbagliata", "colore è sbagliato", "misura sbagliata", "colore diverso"],
    ("not_as_described", "es"): [
        "talla incorrecta", "talla es incorrecta", "color incorrecto", "no es el de la foto",
        "no es como en la foto", "diferente a la foto", "distinto a la foto"],
    ("not_as_described", "ja"): [
        "サイズが合いません", "サイズが合っていない", "サイズが合っていません"],
    ("quality_defect", "en"): [
        "won't turn on", "doesn't turn on", "does not turn on", "no longer works"],
    ("quality_defect", "de"): [
        "lässt sich nicht einschalten", "geht nicht an", "nicht einschalten"],
    ("quality_defect", "fr"): [
        "fêlé*", "fêlure", "ne s'allume pas", "ne fonctionne plus", "ne marche plus",
        "en panne"],
    ("quality_defect", "it"): [
        "non si accende", "non funziona più", "guasto", "si è rotto", "si è rotta"],
    ("quality_defect", "es"): [
        "no enciende", "no se enciende", "se ha roto", "se rompió", "averiad*"],
    ("quality_defect", "ja"): [
        "電源が入らない", "電源が入りません", "起動しない", "起動しません", "動きません"],
    ("damaged_in_transit", "ja"): ["へこんで", "凹んで"],
    ("return_refund", "de"): ["zurückgeben", "zurückzugeben", "zurückgegeben"],
    ("return_refund", "it"): ["restituir*", "rimbors*"],
    ("return_refund", "es"): ["devolver*", "devuelv*", "reembols*"],
}
for (_code, _language), _words in EVERYDAY_PHRASES.items():
    KEYWORDS[_code][_language] += "".join(f" | {word}" for word in _words)


def complaints_install_defaults(apps=None) -> int:
    """Install the shipped categories and rules that are missing; returns rules created.
    Categories and rules an admin changed are left alone."""
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    category_model = apps.get_model("complaints", "ComplaintCategory")
    rule_model = apps.get_model("complaints", "ComplaintRule")
    created = 0
    for code, name, position in CATEGORIES:
        category, _ = category_model.objects.get_or_create(
            code=code, defaults={"name": name, "position": position}
        )
        for language, words in KEYWORDS.get(code, {}).items():
            if rule_model.objects.filter(category=category, language=language).exists():
                continue
            keywords = "\n".join(word.strip() for word in words.split("|"))
            rule_model.objects.create(category=category, language=language, keywords=keywords)
            created += 1
    return created

"""The shipped compliance rules: each fires on its examples and keeps quiet on near-misses,
in every shipped language (EN, DE, FR, IT, ES, JA), through the evasions an agent might try;
a finding quotes the agent's own words; a block stops the reply unless a manager overrides."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from replies_support import BUYER, SELLER, buyer_ticket, rfc

from helpdesk.marketplaces.models import Channel
from helpdesk.patterns import PatternTimeout, pattern_compile, pattern_finditer
from helpdesk.replies.compliance import (
    BARE_DOMAIN,
    CHECK_MAX_CHARS,
    EMAIL,
    PHONE,
    URL,
    AttachmentFacts,
    ReplyFacts,
    compliance_check,
    reply_facts,
)
from helpdesk.replies.errors import NOT_A_MANAGER, REASON_REQUIRED, ComplianceBlocked, ReplyError
from helpdesk.replies.models import ComplianceRule, Outbox
from helpdesk.replies.services import reply_send
from helpdesk.tickets.models import TimelineEvent

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
ORDER = "302-1234567-7654321"
MB = 1024 * 1024
LANGUAGES = ["en", "de", "fr", "it", "es", "ja"]


def positive(lang: str) -> str:
    return f"Positive review or feedback asked for, or a change to one ({lang})"


def incentive(lang: str) -> str:
    return f"Review or feedback in exchange for something ({lang})"


def happy(lang: str) -> str:
    return f"Reviews asked of happy buyers only ({lang})"


def payment(lang: str) -> str:
    return f"Payment outside the marketplace ({lang})"


def own_shop(lang: str) -> str:
    return f"Buyer sent to the seller's own website or shop ({lang})"


LINK, EMAIL_RULE, PHONE_RULE = ("Link that leads off the marketplace", "E-mail address",
                                "Phone number")
MESSENGER = "Contact through a messenger or social network"
TOP_SCORE = "Top score asked for (5/5, 10/10, the highest rating)"
MESSENGER_JA = "Contact through a messenger (ja)"
PAY_SERVICE = "Payment through a service outside the marketplace"

# (rule that must fire, language of the reply, reply text)
POSITIVES = [
    (positive("en"), "en", "Could you leave us a positive review?"),
    (positive("en"), "en", "We would really appreciate 5 stars."),
    (positive("en"), "en", "A five-star rating would mean a lot to us."),
    (positive("en"), "en", "Would you consider removing your negative feedback?"),
    (positive("en"), "en", "Please update your review now that the problem is solved."),
    (positive("en"), "en", "Please make sure your review is positive."),
    (incentive("en"), "en", "We will send you a free mug in exchange for a review."),
    (incentive("en"), "en", "You get a full refund if you remove your feedback."),
    (incentive("en"), "en", "If you update your review, we will send you a discount code."),
    (incentive("en"), "en", "Enjoy a gift card for your honest review."),
    (happy("en"), "en", "If you are happy with the mug, we would love a review."),
    (happy("en"), "en", "If you're not happy, contact us instead of leaving feedback."),
    (payment("en"), "en", "Please send the difference by bank transfer."),
    (payment("en"), "en", "You can pay us directly and save the fees."),
    (positive("de"), "de", "Wir würden uns über eine positive Bewertung freuen."),
    (positive("de"), "de", "Eine 5-Sterne-Bewertung würde uns sehr helfen."),
    (positive("de"), "de", "Bitte bewerten Sie uns mit 5 Sternen."),
    (positive("de"), "de", "Fünf Sterne wären großartig."),
    (positive("de"), "de", "Über 5 Sternchen würden wir uns freuen!"),
    (happy("de"), "de", "Wenn Sie zufrieden sind, freuen wir uns über Sterne."),
    (happy("en"), "en", "If you are happy with the cutters, some stars would be lovely."),
    (positive("de"), "de", "Wären Sie bereit, Ihre negative Bewertung zu entfernen?"),
    (positive("de"), "de", "Bitte ändern Sie Ihre Bewertung, das Problem ist gelöst."),
    (incentive("de"), "de", "Sie erhalten einen Gutschein für eine ehrliche Bewertung."),
    (incentive("de"), "de", "Wir erstatten den vollen Kaufpreis, wenn Sie Ihre Bewertung löschen."),
    (incentive("de"), "de", "Wenn Sie Ihre Rezension überarbeiten, schicken wir Ihnen ein Geschenk."),
    (incentive("de"), "de", "Im Austausch gegen eine Rezension erhalten Sie das Produkt gratis."),
    (happy("de"), "de", "Wenn Sie mit dem Becher zufrieden sind, freuen wir uns über eine Bewertung."),
    (happy("de"), "de", "Statt einer schlechten Bewertung kontaktieren Sie bitte zuerst uns."),
    (payment("de"), "de", "Überweisen Sie den Betrag bitte auf unser Konto."),
    (payment("de"), "de", "Gerne liefern wir auch gegen Vorkasse."),
    (positive("fr"), "fr", "Laissez-nous un avis 5 étoiles !"),
    (positive("fr"), "fr", "Un avis positif nous aiderait beaucoup."),
    (positive("fr"), "fr", "Une bonne évaluation serait très appréciée."),
    (positive("fr"), "fr", "Pourriez-vous supprimer votre commentaire négatif ?"),
    (positive("fr"), "fr", "Pourriez-vous mettre à jour votre avis ?"),
    (positive("fr"), "fr", "Laissez-nous une bonne critique sur Amazon."),
    (incentive("fr"), "fr", "Nous vous remboursons 10 euros si vous supprimez votre avis."),
    (incentive("fr"), "fr", "Un bon d'achat pour votre avis honnête."),
    (incentive("fr"), "fr", "Si vous modifiez votre évaluation, nous vous offrons un cadeau."),
    (incentive("fr"), "fr", "En échange d'un avis, le produit vous est offert."),
    (happy("fr"), "fr", "Si vous êtes satisfait de votre tasse, laissez-nous un avis."),
    (happy("fr"), "fr", "Contactez-nous plutôt que de laisser un avis négatif."),
    (payment("fr"), "fr", "Vous pouvez payer par virement bancaire."),
    (payment("fr"), "fr", "Vous pouvez aussi nous payer en espèces."),
    (positive("it"), "it", "Ci lasci una recensione a 5 stelle."),
    (positive("it"), "it", "Una recensione positiva ci aiuterebbe molto."),
    (positive("it"), "it", "Ci lasci un'ottima valutazione!"),
    (positive("it"), "it", "Potrebbe rimuovere la sua recensione negativa?"),
    (positive("it"), "it", "Cinque stelle sarebbero fantastiche."),
    (incentive("it"), "it", "Le rimborsiamo 10 euro se cancella la sua recensione."),
    (incentive("it"), "it", "Un buono sconto per la sua recensione."),
    (incentive("it"), "it", "In cambio di una recensione le inviamo un omaggio."),
    (happy("it"), "it", "Se è soddisfatto del prodotto, ci lasci una recensione."),
    (happy("it"), "it", "Prima di lasciare una recensione negativa, ci contatti."),
    (payment("it"), "it", "Può pagare con bonifico bancario."),
    (payment("it"), "it", "Può pagare in contanti alla consegna."),
    (positive("es"), "es", "Déjenos una reseña de 5 estrellas."),
    (positive("es"), "es", "Una valoración positiva nos ayudaría mucho."),
    (positive("es"), "es", "Le agradeceríamos una buena reseña."),
    (positive("es"), "es", "¿Podría eliminar su opinión negativa?"),
    (positive("es"), "es", "Cinco estrellas serían geniales."),
    (incentive("es"), "es", "Le reembolsamos 10 euros si borra su reseña."),
    (incentive("es"), "es", "Un cupón de descuento por su opinión."),
    (incentive("es"), "es", "A cambio de una reseña le enviamos un regalo."),
    (happy("es"), "es", "Si está satisfecho con la taza, déjenos una reseña."),
    (happy("es"), "es", "Antes de dejar una valoración negativa, contáctenos."),
    (payment("es"), "es", "Puede pagarnos por transferencia bancaria."),
    (payment("es"), "es", "También puede pagar con Bizum."),
    (positive("ja"), "ja", "5つ星のレビューをお願いします。"),
    (positive("ja"), "ja", "高評価をいただけると嬉しいです。"),
    (positive("ja"), "ja", "評価を削除していただけませんか。"),
    (positive("ja"), "ja", "高く評価していただけると励みになります。"),
    (positive("ja"), "ja", "★★★★★をお願いします。"),
    (positive("ja"), "ja", "良いレビューを書いていただけると嬉しいです。"),
    (positive("ja"), "ja", "素敵なレビューをいただけると幸いです。"),
    (positive("ja"), "ja", "好意的なレビューを投稿していただけませんか。"),
    (incentive("ja"), "ja", "レビューを削除していただければ、全額返金いたします。"),
    (incentive("ja"), "ja", "レビューのお礼にギフト券をお送りします。"),
    (incentive("ja"), "ja", "ギフト券と引き換えにレビューを書いてください。"),
    (happy("ja"), "ja", "ご満足いただけましたら、ぜひレビューをお願いします。"),
    (happy("ja"), "ja", "低評価をつける前にご連絡ください。"),
    (payment("ja"), "ja", "銀行振込でお支払いください。"),
    (payment("ja"), "ja", "PayPayでもお支払いいただけます。"),
    (MESSENGER_JA, "ja", "LINEでご連絡ください。"),
    (own_shop("en"), "en", "Spare lids are cheaper if you order directly from our website."),
    (own_shop("en"), "en", "Just google us to find the rest of the range."),
    (own_shop("de"), "de", "Besuchen Sie unseren Online-Shop für Ersatzdeckel."),
    (own_shop("de"), "de", "Bestellen Sie direkt über unsere Webseite, das ist günstiger."),
    (own_shop("fr"), "fr", "Visitez notre site web pour les couvercles."),
    (own_shop("fr"), "fr", "Commandez directement sur notre boutique en ligne."),
    (own_shop("it"), "it", "Visiti il nostro sito web per i coperchi."),
    (own_shop("it"), "it", "Ordini direttamente dal nostro negozio online."),
    (own_shop("es"), "es", "Visite nuestra página web para las tapas."),
    (own_shop("es"), "es", "Compre directamente en nuestra tienda online."),
    (own_shop("ja"), "ja", "当店のホームページからもご注文いただけます。"),
    (own_shop("ja"), "ja", "公式サイトで新商品をご覧ください。"),
    (LINK, "en", "Our full range is at https://mugshop.example/shop"),
    (LINK, "en", "Visit www.mugshop-direct.com for spare lids."),
    (LINK, "de", "Ersatzdeckel finden Sie auf mugshop.de im Shop."),
    (LINK, "de", "Schauen Sie auf https://bit.ly/3xYz vorbei."),
    (EMAIL_RULE, "en", "Write to us at info@mugshop.example any time."),
    (EMAIL_RULE, "de", "Schreiben Sie direkt an service.team@mugshop.de."),
    (EMAIL_RULE, "ja", "メールはinfo@mugshop.jpまでお送りください。"),
    (PHONE_RULE, "en", "Call us on +1 415 555 0134."),
    (PHONE_RULE, "en", "Our hotline: (555) 123-4567."),
    (PHONE_RULE, "de", "Rufen Sie uns an: 030 12345678."),
    (PHONE_RULE, "de", "Telefon 0800-123 45 67, Mo bis Fr."),
    (PHONE_RULE, "fr", "Appelez-nous au 01 23 45 67 89."),
    (PHONE_RULE, "it", "Ci chiami al numero 0212345678."),
    (PHONE_RULE, "es", "Llámenos al 912345678."),
    (PHONE_RULE, "ja", "お電話は03-1234-5678までどうぞ。"),
    (MESSENGER, "en", "Send us a photo on WhatsApp."),
    (MESSENGER, "de", "Schreiben Sie uns gerne über Instagram."),
    (PAY_SERVICE, "en", "You can pay by PayPal to save fees."),
    (PAY_SERVICE, "de", "Die IBAN für die Zahlung lautet DE89 3704 0044 0532 0130 00."),
    # The top score, asked for in each language.
    (TOP_SCORE, "en", "Please rate us 5/5."),
    (TOP_SCORE, "en", "Please give us the highest rating."),
    (TOP_SCORE, "de", "Bitte geben Sie uns die Höchstbewertung."),
    (TOP_SCORE, "de", "Bitte bewerten Sie uns mit 10/10."),
    (TOP_SCORE, "fr", "Une note de 5/5 nous aiderait beaucoup."),
    (TOP_SCORE, "fr", "Merci de nous mettre la note maximale."),
    (TOP_SCORE, "it", "Ci dia 5/5 nella recensione."),
    (TOP_SCORE, "it", "Ci dia il punteggio massimo."),
    (TOP_SCORE, "es", "Denos un 5/5 en su valoración."),
    (TOP_SCORE, "es", "Denos la máxima puntuación."),
    (TOP_SCORE, "ja", "5点満点の評価をお願いします。"),
]
# Replies that come close and break no rule at all: (language, text).
NEAR_MISSES = [
    ("en", "Thank you for your feedback about the lid; we will send a free replacement."),
    ("en", "We have updated the product description after your feedback."),
    ("en", "Thanks for updating us on the delivery, it helps."),
    ("en", "If you are not happy with the replacement, please let us know."),
    ("en", "If you have any questions about the refund, just reply to this message."),
    ("en", f"Your refund for order {ORDER} has been issued to your original payment method."),
    ("en", "You can follow the parcel at https://www.dhl.de/de/privatkunden/pakete-verfolgen.html"),
    ("en", "Your order page on Amazon.co.uk shows the tracking: "
           "https://www.amazon.co.uk/gp/your-account"),
    ("en", "The parcel has tracking number 00340434161094042557 and arrives on 24.12.2026."),
    ("en", "We refunded 1.234,56 € on 01.12.2026 for the mug (ASIN B01FCAWEYM), 2 pieces."),
    ("en", "Just reply to this message and we will help. You can look at amazon.de for it."),
    ("en", "The lid is a swift fix: a new one is on its way, free of charge."),
    ("en", "Visit our Amazon store to see the matching lids."),
    ("en", "The set has 5 star-shaped cutters. If you are happy with them, the star-shaped "
           "lid fits too."),
    ("en", "We packed 5 starfish moulds and five star shaped sprinkles."),
    ("en", "The fridge has a 5-star energy rating, and the car seat a five-star safety rating."),
    ("en", "The towels are 5 star hotel quality, as soft as the photos show."),
    ("de", "Die Bettwäsche hat 5 Sterne Hotel Qualität."),
    ("fr", "Des serviettes de qualité hôtel 5 étoiles, comme sur les photos."),
    ("it", "Asciugamani di qualità hotel a 5 stelle, come nelle foto."),
    ("es", "Toallas con calidad de hotel de 5 estrellas, como en las fotos."),
    ("de", "Im Set sind 5 sternförmige Ausstecher. Wenn Sie zufrieden sind, passt auch der "
           "sternförmige Deckel."),
    ("de", "Dazu legen wir fünf Sternanis und 5 Sternschrauben bei."),
    ("de", "Vielen Dank für Ihr Feedback. Wir haben die Erstattung veranlasst."),
    ("de", "Vielen Dank für Ihr Feedback, wir werden die Verpackung ändern."),
    ("de", "Wenn Sie nicht zufrieden sind, senden Sie den Artikel einfach zurück."),
    ("de", "Den Ersatz schicken wir Ihnen kostenlos zu."),
    ("de", "Die Erstattung erfolgt automatisch auf Ihr ursprüngliches Zahlungsmittel."),
    ("de", "Ihre Sendungsnummer lautet 0034 0434 1610 9404 2557, Zustellung bis 10115 Berlin."),
    ("de", "Den Stand sehen Sie unter https://www.amazon.de/gp/css/order-history bei Amazon.de."),
    ("de", f"Bestellung {ORDER}: Antworten Sie einfach auf diese Nachricht."),
    ("de", "Besuchen Sie unseren Shop auf Amazon für passende Deckel."),
    ("fr", "Merci pour votre avis, nous allons modifier l'emballage."),
    ("fr", "Le point de vue du client compte beaucoup pour nous."),
    ("fr", "À mon avis, le colis arrivera demain."),
    ("fr", "Si vous n'êtes pas satisfait, renvoyez simplement l'article."),
    ("fr", "Votre remboursement a été effectué sur votre moyen de paiement d'origine."),
    ("fr", "Nous vous envoyons gratuitement un couvercle de remplacement."),
    ("fr", "Visitez notre boutique Amazon pour les couvercles assortis."),
    ("fr", "Suivez votre colis sur https://www.laposte.fr/outils/suivre-vos-envois (6A12345678901)."),
    ("fr", f"Votre commande {ORDER} du 03/12/2026 est partie, 2 tasses, 1 couvercle."),
    ("it", "Grazie per la sua recensione, miglioreremo l'imballaggio."),
    ("it", "Se non è soddisfatto, ci contatti."),
    ("it", "Il rimborso è stato effettuato sul suo metodo di pagamento."),
    ("it", "Le inviamo gratis un coperchio nuovo."),
    ("it", "Visiti il nostro negozio su Amazon per i coperchi."),
    ("it", "Può seguire la spedizione su https://www.poste.it, codice 1234567890123."),
    ("es", "Gracias por su opinión, mejoraremos el embalaje."),
    ("es", "Si no está satisfecho, contáctenos."),
    ("es", "El punto es que el paquete llega mañana."),
    ("es", "El reembolso se ha realizado con su método de pago original."),
    ("es", "Le enviamos gratis una tapa nueva."),
    ("es", "Visite nuestra tienda en Amazon para ver las tapas."),
    ("es", "Puede seguir el envío en https://www.correos.es con el número PQ4B5C0012345678."),
    ("ja", "ご満足いただけない場合は、ご連絡ください。"),
    ("ja", "返金の手続きが完了しました。"),
    ("ja", "商品の説明を変更しました。"),
    ("ja", "お届け予定日は5月3日です。"),
    ("ja", "ご意見ありがとうございます。改善いたします。"),
    ("ja", "Amazonのストアページもご覧ください。"),
    ("ja", "この商品は多くのお客様に高く評価されています。"),
    ("ja", "高評価をいただいている人気の商品です。"),
    ("ja", "お荷物の追跡番号は1234-5678-9012です。"),
    ("ja", "レビューを書いていただく必要はございません。商品ページのレビューもご参照ください。"),
    ("ja", "ご意見を書いていただき、ありがとうございます。"),
    ("fr", "Merci pour votre critique, nous améliorons l'emballage."),
    ("ja", "注文履歴はhttps://www.amazon.co.jp/gp/css/order-historyでご確認いただけます。"),
    ("fr", "Merci ! De rien, c'est un point important pour nous."),
    ("es", "El punto es que su pedido llegará mañana."),
    ("it", "A che punto è la spedizione? Arriva domani."),
    ("en", "It arrived. It was packed well. At least the box was."),
    ("en", "Your parcel goes out with D H L . C O M P L E T E tracking is attached."),
    # 5/5 and 10/10 as dates, beside words that rate nothing.
    ("en", "Your parcel arrives on 5/5, rated as express delivery? No, standard."),
    ("en", "The exchange rate on 10/10 was used for the refund."),
    ("fr", "Livraison le 5/5, merci de votre patience."),
    ("es", "La nota de entrega del 5/5 está adjunta."),
    ("ja", "満点の笑顔でお届けします。"),
    # The tracking pages of each marketplace country's own carriers.
    ("ja", "ヤマト運輸の追跡はこちら：https://toi.kuronekoyamato.co.jp/cgi-bin/tneko"),
    ("ja", "佐川急便の追跡：https://k2k.sagawa-exp.co.jp/p/sagawa/web/okurijoinput.jsp"),
    ("it", "Può seguire il pacco su https://vas.brt.it/vas/sped_numspe_par.htm"),
    ("es", "Puede seguir el envío en https://www.seur.com/livetracking/"),
    ("es", "Puede seguir el envío en https://www.mrw.es/seguimiento_envios/"),
    ("fr", "Suivez votre colis sur https://www.chronopost.fr/tracking-no-cms/suivi-page"),
    ("fr", "Suivez votre colis sur https://www.mondialrelay.fr/suivi-de-colis/"),
    ("en", "Track your parcel at https://www.evri.com/track-a-parcel"),
]
# Evasions: (rule, language, text, the original words the finding must quote).
EVASIONS = [
    (positive("en"), "en", "Please leave a 5 - s t a r review.", "5 - s t a r review"),
    (positive("en"), "en", "Please leave a positive r e v i e w.", "positive r e v i e w"),
    (positive("en"), "en", "Please leave a p.o.s.i.t.i.v.e review.", "p.o.s.i.t.i.v.e review"),
    (positive("en"), "en", "Please leave a p\u043es\u0456tive r\u0435view.",
     "p\u043es\u0456tive r\u0435view"),  # Cyrillic o, i, e
    (positive("en"), "en", "Please leave a posi\u00adtive re\u200bview.",
     "posi\u00adtive re\u200bview"),
    (positive("en"), "en", "Please leave a ＰＯＳＩＴＩＶＥ ＲＥＶＩＥＷ.", "ＰＯＳＩＴＩＶＥ ＲＥＶＩＥＷ"),
    (positive("en"), "en", "Please leave a 𝐩𝐨𝐬𝐢𝐭𝐢𝐯𝐞 review.", "𝐩𝐨𝐬𝐢𝐭𝐢𝐯𝐞 review"),
    (positive("en"), "en", "We hope for ⭐⭐⭐⭐⭐ from you.", "⭐⭐⭐⭐⭐"),
    (positive("de"), "de", "Bitte geben Sie uns eine p\u03bfsitive Bewertung.",
     "p\u03bfsitive Bewertung"),  # Greek omicron
    (positive("fr"), "fr", "Laissez-nous un avis 5 é t o i l e s.", "avis 5 é t o i l e s"),
    (positive("es"), "es", "Déjenos una rese\u0303na de 5 estrellas.", "rese\u0303na de 5 estrellas"),
    (positive("ja"), "ja", "５つ星のレビューをお願いします。", "５つ星"),
    (LINK, "en", "Spare lids on mugshop dot com.", "mugshop dot com"),
    (LINK, "en", "Spare lids: hxxps://mugshop.example/lids", "hxxps://mugshop.example/lids"),
    (LINK, "de", "Ersatzdeckel auf mugshop punkt de.", "mugshop punkt de"),
    (LINK, "en", "Spare lids on mugshop[.]com", "mugshop[.]com"),
    (EMAIL_RULE, "en", "Write to info [at] mugshop dot com.", "info [at] mugshop dot com"),
    (EMAIL_RULE, "de", "Schreiben Sie an name(at)mugshop.de.", "name(at)mugshop.de"),
    (EMAIL_RULE, "en", "Write to name at mugshop dot com.", "name at mugshop dot com"),
    (EMAIL_RULE, "ja", "info＠mugshop．jp へどうぞ。", "info＠mugshop．jp"),
    (EMAIL_RULE, "ja", "メールはinfo@mugshop.jpまでお送りください。", "info@mugshop.jp"),
    (LINK, "ja", "詳しくはhttps://mugshop.jp/lidsをご覧ください。", "https://mugshop.jp/lids"),
    (PHONE_RULE, "de", "Rufen Sie an: ０３０ １２３４ ５６７８.", "０３０ １２３４ ５６７８"),
    # A Japanese input method in kana mode types ー for "-".
    (PHONE_RULE, "ja", "お電話は０９０ー１２３４ー５６７８までどうぞ。", "０９０ー１２３４ー５６７８"),
    (MESSENGER, "en", "Write us on W h a t s A p p.", "W h a t s A p p"),
    (MESSENGER, "en", "Write us on Whats\u0410pp.", "Whats\u0410pp"),  # Cyrillic A
    (PAY_SERVICE, "en", "Pay via P a y P a l.", "P a y P a l"),
    (PAY_SERVICE, "en", "Pay via Pay\u200bPal.", "Pay\u200bPal"),
    # Spaces around the dots, "www" with a spelled dot, the local names of "@", and a
    # Latin name written straight after Japanese words.
    (LINK, "en", "Spare lids on www . mugshop . com today.", "www . mugshop . com"),
    (LINK, "en", "Spare lids on w w w . m u g s h o p . c o m today.",
     "w w w . m u g s h o p . c o m"),
    (LINK, "de", "Ersatzdeckel auf m u g s h o p . d e.", "m u g s h o p . d e"),
    (LINK, "de", "Ersatzdeckel auf mugshop . de im Shop.", "mugshop . de"),
    (LINK, "fr", "Couvercles sur www . boutique-tasses . fr !", "www . boutique-tasses . fr"),
    (LINK, "it", "Visiti www punto tazze punto it.", "www punto tazze punto it"),
    (LINK, "es", "Visite www punto tazas punto es.", "www punto tazas punto es"),
    (LINK, "ja", "詳しくはｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍをご覧ください。", "ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ"),
    (LINK, "ja", "詳しくはmugshop.jpをご覧ください。", "mugshop.jp"),
    (LINK, "ja", "詳しくはmugshop。jpへ。", "mugshop。jp"),
    (EMAIL_RULE, "en", "Write to info @ mugshop . com.", "info @ mugshop . com"),
    (EMAIL_RULE, "fr", "Écrivez à info arobase tasses.fr.", "info arobase tasses.fr"),
    (EMAIL_RULE, "es", "Escriba a info arroba tazas punto es.", "info arroba tazas punto es"),
    (EMAIL_RULE, "it", "Scriva a info chiocciola tazze punto it.", "info chiocciola tazze punto it"),
    (EMAIL_RULE, "ja", "ｉｎｆｏ＠ｍｕｇｓｈｏｐ．ｊｐ へどうぞ。", "ｉｎｆｏ＠ｍｕｇｓｈｏｐ．ｊｐ"),
]


def facts(body: str = "Thank you.", subject: str = ORDER, **kw) -> ReplyFacts:
    return ReplyFacts(subject=subject, body=body, now=NOW, **{"order_id": ORDER, **kw})


def findings(reply: ReplyFacts, channel: str = "amazon-de") -> list:
    return compliance_check(facts=reply, channel=Channel.objects.get(code=channel))


def fired(reply: ReplyFacts) -> list[str]:
    return [f.rule for f in findings(reply)]


def test_every_shipped_rule_has_examples():
    names = ({name for name, _, _ in POSITIVES} | {name for name, _, _ in FACT_CASES})
    assert names == set(ComplianceRule.objects.values_list("name", flat=True))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_its_rules_with_examples_and_near_misses(lang):
    shipped = set(ComplianceRule.objects.filter(language=lang).values_list("name", flat=True))
    assert {positive(lang), incentive(lang), happy(lang), payment(lang), own_shop(lang)} <= shipped
    assert shipped <= {name for name, language, _ in POSITIVES if language == lang}
    assert sum(language == lang for language, _ in NEAR_MISSES) >= 4


@pytest.mark.parametrize(("rule", "lang", "text"), POSITIVES)
def test_a_rule_fires_on_its_example(rule, lang, text):
    assert rule in fired(facts(text, language=lang))


@pytest.mark.parametrize(("lang", "text"), NEAR_MISSES)
def test_a_near_miss_breaks_no_rule(lang, text):
    assert fired(facts(text, language=lang)) == []


@pytest.mark.parametrize(("rule", "lang", "text", "quote"), EVASIONS)
def test_an_evasion_is_found_and_quoted_as_written(rule, lang, text, quote):
    found = {f.rule: f for f in findings(facts(text, language=lang))}
    assert rule in found
    assert quote in found[rule].quotes


@pytest.mark.parametrize(("lang", "text", "quote"), [
    ("fr", "laissez-nous un avis 5 étoiles", "avis 5 étoiles"),
    ("fr", "nous vous remboursons 10 euros si vous supprimez votre avis", "supprimez votre avis"),
    ("it", "recensione a 5 stelle", "recensione a 5 stelle"),
    ("es", "reseña de 5 estrellas", "reseña de 5 estrellas"),
    ("ja", "5つ星のレビュー", "5つ星"),
    ("de", "bitte bewerten Sie uns mit 5 Sternen", "bewerten Sie uns mit 5 Sternen"),
])
def test_the_phrases_that_passed_before_are_found(lang, text, quote):
    found = findings(facts(text, language=lang))
    assert found and found[0].severity == "block"
    assert quote in [q for f in found for q in f.quotes]


def test_the_incentive_in_french_is_named_as_one():
    text = "nous vous remboursons 10 euros si vous supprimez votre avis"
    assert incentive("fr") in fired(facts(text, language="fr"))


def test_rules_of_another_language_stay_out_of_a_reply():
    spanish = "Gracias por su feedback. Super feedback nos ayuda mucho."
    german = "Super Feedback hilft uns sehr, vielen Dank."
    assert fired(facts(spanish, language="es")) == []
    assert fired(facts(german, language="de")) == [positive("de")]


def test_an_english_sentence_on_a_german_ticket_is_read_by_the_english_rules():
    text = "Vielen Dank für Ihre Nachricht. Please leave us a positive review, thank you!"
    assert positive("en") in fired(facts(text, language="de"))


def test_words_two_languages_find_are_named_by_the_replys_language():
    text = "★★★★★をお願いします。Please leave us ★★★★★, thank you."
    assert fired(facts(text, language="ja")) == [positive("ja")]
    assert fired(facts(text, language="en")) == [positive("en")]


def test_each_finding_appears_once():
    text = "Please pay by PayPal. Bitte zahlen Sie mit PayPal per Überweisung, danke."
    found = findings(facts(text, language="en"))
    quotes = [q for f in found for q in f.quotes]
    assert quotes.count("PayPal") == 1
    assert sorted(f.rule for f in found) == sorted([PAY_SERVICE, payment("de")])
    assert [f.language for f in found if f.rule == payment("de")] == ["de"]


def test_the_live_preview_marks_the_original_words():
    from helpdesk.inbox.composer import preview_html

    body = "Please leave a 5 - s t a r review."
    html = preview_html(body, findings(facts(body, language="en")))
    assert "<mark>5 - s t a r review</mark>" in html


HOSTILE = {
    "dotted": "a." * 8000,
    "dotted, then an at sign": "a." * 8000 + "@",
    "a word, then an at sign": "a" * 16000 + "@",
    "dotted pairs": "aa." * 5400,
    "hyphened": "aa-" * 5400,
    "at signs": "a@a." * 4000,
    "digits": "1 " * 8000,
    "web": "www." * 4000,
    "links": "https://" * 2000,
    "spaced": "a " * 8000,
    # for the folding's own rewrites: long blanks, spelled-out "at" and brackets
    "blanks": "a" + " " * 16000 + "b",
    "spelled at": "x at y " * 2300,
    "brackets": "a [" * 5400,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_the_address_and_link_finders_are_linear(name):
    # A backtracking finder spends n² steps here (0.6 s for 16k characters before); under
    # the match's time budget that is a timeout, which pattern_finditer raises.
    text = HOSTILE[name]
    for finder in (EMAIL, URL, BARE_DOMAIN, PHONE):
        pattern_finditer(finder, text)
        pattern_finditer(finder, text + "!")


def test_the_time_budget_catches_a_quadratic_finder():
    # The e-mail pattern as it was: each start runs to the at sign and fails after it.
    # Twice the hostile text is four times the work (seconds on any machine) against a
    # budget of a tenth of a second: the budget, not the machine's speed, decides.
    quadratic = pattern_compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
    with pytest.raises(PatternTimeout):
        pattern_finditer(quadratic, "a." * 16000 + "@", timeout=0.1)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_body_is_checked_in_full(name):
    # Every finder and every step of the folding runs under the match time budget: a
    # quadratic one would surface here as a rule that "could not be applied".
    body = HOSTILE[name] + " Write to info@mugshop.example"
    assert len(body) < CHECK_MAX_CHARS
    for proactive in (False, True):  # the seller-initiated rules read it too
        found = findings(facts(body, language="en", proactive=proactive))
        assert not [f for f in found if "could not be applied" in f.message]
        assert EMAIL_RULE in [f.rule for f in found]


def test_a_reply_too_long_to_check_is_blocked_with_the_reason():
    found = findings(facts("x" * (CHECK_MAX_CHARS + 1), language="en"))
    assert [f.severity for f in found] == ["block"]
    assert "too long to check" in found[0].message


def test_a_rule_saved_around_validation_is_skipped_and_named():
    ComplianceRule.objects.bulk_create([
        ComplianceRule(name="Broken", kind="pattern", language="", message="x",
                       params={"patterns": ["(unclosed"]}),
        ComplianceRule(name="Slow", kind="pattern", language="", message="x",
                       params={"patterns": [r"(a|aa)+$"]}),
        ComplianceRule(name="Slow on this reply only", kind="pattern", language="", message="x",
                       params={"patterns": [r"(x|xx)+y"]}),
        ComplianceRule(name="Wrong params", kind="phone_number", language="", message="x",
                       params={"min_digits": "seven"}),
    ])
    body = "a" * 60 + "! " + "x" * 80 + " Please leave a positive review."
    found = {f.rule: f for f in findings(facts(body, language="en"))}
    assert "took longer than" in found["Slow on this reply only"].message
    for name in ("Broken", "Slow", "Slow on this reply only", "Wrong params"):
        assert found[name].severity == "warn"
        assert "could not be applied" in found[name].message
    assert found[positive("en")].severity == "block"


def attachment(name: str, content_type: str, size: int = 200_000) -> tuple:
    return (AttachmentFacts(name, content_type, size),)


ORDER_MISSING = "Order ID missing in a seller-initiated message"
WINDOW = "Seller-initiated message more than 30 days after the order"
SIZE, TYPE = "Attachment over 10 MB", "Attachment that is not a document or an image"
THREAD = "Too many seller messages in one thread"
EMOJI = "Emoji or GIF in a seller-initiated message"
IMPORTANT = "[Important] in the subject without a critical reason"
GIF = AttachmentFacts("thanks.gif", "image/gif", 100_000)
PDF = AttachmentFacts("invoice.pdf", "application/pdf", 100_000)
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
    # Amazon's rules for messages the seller starts (a reply to the buyer is not one).
    (ORDER_MISSING, dict(subject="Votre commande", body="Votre colis est parti.", proactive=True,
                         order_id=""),
     dict(subject="Votre commande", body=f"Votre colis {ORDER} est parti.", proactive=True,
          order_id="")),  # an order not known here: any full order ID will do
    (ORDER_MISSING, dict(subject="ご注文", body="商品を発送しました。", proactive=True),
     dict(subject="ご注文", body="ご注文３０２‐１２３４５６７‐７６５４３２１を発送しました。",
          proactive=True)),  # full-width digits and hyphens are the order ID too
    (ORDER_MISSING, dict(subject="ご注文について", body="商品を発送しました。", proactive=True,
                         order_id=""),
     dict(subject="ご注文について", body="ご注文３０２ー１２３４５６７ー７６５４３２１を発送しました。",
          proactive=True, order_id="")),  # ー typed for "-" by a kana-mode input method
    (EMOJI, dict(body=f"Your order {ORDER} has shipped 😀", proactive=True),
     dict(body=f"Your order {ORDER} has shipped 😀")),
    (EMOJI, dict(body=f"Ihre Bestellung {ORDER} ist unterwegs 🇩🇪", proactive=True),
     dict(body=f"Ihre Bestellung {ORDER} ist unterwegs. © Becherhaus GmbH™", proactive=True)),
    (EMOJI, dict(body=f"Order {ORDER}: see https://media.giphy.com/media/x/thanks.gif",
                 proactive=True, language="en"),
     dict(body=f"Order {ORDER}: invoice attached.", proactive=True, attachments=(PDF,))),
    (EMOJI, dict(body=f"Commande {ORDER} : merci !", proactive=True, attachments=(GIF,)),
     dict(body=f"Commande {ORDER} : merci !", attachments=(GIF,))),
    (IMPORTANT, dict(subject=f"[Important] Your order {ORDER}", body="Have a look at our new mugs."),
     dict(subject=f"[Important] Your order {ORDER}",
          body="We need to confirm your delivery address before we can ship.")),
    (IMPORTANT, dict(subject=f"[Wichtig] Bestellung {ORDER}", body="Wir haben neue Becher."),
     dict(subject=f"[Wichtig] Bestellung {ORDER}",
          body="Bitte bestätigen Sie uns den Liefertermin.")),
    (IMPORTANT, dict(subject=f"[Important] Commande {ORDER}", body="Découvrez nos tasses."),
     dict(subject=f"[Important] Commande {ORDER}",
          body="Merci de nous confirmer la gravure souhaitée.")),
    (IMPORTANT, dict(subject=f"[Importante] Ordine {ORDER}", body="Scopra le nostre novità."),
     dict(subject=f"[Importante] Ordine {ORDER}",
          body="Ci conferma l'indirizzo di consegna, per favore?")),
    (IMPORTANT, dict(subject=f"[Importante] Pedido {ORDER}", body="Descubra nuestras tazas."),
     dict(subject=f"[Importante] Pedido {ORDER}",
          body="Necesitamos confirmar la dirección de entrega.")),
    (ORDER_MISSING, dict(subject="Il suo ordine", body="Il pacco è partito.", proactive=True),
     dict(subject=f"Ordine {ORDER}", body="Il pacco è partito.", proactive=True)),
    (ORDER_MISSING, dict(subject="Su pedido", body="El paquete ha salido.", proactive=True),
     dict(subject="Su pedido", body=f"El paquete del pedido {ORDER} ha salido.", proactive=True)),
    (EMOJI, dict(body=f"Ordine {ORDER}: grazie! 🙏", proactive=True),
     dict(body=f"Ordine {ORDER}: grazie! :-)", proactive=True)),
    (EMOJI, dict(body=f"Pedido {ORDER}: ¡gracias! ❤️", proactive=True),
     dict(body=f"Pedido {ORDER}: ¡gracias! ✓", proactive=True)),
    (IMPORTANT, dict(subject=f"[重要] ご注文 {ORDER}", body="新商品のご案内です。"),
     dict(subject=f"[重要] ご注文 {ORDER}", body="お届け日時指定のお願いです。")),
    (IMPORTANT, dict(subject=f"【Important】 Your order {ORDER}", body="Our summer sale starts."),
     dict(subject=f"Important news about order {ORDER}", body="Our summer sale starts.")),
]


@pytest.mark.parametrize(("rule", "positive", "near_miss"), FACT_CASES)
def test_a_rule_on_the_threads_facts_fires_and_keeps_quiet(rule, positive, near_miss):
    assert rule in fired(facts(**positive))
    assert fired(facts(**near_miss)) == []


def test_a_rule_can_be_limited_to_a_marketplace():
    rule = ComplianceRule.objects.get(name=payment("en"))
    assert payment("en") in fired(facts("Pay by bank transfer.", language="en"))
    rule.channel = Channel.objects.get(code="amazon-com")
    rule.save()
    assert payment("en") not in fired(facts("Pay by bank transfer.", language="en"))


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
    assert positive("en") in [f.rule for f in blocked.value.findings]
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
    assert outbox.findings[0]["rule"] == positive("en")
    assert outbox.findings[0]["quotes"] == ["5-star review"]


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


def test_a_reply_and_amazons_copy_of_it_are_one_seller_message(ingest_file):
    """Amazon mails the seller a copy of every message it passes on, when asked to: counted
    as a second message, every reply brought the thread's limit of 5 nearer by two, and the
    warning came at the third reply."""
    from mails import build_mail

    from helpdesk.mail.services import mail_ingest
    from helpdesk.tickets.models import Message

    first = ingest_file("amazon-de/lieferung_01_kaeufer.eml")
    ticket = Message.objects.get(pk=first.message_pk).ticket
    question = f"<{Message.objects.get(pk=first.message_pk).message_id.strip('<>')}>"
    words = ("Hallo Frau Hoffmann,\n\nwir haben bei DHL einen Nachforschungsauftrag gestellt. "
             "Falls sich das Paket bis Freitag nicht findet, schicken wir Ihnen kostenlos eine "
             "neue Flasche.\n\nViele Grüße\nJonas Weber")
    mail_ingest(raw=build_mail(  # the Sent folder's copy of the seller's reply
        sender="MugShop GmbH <service@mugshop.de>", to="r9o5tl4yntrj421@marketplace.amazon.de",
        subject="Re: Anfrage zur Lieferung", body=words, message_id="<sent1@mugshop.de>",
        date="Tue, 05 May 2026 14:39:50 +0000",
        headers={"In-Reply-To": question},
    ), source="test")
    ingest_file("amazon-de/lieferung_03_antwort_bestaetigung.eml")  # Amazon's copy of it
    assert ticket.messages.filter(direction="out").count() == 2  # both are shown
    assert reply_facts(ticket=ticket, subject="Re", body="Noch etwas.", now=NOW
                       ).seller_messages == 1
    # The same words sent again are a second message, its copy no third.
    mail_ingest(raw=build_mail(
        sender="MugShop GmbH <service@mugshop.de>", to="r9o5tl4yntrj421@marketplace.amazon.de",
        subject="Re: Anfrage zur Lieferung", body=words, message_id="<sent2@mugshop.de>",
        date="Tue, 05 May 2026 15:00:00 +0000",
        headers={"In-Reply-To": question},
    ), source="test")
    assert reply_facts(ticket=ticket, subject="Re", body="Noch etwas.", now=NOW
                       ).seller_messages == 2


def test_a_rule_matching_every_reply_written_around_validation_blocks_nothing():
    """A stray | written by a queryset update would block every reply: the rule is skipped
    with a warning that names it, and an ordinary reply is not blocked."""
    ComplianceRule.objects.bulk_create([ComplianceRule(
        name="Stray bar", kind="pattern", language="", message="x",
        params={"patterns": [r"\bcoupon\w*|"]})])
    found = {f.rule: f for f in findings(facts("Your parcel left today.", language="en"))}
    assert found["Stray bar"].severity == "warn"
    assert "matches an empty text" in found["Stray bar"].message

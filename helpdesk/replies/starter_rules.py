"""The shipped compliance rules (DOMAIN.md, "What a reply may and may not say"), installed by
data migrations and editable in admin afterwards.

A pattern reads the folded text (normalise.py): lower case, no accents ("étoiles" reads
"etoiles", "Größe" reads "grosse"), look-alike letters and spaced letters undone; so the
patterns below are written in that form, with stems ("bewert\\w*", "recension\\w*") rather
than single word forms. Every rule has positive and near-miss examples in every language it
is written for in tests/test_replies_compliance.py."""

# --- English
R_EN = r"(?:review|feedback|rating|testimonial)s?"
REWARD_EN = (r"(?:refund\w*|discount\w*|coupon\w*|voucher\w*|gift card\w*|free|reward\w*|"
             r"bonus\w*|compensat\w*|money back|cashback|\d+\s*(?:dollars?|pounds?|euros?)|"
             r"[$£€]\s*\d+)")
CHANGE_EN = (r"(?:remov|delet|chang|updat|revis|withdraw|reconsider|edit|amend|retract|"
             r"tak\w*\s+down)\w*")
# A star that stands for a rating, not the shape of a thing sold ("5 star-shaped cutters",
# "5 starfish"): "star" ends the word and is not the first half of a compound. Nor a grade
# the thing sold has from someone else: "5-star energy rating", "five-star safety rating",
# "5 star hotel towels".
GRADED_EN = r"\s+(?:hotel|resort|energy|safety|crash|wels|ancap|ncap)\b"
STARS_EN = rf"\b(?:5|five)[\s-]*(?:stars?(?![\w-]|\s+shaped?\b|{GRADED_EN})|★)|★{{3,}}"
# --- German
R_DE = r"(?:bewert|rezension|kundenrezension|beurteil|feedback)\w*"
REWARD_DE = (r"(?:gutschein|rabatt|erstatt|ruckerstatt|geld zuruck|gratis|kostenlos|geschenk|"
             r"pramie|bonus|entschadig|\d+\s*(?:euro|€))\w*")
CHANGE_DE = (r"(?:entfern\w*|losch\w*|andern|anderung\w*|geandert|abander\w*|zuruckzieh\w*|"
             r"zuruckzuziehen|zurucknehm\w*|anpass\w*|uberarbeit\w*|korrigier\w*|"
             r"aktualisier\w*|revidier\w*)")
# "5 Sterne", "fünf Sternen", "5 Sternchen"; not "5 sternförmige Ausstecher" or "Sternanis".
STAR_WORD_DE = r"stern(?:e|en|chen)?(?![\w-])"
# "5 Sterne Hotel", "5 Sterne Sicherheit" (a grade the thing sold has) are no rating asked for.
GRADED_DE = r"\s+(?:hotel|resort|energie\w*|sicherheit\w*|crashtest\w*)\b"
STARS_DE = rf"\b(?:5|funf)[\s-]*(?:{STAR_WORD_DE}(?!{GRADED_DE})|★)|★{{3,}}"
# --- French
R_FR = r"(?:avis|evaluation\w*|commentaire\w*|critique\w*|note|notes|feedback)"
REWARD_FR = (r"(?:rembours\w*|remise\w*|reduction\w*|bon d'achat|bons? de reduction|coupon\w*|"
             r"code promo|cadeau\w*|gratuit\w*|offert\w*|carte cadeau|dedommag\w*|"
             r"compensation\w*|geste commercial|\d+\s*(?:euros?|€))")
CHANGE_FR = r"(?:supprim|retir|modifi|chang|revis|reconsider|enlev|effac|corrig)\w*"
# "(qualité) hôtel 5 étoiles": the grade of a hotel the thing sold is likened to.
STARS_FR = r"(?<!\b(?:hotel|hotels|palace|resort)\s{1,3})\b(?:5|cinq)[\s-]*(?:etoile|★)\w*|★{3,}"
# --- Italian
R_IT = r"(?:recension\w*|valutazion\w*|feedback|giudizi\w*)"
REWARD_IT = (r"(?:rimbors\w*|scont\w*|buon[oi]\b|coupon|codice sconto|regal\w*|omaggio|gratis|"
             r"gratuit\w*|carta regalo|risarciment\w*|\d+\s*(?:euro|€))")
CHANGE_IT = r"(?:rimuov|rimozion|cancell|elimin|modific|cambi|aggiorn|ritir|rived|corregg)\w*"
STARS_IT = (r"(?<!\b(?:hotel|albergo|alberghi|resort)\s{1,3}(?:a\s{1,3})?)"
            r"\b(?:5|cinque)[\s-]*(?:stell|★)\w*|★{3,}")
# --- Spanish
R_ES = (r"(?:resen\w*|valoracion\w*|opinion\w*|calificacion\w*|comentario\w*|"
        r"puntuacion\w*|feedback)")
REWARD_ES = (r"(?:reembols\w*|descuento\w*|cupon\w*|regalo\w*|gratis|gratuit\w*|"
             r"tarjeta regalo|compensacion\w*|\d+\s*(?:euros?|€))")
CHANGE_ES = r"(?:elimin|borr|quit|retir|cambi|modific|actualiz|revis|reconsider|correg)\w*"
STARS_ES = (r"(?<!\b(?:hotel|hoteles|resort)\s{1,3}(?:de\s{1,3})?)"
            r"\b(?:5|cinco)[\s-]*(?:estrella|★)\w*|★{3,}")
# --- Japanese (no word boundaries: words are not separated by spaces)
R_JA = r"(?:レビュー|評価|口コミ|クチコミ|フィードバック)"
REWARD_JA = (r"(?:返金|割引|クーポン|ギフト券|ギフトカード|プレゼント|無料|謝礼|ポイント|特典|値引|"
             r"\d+\s*円)")
JA_SENTENCE = r"[^。！？!?\n]"
# "…を(書いて)いただけると", "…をください", "…をお願いします": asked for, with the verb of
# writing or posting a review between the review and the asking.
JA_ASK = (r"\s*(?:を|の)?\s*(?:して|書いて|書き込んで|投稿して|残して|寄せて)?\s*"
          r"(?:いただけ|いただき|頂け|頂き|くださ|下さ|お願い|つけて|付けて|お寄せ)")
MARKETPLACE_DOMAINS = [
    "amazon.com", "amazon.de", "amazon.co.uk", "amazon.fr", "amazon.it", "amazon.es",
    "amazon.ca", "amazon.co.jp", "amazon.nl", "amazon.pl", "amazon.se", "amazon.com.be",
    "kaufland.de",
]
# Tracking pages are needed for the order, so they may be linked.
CARRIER_DOMAINS = [
    "dhl.de", "dhl.com", "deutschepost.de", "dpd.de", "dpd.com", "hermesworld.com",
    "myhermes.de", "gls-pakete.de", "gls-group.eu", "ups.com", "fedex.com", "usps.com",
    "royalmail.com", "parcelforce.com", "canadapost-postescanada.ca", "laposte.fr",
    "colissimo.fr", "poste.it", "correos.es", "japanpost.jp",
    # The other carriers of the shipped marketplaces' countries: Yamato, Sagawa and Seino
    # carry most of Japan's parcels, BRT and SDA Italy's, SEUR, MRW, Correos Express and
    # Nacex Spain's, Chronopost, Mondial Relay and Colis Privé France's, Evri and Yodel
    # Britain's, Purolator Canada's.
    "kuronekoyamato.co.jp", "sagawa-exp.co.jp", "seino.co.jp", "brt.it", "sda.it",
    "gls-italy.com", "seur.com", "mrw.es", "correosexpress.com", "nacex.es", "gls-spain.es",
    "chronopost.fr", "mondialrelay.fr", "dpd.fr", "colisprive.com", "gls-france.com",
    "evri.com", "yodel.co.uk", "dpd.co.uk", "purolator.com", "tnt.com", "ontrac.com",
]
DOCUMENT_TYPES = [
    "application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic",
    "text/plain", "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]
# What makes a message critical enough for [Important] (delivery scheduling, customisation,
# an address problem), in every shipped language, folded.
IMPORTANT_REASONS = [
    r"\b(?:liefertermin|zustelltermin|lieferzeit\w*|termin\w*|schedul\w*|appointment|"
    r"deliver\w*\s+(?:date|slot|time|window)|rendez-vous|creneau|date de livraison|"
    r"appuntamento|consegna|fecha de entrega|entrega)\b|配達|お届け|日時指定|配送日",
    r"\b(?:customi[sz]\w*|personali[sz]\w*|engrav\w*|gravur\w*|monogram\w*|personnalis\w*|"
    r"personalizz\w*|incision\w*|grabado\w*)|名入れ|カスタマイズ|刻印",
    r"\b(?:address\w*|adresse\w*|anschrift|indirizz\w*|direccion\w*|postcode|zip code|"
    r"postleitzahl|code postal|codigo postal)\b|住所|宛先",
]
DOCUMENT_EXTENSIONS = [".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".txt",
                       ".doc", ".docx", ".odt", ".xls", ".xlsx"]

REVIEW_MESSAGE = ("Asking for a positive review or feedback, or for a review to be changed or "
                  "removed, breaks the marketplace's rules and can get the account suspended.")
INCENTIVE_MESSAGE = ("Offering a refund, discount, gift or anything else for a review or "
                     "feedback (or for changing one) is review manipulation.")
HAPPY_MESSAGE = ("Asking only satisfied buyers for a review (and the others to contact you "
                 "instead) is review manipulation.")
PAYMENT_MESSAGE = ("Payments go through the marketplace only; asking for another way of paying "
                   "is not permitted.")
TOP_SCORE = "Top score asked for (5/5, 10/10, the highest rating)"
# Rating words of every shipped language, folded (no accents), for the top-score rule.
RATING_ANY = (r"(?:rate|rates|rated|rating|ratings|review\w*|feedback|score\w*|bewert\w*|"
              r"rezension\w*|note|notes|avis|evaluation\w*|recension\w*|valutazion\w*|voto|"
              r"punteggio|valoracion\w*|resen\w*|puntuacion\w*|calificacion\w*|nota)")
# Not after a word that puts a date there: "arrives on 5/5", "livraison le 5/5", "del 5/5".
TOP_MARK = (r"(?<![\d/.,])(?<!\b(?:on|by|until|since|from|before|after|am|vom|bis|seit|ab|le|du|"
            r"au|il|al|dal|del|el|desde|hasta|entre)\s)(?:5/5|10/10|100/100)(?![\d/])")
POSITIVE = "Positive review or feedback asked for, or a change to one ({})"
INCENTIVE = "Review or feedback in exchange for something ({})"
HAPPY = "Reviews asked of happy buyers only ({})"
PAYMENT = "Payment outside the marketplace ({})"
OWN_SHOP = "Buyer sent to the seller's own website or shop ({})"
OWN_SHOP_MESSAGE = ("Sending the buyer to the seller's own website or shop takes the sale and "
                    "the conversation off the marketplace.")

# (name, kind, language, severity, message, params[, platform])
RULES = [
    # English
    (POSITIVE.format("en"), "pattern", "en", "block", REVIEW_MESSAGE, {"patterns": [
        rf"\b(?:positive|good|great|glowing|excellent|favou?rable|perfect|top)\s+{R_EN}\b",
        rf"\b(?:5|five)[\s-]*stars?[\s-]*{R_EN}\b",
        STARS_EN,
        rf"\b{CHANGE_EN}\s+(?:your|the|this|that|my|its)?\s*(?:[\w-]+\s+){{0,2}}?{R_EN}\b",
        rf"\b{R_EN}\b[^.!?;,\n]{{0,25}}\b(?:positive|glowing|favou?rable)\b",
    ]}),
    (INCENTIVE.format("en"), "pattern", "en", "block", INCENTIVE_MESSAGE, {"patterns": [
        rf"\b(?:in exchange for|in return for)\b[^.!?;\n]{{0,40}}\b{R_EN}\b",
        rf"\b{REWARD_EN}[^.!?\n]{{0,60}}\bif you\b[^.!?\n]{{0,40}}\b{R_EN}\b",
        rf"\bif you\b[^.!?\n]{{0,40}}\b{R_EN}\b[^.!?\n]{{0,60}}{REWARD_EN}",
        rf"{REWARD_EN}[^.!?;,\n]{{0,20}}\bfor (?:a|an|your|the)\b[^.!?;,\n]{{0,15}}\b{R_EN}\b",
    ]}),
    (HAPPY.format("en"), "pattern", "en", "block", HAPPY_MESSAGE, {"patterns": [
        r"\bif you(?:'re| are| were)?\b[^.!?;\n]{0,20}(?<!not )(?<!n't )\b(?:happy|satisfied|"
        rf"pleased|delighted)\b[^.!?;\n]{{0,80}}\b(?:{R_EN}\b|stars?(?![\w-]))",
        rf"\b(?:only|just)\b[^.!?;\n]{{0,30}}\b(?:happy|satisfied)\s+(?:customers|buyers)\b"
        rf"[^.!?;\n]{{0,60}}\b{R_EN}\b",
        rf"\bcontact us\b[^.!?;\n]{{0,40}}\b(?:instead of|before)\b[^.!?;\n]{{0,30}}\b{R_EN}\b",
    ]}),
    (PAYMENT.format("en"), "pattern", "en", "block", PAYMENT_MESSAGE, {"patterns": [
        r"\b(?:bank transfer|wire transfer|wire the|pay (?:us |me )?directly|direct payment|"
        r"pay (?:in )?cash|money order|bank details|sort code)\b",
    ]}),
    (OWN_SHOP.format("en"), "pattern", "en", "block", OWN_SHOP_MESSAGE, {"patterns": [
        r"\b(?:visit|check out|browse|see|order (?:directly )?(?:from|on|via)|buy (?:directly )?"
        r"(?:from|on|via)|find us on|shop (?:directly )?(?:on|at))\s+our\s+(?:own\s+)?"
        r"(?:web\s?site|web\s?shop|online (?:shop|store)|homepage)\b",
        r"\b(?:google us|search for us on google)\b",
    ]}),
    # German
    (POSITIVE.format("de"), "pattern", "de", "block",
     "Wer um eine positive Bewertung bittet oder darum, eine Bewertung zu ändern oder zu "
     "löschen, verstößt gegen die Regeln des Marktplatzes.", {"patterns": [
         rf"\b(?:positiv|gut|toll|hervorragend|ausgezeichnet|super|top|beste)\w*[\s-]+{R_DE}",
         rf"\b(?:5|funf)[\s-]*stern\w*[\s-]*{R_DE}",
         STARS_DE,
         rf"\b{R_DE}\b[^.!?;,\n]{{0,40}}\b{CHANGE_DE}\b",
         rf"\b{CHANGE_DE}\s+sie\s+(?:\w+\s+){{0,2}}{R_DE}",
         r"\bbewert\w*\s+sie\s+(?:uns|\w+)?\s*(?:bitte\s+)?(?:positiv|gut|mit (?:5|funf))",
     ]}),
    (INCENTIVE.format("de"), "pattern", "de", "block",
     "Eine Erstattung, ein Rabatt oder ein Geschenk für eine Bewertung (oder für deren "
     "Änderung) ist Bewertungsmanipulation.", {"patterns": [
         rf"\b(?:im austausch|als gegenleistung|im gegenzug)\b[^.!?;\n]{{0,40}}\b{R_DE}",
         rf"\b{REWARD_DE}\b[^.!?;,\n]{{0,30}}\b(?:fur|gegen)\s+(?:eine|ihre|die|ein|ihr)\s+"
         rf"(?:\w+\s+){{0,2}}{R_DE}",
         rf"\bwenn sie\b[^.!?\n]{{0,50}}\b{R_DE}\b[^.!?\n]{{0,60}}\b{REWARD_DE}",
         rf"\b{REWARD_DE}\b[^.!?\n]{{0,60}}\bwenn sie\b[^.!?\n]{{0,50}}\b{R_DE}",
     ]}),
    (HAPPY.format("de"), "pattern", "de", "block",
     "Nur zufriedene Käufer um eine Bewertung zu bitten ist Bewertungsmanipulation.",
     {"patterns": [
         r"\bwenn sie\b[^.!?;\n]{0,30}(?<!nicht )\b(?:zufrieden|glucklich|begeistert)\b"
         rf"[^.!?;\n]{{0,80}}\b(?:{R_DE}|{STAR_WORD_DE})",
         rf"\bnur\b[^.!?;\n]{{0,30}}\bzufriedene\w*\s+(?:kunden|kaufer)\w*\b[^.!?;\n]{{0,60}}"
         rf"\b{R_DE}",
         rf"\b(?:statt|bevor)\b[^.!?;\n]{{0,30}}\b{R_DE}\b[^.!?;\n]{{0,40}}\b(?:kontaktier|meld)",
     ]}),
    (PAYMENT.format("de"), "pattern", "de", "block",
     "Zahlungen laufen nur über den Marktplatz; eine andere Zahlungsweise anzubieten ist "
     "nicht erlaubt.", {"patterns": [
         r"\b(?:uberweisung|uberweisen|banküberweisung|bankverbindung|kontonummer|vorkasse|"
         r"barzahlung|in bar|direkt an uns (?:zahlen|bezahlen|uberweisen))\b",
     ]}),
    (OWN_SHOP.format("de"), "pattern", "de", "block",
     "Wer den Käufer auf die eigene Website oder den eigenen Shop schickt, holt Kauf und "
     "Gespräch vom Marktplatz.", {"patterns": [
         r"\b(?:besuchen sie|schauen sie (?:auf|in|bei)|bestellen sie (?:direkt )?"
         r"(?:uber|in|auf|bei)|kaufen sie (?:direkt )?(?:uber|in|auf|bei)|finden sie (?:uns|alles) "
         r"(?:auf|in))\s+unser\w*\s+(?:eigene\w*\s+)?(?:web-?seite|website|homepage|online-?shop|"
         r"web-?shop|internetseite)\b",
     ]}),
    # French
    (POSITIVE.format("fr"), "pattern", "fr", "block",
     "Demander un avis positif, ou qu'un avis soit modifié ou supprimé, enfreint les règles "
     "de la place de marché.", {"patterns": [
         r"\b(?:avis|evaluation\w*|commentaire\w*|note|feedback)\s+(?:tres\s+)?"
         r"(?:positi\w*|favorable\w*|excellent\w*|(?:a\s+)?(?:5|cinq)\s*etoile\w*)",
         rf"\b(?:bon|bonne|excellent\w*|positi\w*|meilleur\w*)\s+{R_FR}\b",
         STARS_FR,
         rf"\b{CHANGE_FR}\s+(?:\w+\s+){{0,3}}?{R_FR}\b",
         r"\b(?:mett\w*|mis)\s+a\s+jour\s+(?:\w+\s+){0,2}?" + R_FR + r"\b",
         r"\b(?:avis|evaluation\w*|commentaire\w*)\b[^.!?;,\n]{0,30}\b"
         r"(?:supprim|retir|modifi|enlev|effac)\w*",
     ]}),
    (INCENTIVE.format("fr"), "pattern", "fr", "block",
     "Offrir un remboursement, une remise ou un cadeau contre un avis (ou sa modification) "
     "est une manipulation des avis.", {"patterns": [
         rf"\b{REWARD_FR}[^.!?\n]{{0,60}}\bsi vous\b[^.!?\n]{{0,40}}\b{R_FR}\b",
         rf"\bsi vous\b[^.!?\n]{{0,40}}\b{R_FR}\b[^.!?\n]{{0,60}}\b{REWARD_FR}",
         rf"\b{REWARD_FR}[^.!?;,\n]{{0,25}}\b(?:pour|contre)\s+(?:un|une|votre|l')?\s*"
         rf"(?:\w+\s+){{0,2}}{R_FR}\b",
         rf"\ben (?:echange|contrepartie)\b[^.!?;\n]{{0,40}}\b{R_FR}\b",
     ]}),
    (HAPPY.format("fr"), "pattern", "fr", "block",
     "Ne demander un avis qu'aux acheteurs satisfaits est une manipulation des avis.",
     {"patterns": [
         r"\bsi vous (?:etes|avez ete)\s+(?:\w+\s+)?(?:satisfait|content|ravi|heureu)\w*"
         rf"[^.!?;\n]{{0,80}}\b(?:{R_FR}|etoile\w*)",
         rf"\bseul\w*\s+(?:les\s+)?clients?\s+satisfait\w*[^.!?;\n]{{0,60}}\b{R_FR}\b",
         rf"\b(?:plutot que|au lieu de|avant de)\b[^.!?;\n]{{0,30}}\b{R_FR}\s+negati\w*",
     ]}),
    (PAYMENT.format("fr"), "pattern", "fr", "block",
     "Les paiements passent uniquement par la place de marché ; proposer un autre moyen de "
     "paiement n'est pas autorisé.", {"patterns": [
         r"\b(?:virement\w*|payer directement|paiement direct|payez-nous directement|"
         r"en especes|mandat cash|coordonnees bancaires|rib)\b",
     ]}),
    (OWN_SHOP.format("fr"), "pattern", "fr", "block",
     "Envoyer l'acheteur vers le site ou la boutique du vendeur fait sortir la vente et "
     "l'échange de la place de marché.", {"patterns": [
         r"\b(?:visitez|consultez|rendez-vous sur|commandez (?:directement )?sur|achetez "
         r"(?:directement )?sur)\s+notre\s+(?:propre\s+)?(?:site(?: web| internet)?|"
         r"boutique en ligne|e-?shop)\b",
     ]}),
    # Italian
    (POSITIVE.format("it"), "pattern", "it", "block",
     "Chiedere una recensione positiva, o di modificare o rimuovere una recensione, viola le "
     "regole del marketplace.", {"patterns": [
         rf"\b{R_IT}\s+(?:molto\s+)?(?:positiv\w*|favorevol\w*|ottim\w*|eccellent\w*|"
         r"(?:a\s+|da\s+)?(?:5|cinque)\s*stell\w*)",
         rf"\b(?:buon\w*|ottim\w*|positiv\w*|bell\w*)\s+{R_IT}",
         STARS_IT,
         rf"\b{CHANGE_IT}\s+(?:\w+\s+){{0,3}}?{R_IT}\b",
         rf"\b{R_IT}\b[^.!?;,\n]{{0,30}}\b(?:rimuov|cancell|elimin|modific|ritir)\w*",
     ]}),
    (INCENTIVE.format("it"), "pattern", "it", "block",
     "Offrire un rimborso, uno sconto o un regalo in cambio di una recensione (o della sua "
     "modifica) è manipolazione delle recensioni.", {"patterns": [
         rf"\b{REWARD_IT}[^.!?\n]{{0,60}}\bse\b[^.!?\n]{{0,40}}\b{R_IT}",
         rf"\bse\b[^.!?\n]{{0,40}}\b{R_IT}[^.!?\n]{{0,60}}\b{REWARD_IT}",
         rf"\b{REWARD_IT}[^.!?;,\n]{{0,25}}\bper\s+(?:una|la|sua|vostra|un)?\s*"
         rf"(?:\w+\s+){{0,2}}{R_IT}",
         rf"\bin cambio\b[^.!?;\n]{{0,40}}\b{R_IT}",
     ]}),
    (HAPPY.format("it"), "pattern", "it", "block",
     "Chiedere una recensione solo agli acquirenti soddisfatti è manipolazione delle "
     "recensioni.", {"patterns": [
         r"\bse (?:e|siete|sei|fosse|e stato|e stata)?\s*(?:rimast\w*\s+)?(?:molto\s+)?"
         rf"(?:soddisfatt|content|felic)\w*[^.!?;\n]{{0,80}}\b(?:{R_IT}|stell\w*)",
         rf"\bsolo\b[^.!?;\n]{{0,30}}\bclienti\s+soddisfatt\w*[^.!?;\n]{{0,60}}\b{R_IT}",
         rf"\b(?:invece di|prima di)\b[^.!?;\n]{{0,30}}\b{R_IT}\s+negativ\w*",
     ]}),
    (PAYMENT.format("it"), "pattern", "it", "block",
     "I pagamenti passano solo dal marketplace; proporre un altro modo di pagare non è "
     "consentito.", {"patterns": [
         r"\b(?:bonifico|pagare direttamente|pagamento diretto|in contanti|postepay|"
         r"coordinate bancarie)\b",
     ]}),
    (OWN_SHOP.format("it"), "pattern", "it", "block",
     "Mandare l'acquirente sul sito o sul negozio del venditore porta la vendita e la "
     "conversazione fuori dal marketplace.", {"patterns": [
         r"\b(?:visit\w+|ordin\w+ (?:direttamente )?(?:sul|dal)|acquist\w+ (?:direttamente )?"
         r"(?:sul|dal))\s+(?:il\s+)?nostro\s+(?:sito(?: web| internet)?|negozio online|e-?shop|"
         r"shop online)\b",
     ]}),
    # Spanish
    (POSITIVE.format("es"), "pattern", "es", "block",
     "Pedir una reseña positiva, o que se cambie o elimine una reseña, infringe las normas "
     "del marketplace.", {"patterns": [
         rf"\b{R_ES}\s+(?:muy\s+)?(?:positiv\w*|favorable\w*|excelente\w*|"
         r"(?:de\s+)?(?:5|cinco)\s*estrella\w*)",
         rf"\b(?:buen\w*|excelente|positiv\w*|mejor)\s+{R_ES}",
         STARS_ES,
         rf"\b{CHANGE_ES}\s+(?:\w+\s+){{0,3}}?{R_ES}",
         rf"\b{R_ES}[^.!?;,\n]{{0,30}}\b(?:elimin|borr|quit|retir|modific)\w*",
     ]}),
    (INCENTIVE.format("es"), "pattern", "es", "block",
     "Ofrecer un reembolso, un descuento o un regalo a cambio de una reseña (o de su "
     "modificación) es manipulación de reseñas.", {"patterns": [
         rf"\b{REWARD_ES}[^.!?\n]{{0,60}}\bsi\b[^.!?\n]{{0,40}}\b{R_ES}",
         rf"\bsi\b[^.!?\n]{{0,40}}\b{R_ES}[^.!?\n]{{0,60}}\b{REWARD_ES}",
         rf"\b{REWARD_ES}[^.!?;,\n]{{0,25}}\bpor\s+(?:una|su|la|un)?\s*(?:\w+\s+){{0,2}}{R_ES}",
         rf"\ba cambio de\b[^.!?;\n]{{0,40}}\b{R_ES}",
     ]}),
    (HAPPY.format("es"), "pattern", "es", "block",
     "Pedir una reseña solo a los compradores satisfechos es manipulación de reseñas.",
     {"patterns": [
         r"\bsi (?:esta|estas|ha quedado|quedo|queda)\s+(?:muy\s+)?(?:satisfech|content|feliz)"
         rf"\w*[^.!?;\n]{{0,80}}\b(?:{R_ES}|estrella\w*)",
         rf"\bsolo\b[^.!?;\n]{{0,30}}\bclientes\s+satisfech\w*[^.!?;\n]{{0,60}}\b{R_ES}",
         rf"\b(?:en lugar de|antes de)\b[^.!?;\n]{{0,30}}\b{R_ES}\s+negativ\w*",
     ]}),
    (PAYMENT.format("es"), "pattern", "es", "block",
     "Los pagos pasan solo por el marketplace; proponer otra forma de pago no está "
     "permitido.", {"patterns": [
         r"\b(?:transferencia bancaria|por transferencia|pagar directamente|pago directo|"
         r"en efectivo|bizum|giro postal|datos bancarios)\b",
     ]}),
    (OWN_SHOP.format("es"), "pattern", "es", "block",
     "Enviar al comprador a la web o la tienda del vendedor saca la venta y la conversación "
     "del marketplace.", {"patterns": [
         r"\b(?:visit\w+|compr\w+ (?:directamente )?en|ped\w+ (?:directamente )?en)\s+"
         r"nuestr[ao]\s+(?:propi[ao]\s+)?(?:pagina web|web|sitio web|tienda online|"
         r"tienda en linea)\b",
     ]}),
    # Japanese
    (POSITIVE.format("ja"), "pattern", "ja", "block",
     "高評価を依頼したり、評価の変更・削除を依頼したりすることはマーケットプレイスの規約違反です。",
     {"patterns": [
         r"(?:5|五)\s*(?:つ星|つ★|星|★)|星\s*(?:5|五)|★\s*5|★{3,}",
         # asked for ("…いただけると", "…ください"), not told ("高く評価されています")
         r"(?:高評価|好評価|最高評価|満点|(?:良い|よい|いい|ポジティブな?|素敵な|すてきな|好意的な"
         r"|前向きな)\s*"
         rf"(?:評価|レビュー|口コミ|フィードバック)){JA_ASK}",
         rf"{R_JA}\s*(?:を|の)?\s*(?:削除|取り消|取消|変更|修正|撤回|書き換え|書き直)",
         rf"(?:高く|良く|よく)\s*評価{JA_ASK}",
     ]}),
    (INCENTIVE.format("ja"), "pattern", "ja", "block",
     "評価やレビュー(またはその変更)と引き換えに返金・割引・プレゼントなどを提供することはレビュー操作です。",
     {"patterns": [
         rf"{R_JA}{JA_SENTENCE}{{0,30}}(?:ば|たら|ていただ|て頂)"
         rf"{JA_SENTENCE}{{0,30}}{REWARD_JA}",
         rf"{REWARD_JA}{JA_SENTENCE}{{0,30}}(?:代わりに|かわりに|引き換え|引換|お礼|として)"
         rf"{JA_SENTENCE}{{0,20}}{R_JA}",
         rf"{R_JA}{JA_SENTENCE}{{0,20}}(?:お礼|引き換え|引換|代わり){JA_SENTENCE}{{0,20}}{REWARD_JA}",
     ]}),
    (HAPPY.format("ja"), "pattern", "ja", "block",
     "満足した購入者だけにレビューを依頼することはレビュー操作です。", {"patterns": [
         rf"(?:満足|気に入){JA_SENTENCE}{{0,15}}(?:たら|れば|ましたら|た場合|でしたら)"
         rf"{JA_SENTENCE}{{0,40}}(?:{R_JA}|★|星)",
         rf"(?:悪い評価|低評価|星\s*1|★\s*1){JA_SENTENCE}{{0,20}}(?:前に|代わりに|の前)"
         rf"{JA_SENTENCE}{{0,30}}(?:連絡|問い合わせ)",
     ]}),
    (PAYMENT.format("ja"), "pattern", "ja", "block",
     "支払いはマーケットプレイス経由のみです。他の支払い方法を案内することは認められていません。",
     {"patterns": [
         r"(?:銀行振込|銀行振り込み|振込先|振り込み先|口座番号|直接\s*(?:お)?支払|現金書留|"
         r"paypay|ペイペイ)",
     ]}),
    (OWN_SHOP.format("ja"), "pattern", "ja", "block",
     "自社サイトやショップへの誘導は、販売とやり取りをマーケットプレイスの外に移すことになります。",
     {"patterns": [
         r"(?:自社|当店|当社|弊社)(?:の)?\s*(?:サイト|ホームページ|ウェブサイト|オンラインショップ|"
         r"ネットショップ|通販サイト)|公式(?:サイト|ホームページ|オンラインショップ|通販)",
     ]}),
    ("Contact through a messenger (ja)", "pattern", "ja", "block",
     "LINEなどのメッセンジャーでの連絡は、やり取りをマーケットプレイスの外に移すことになります。",
     {"patterns": [r"\bline\s*(?:id|@|公式|で|に|の|アカウント)|ライン\s*(?:id|で|に|の)"]}),
    ("Link that leads off the marketplace", "external_link", "", "block",
     "Links may only lead to the marketplace or to a carrier's tracking page; other sites "
     "take the buyer off the marketplace.",
     {"allowed_domains": MARKETPLACE_DOMAINS + CARRIER_DOMAINS}),
    ("E-mail address", "email_address", "", "block",
     "An e-mail address invites the buyer to write outside the marketplace: the buyer replies "
     "to this message instead.",
     {"allowed_domains": []}),
    ("Phone number", "phone_number", "", "block",
     "A phone number takes the conversation off the marketplace.",
     {"min_digits": 7, "max_digits": 15}),
    ("Contact through a messenger or social network", "pattern", "", "block",
     "Messengers and social networks take the conversation off the marketplace.",
     {"patterns": [r"\b(?:whatsapp|telegram|viber|wechat|skype|facebook|instagram|tiktok|"
                   r"snapchat|threema|kakaotalk|messenger)\b"]}),
    # The top score in any language: "rate us 5/5", "une note de 5/5", "la note maximale",
    # "Höchstbewertung", "punteggio massimo", "la máxima puntuación", "満点の評価をお願いします".
    # A bare 5/5 is a date (May 5th): it counts next to a rating word only.
    (TOP_SCORE, "pattern", "", "block", REVIEW_MESSAGE, {"patterns": [
        rf"\b{RATING_ANY}\b[^.!?\n]{{0,30}}{TOP_MARK}",
        rf"{TOP_MARK}[^.!?\n]{{0,30}}\b{RATING_ANY}\b",
        r"\b(?:highest|maximum|max|full|best possible)\s+(?:rating|score|marks)\b",
        r"\bhochstbewertung\w*|\bbestnote\w*|\bvolle\w*\s+punktzahl"
        r"|\bhochste\w*\s+(?:bewertung|punktzahl|note)\b",
        r"\bnote\s+(?:maximale|maximum|parfaite)\b",
        r"\b(?:punteggio|voto|valutazione)\s+massim[oa]\b|\bmassimo\s+(?:dei\s+voti|punteggio)\b",
        r"\b(?:maxima|mejor)\s+(?:puntuacion|nota|calificacion|valoracion)\b"
        r"|\b(?:puntuacion|nota|calificacion|valoracion)\s+maxima\b",
        rf"満点(?:の)?(?:評価|レビュー)?{JA_ASK}",
    ]}),
    ("Payment through a service outside the marketplace", "pattern", "", "block",
     PAYMENT_MESSAGE,
     {"patterns": [r"\b(?:paypal|venmo|zelle|western union|moneygram|cash ?app|revolut|skrill|"
                   r"payoneer|bitcoin|btc|ethereum|crypto\w*|iban|swift[\s-]?code)\b"]}),
    ("Order ID missing in a seller-initiated message", "order_id_missing", "", "block",
     "A message the seller starts must name the order it is about (its full order ID).", {}),
    ("Seller-initiated message more than 30 days after the order", "proactive_window", "",
     "block", "A message the seller starts is only permitted within 30 days of the order's "
     "completion.", {"days": 30}),
    ("Emoji or GIF in a seller-initiated message", "emoji_or_gif", "", "block",
     "A message the seller starts may not contain emojis or GIFs (Amazon's rules for "
     "proactive messages).", {}, "amazon"),
    ("[Important] in the subject without a critical reason", "important_tag", "", "block",
     "[Important] in the subject is only for the critical reasons Amazon allows even to "
     "buyers who opted out: scheduling a delivery, customising the order, or a problem with "
     "the delivery address. Say which, or take the tag out.",
     {"reasons": IMPORTANT_REASONS}, "amazon"),
    ("Attachment over 10 MB", "attachment_size", "", "block",
     "Attachments may be at most 10 MB.", {"max_bytes": 10 * 1024 * 1024}),
    ("Attachment that is not a document or an image", "attachment_type", "", "block",
     "Only documents (PDF, text, Word, Excel) and images may be attached.",
     {"allowed_types": DOCUMENT_TYPES, "allowed_extensions": DOCUMENT_EXTENSIONS}),
    ("Too many seller messages in one thread", "thread_limit", "", "warn",
     "This thread already has many seller messages; the marketplace throttles further ones, "
     "so this one may not be delivered. Wait for the buyer if you can.",
     {"max_seller_messages": 5}),
]


def rules_install(apps: object = None, *, shipped_before: dict[str, dict] | None = None) -> int:
    """Install the shipped rules that are not there yet (by name); how many were. A rule still
    exactly as an earlier version shipped it (``shipped_before``: name → its params then) is
    brought up to this version; one an admin has changed is left as it is."""
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    rule_model = apps.get_model("replies", "ComplianceRule")
    shipped_before = shipped_before or {}
    created = 0
    for name, kind, language, severity, message, params, *platform in RULES:
        values = {"kind": kind, "language": language, "severity": severity,
                  "message": message, "params": params, "platform": "".join(platform)}
        rule, made = rule_model.objects.get_or_create(name=name, defaults=values)
        created += made
        if not made and name in shipped_before and rule.params == shipped_before[name]:
            rule_model.objects.filter(pk=rule.pk).update(**values)
    return created

"""The shipped compliance rules (DOMAIN.md, "What a reply may and may not say"), installed by
a data migration and editable in admin afterwards. Every one has positive and near-miss
examples in English and German in tests/test_replies_compliance.py."""

# Words that name a review: used in several patterns.
R_EN = r"(?:review|feedback|rating)s?"
R_DE = r"(?:Bewertung|Rezension|Kundenrezension|Beurteilung|Feedback)(?:en)?"
REWARD_EN = (r"(?:refund|discount|coupon|voucher|gift card|free|reward|bonus|compensation|"
             r"money back|cashback)")
REWARD_DE = (r"(?:Gutschein|Rabatt|Erstattung|erstatten|Rückerstattung|Geld zurück|gratis|"
             r"kostenlos|Geschenk|Prämie|Bonus)")
CHANGE_EN = (r"(?:remove|removing|delete|deleting|change|changing|update|updating|revise|"
             r"revising|withdraw|withdrawing|reconsider|reconsidering|take down|taking down)")
CHANGE_DE = (r"(?:entfernen|löschen|ändern|zurückziehen|zurücknehmen|anpassen|überarbeiten|"
             r"korrigieren|aktualisieren)")
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
]
DOCUMENT_TYPES = [
    "application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic",
    "text/plain", "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]
DOCUMENT_EXTENSIONS = [".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".txt",
                       ".doc", ".docx", ".odt", ".xls", ".xlsx"]

# (name, kind, language, severity, message, params)
RULES = [
    ("Positive review or feedback asked for, or a change to one (en)", "pattern", "en", "block",
     "Asking for a positive review or feedback, or for a review to be changed or removed, "
     "breaks the marketplace's rules and can get the account suspended.",
     {"patterns": [
         rf"\b(?:positive|good|great|glowing|excellent|5[- ]?star|five[- ]?star)\s+{R_EN}\b",
         r"\b(?:5|five)\s+stars?\b",
         rf"\b{CHANGE_EN}\s+(?:your|the|this|that|my|its)?\s*(?:[\w-]+\s+){{0,2}}?{R_EN}\b",
     ]}),
    ("Positive review or feedback asked for, or a change to one (de)", "pattern", "de", "block",
     "Wer um eine positive Bewertung bittet oder darum, eine Bewertung zu ändern oder zu "
     "löschen, verstößt gegen die Regeln des Marktplatzes.",
     {"patterns": [
         rf"\b(?:positiv|gut|toll|hervorragend|5[- ]?Sterne|fünf[- ]?Sterne)\w*[\s-]+{R_DE}\b",
         r"\b(?:5|fünf)\s+Sterne\b",
         rf"\b{R_DE}\b[^.!?;,\n]{{0,40}}\b{CHANGE_DE}\b",
         rf"\b{CHANGE_DE}\s+Sie\s+(?:\w+\s+){{0,2}}{R_DE}\b",
     ]}),
    ("Review or feedback in exchange for something (en)", "pattern", "en", "block",
     "Offering a refund, discount, gift or anything else for a review or feedback (or for "
     "changing one) is review manipulation.",
     {"patterns": [
         rf"\b(?:in exchange for|in return for)\b[^.!?;\n]{{0,40}}\b{R_EN}\b",
         rf"\b{REWARD_EN}\b[^.!?\n]{{0,60}}\bif you\b[^.!?\n]{{0,40}}\b{R_EN}\b",
         rf"\bif you\b[^.!?\n]{{0,40}}\b{R_EN}\b[^.!?\n]{{0,60}}\b{REWARD_EN}\b",
         rf"\b{REWARD_EN}\b[^.!?;,\n]{{0,20}}\bfor (?:a|an|your|the)\b[^.!?;,\n]{{0,15}}\b{R_EN}\b",
     ]}),
    ("Review or feedback in exchange for something (de)", "pattern", "de", "block",
     "Eine Erstattung, ein Rabatt oder ein Geschenk für eine Bewertung (oder für deren "
     "Änderung) ist Bewertungsmanipulation.",
     {"patterns": [
         rf"\b(?:im Austausch|als Gegenleistung|im Gegenzug)\b[^.!?;\n]{{0,40}}\b{R_DE}",
         rf"\b{REWARD_DE}\w*\b[^.!?;,\n]{{0,30}}\b(?:für|gegen)\s+(?:eine|Ihre|die|ein|Ihr)\s+"
         rf"(?:\w+\s+){{0,2}}{R_DE}",
         rf"\bwenn Sie\b[^.!?\n]{{0,50}}\b{R_DE}\b[^.!?\n]{{0,60}}\b{REWARD_DE}",
         rf"\b{REWARD_DE}\w*\b[^.!?\n]{{0,60}}\bwenn Sie\b[^.!?\n]{{0,50}}\b{R_DE}",
     ]}),
    ("Reviews asked of happy buyers only (en)", "pattern", "en", "block",
     "Asking only satisfied buyers for a review (and the others to contact you instead) is "
     "review manipulation.",
     {"patterns": [
         r"\bif you(?:'re| are| were)?\b[^.!?;\n]{0,20}(?<!not )(?<!n't )\b(?:happy|satisfied|"
         rf"pleased|delighted)\b[^.!?;\n]{{0,80}}\b(?:{R_EN}|stars?)\b",
         rf"\b(?:only|just)\b[^.!?;\n]{{0,30}}\b(?:happy|satisfied)\s+(?:customers|buyers)\b"
         rf"[^.!?;\n]{{0,60}}\b{R_EN}\b",
         rf"\bcontact us\b[^.!?;\n]{{0,40}}\binstead of\b[^.!?;\n]{{0,30}}\b{R_EN}\b",
     ]}),
    ("Reviews asked of happy buyers only (de)", "pattern", "de", "block",
     "Nur zufriedene Käufer um eine Bewertung zu bitten ist Bewertungsmanipulation.",
     {"patterns": [
         r"\bwenn Sie\b[^.!?;\n]{0,30}(?<!nicht )\b(?:zufrieden|glücklich|begeistert)\b"
         rf"[^.!?;\n]{{0,80}}\b(?:{R_DE}|Sterne)",
         rf"\bnur\b[^.!?;\n]{{0,30}}\bzufriedene\w*\s+(?:Kunden|Käufer)\w*\b[^.!?;\n]{{0,60}}"
         rf"\b{R_DE}",
         rf"\bstatt\b[^.!?;\n]{{0,30}}\b{R_DE}\b[^.!?;\n]{{0,40}}\b(?:kontaktieren|melden)",
     ]}),
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
     {"patterns": [r"\b(?:whatsapp|telegram|viber|wechat|skype|facebook|instagram|tiktok)\b"]}),
    ("Payment outside the marketplace (en)", "pattern", "en", "block",
     "Payments go through the marketplace only; asking for another way of paying is not "
     "permitted.",
     {"patterns": [
         r"\b(?:paypal|venmo|zelle|western union|moneygram|cash app|bank transfer|wire transfer|"
         r"iban|swift code|bitcoin|crypto\w*|pay (?:us |me )?directly|direct payment)\b",
     ]}),
    ("Payment outside the marketplace (de)", "pattern", "de", "block",
     "Zahlungen laufen nur über den Marktplatz; eine andere Zahlungsweise anzubieten ist "
     "nicht erlaubt.",
     {"patterns": [
         r"\b(?:paypal|überweisung|überweisen|banküberweisung|bankverbindung|kontonummer|iban|"
         r"vorkasse|barzahlung|in bar|direkt an uns (?:zahlen|bezahlen|überweisen))\b",
     ]}),
    ("Order ID missing in a seller-initiated message", "order_id_missing", "", "block",
     "A message the seller starts must name the order it is about (its full order ID).", {}),
    ("Seller-initiated message more than 30 days after the order", "proactive_window", "",
     "block", "A message the seller starts is only permitted within 30 days of the order's "
     "completion.", {"days": 30}),
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


def rules_install(apps: object = None) -> int:
    """Install the shipped rules that are not there yet (by name); how many were."""
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    rule_model = apps.get_model("replies", "ComplianceRule")
    created = 0
    for name, kind, language, severity, message, params in RULES:
        _, made = rule_model.objects.get_or_create(
            name=name, defaults={"kind": kind, "language": language, "severity": severity,
                                 "message": message, "params": params},
        )
        created += made
    return created

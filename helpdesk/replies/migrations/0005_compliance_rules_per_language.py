"""Compliance rules per language: the kinds for Amazon's seller-initiated rules, and the
shipped rules in every marketplace language. Rules still exactly as 0002 installed them are
brought up to the new patterns; rules an admin changed are left alone."""

from django.db import migrations, models

# The pattern rules as 0002 shipped them (frozen here: the live module moves on).
SHIPPED_BEFORE = {
    'Positive review or feedback asked for, or a change to one (en)': {"patterns": [
        '\\b(?:positive|good|great|glowing|excellent|5[- ]?star|five[- ]?star)\\s+(?:review|feedback|rating)s?\\b',
        '\\b(?:5|five)\\s+stars?\\b',
        '\\b(?:remove|removing|delete|deleting|change|changing|update|updating|revise|revising|withdraw|withdrawing|reconsider|reconsidering|take down|taking down)\\s+(?:your|the|this|that|my|its)?\\s*(?:[\\w-]+\\s+){0,2}?(?:review|feedback|rating)s?\\b',
    ]},
    'Positive review or feedback asked for, or a change to one (de)': {"patterns": [
        '\\b(?:positiv|gut|toll|hervorragend|5[- ]?Sterne|fünf[- ]?Sterne)\\w*[\\s-]+(?:Bewertung|Rezension|Kundenrezension|Beurteilung|Feedback)(?:en)?\\b',
        '\\b(?:5|fünf)\\s+Sterne\\b',
        '\\b(?:Bewertung|Rezension|Kundenrezension|Beurteilung|Feedback)(?:en)?\\b[^.!?;,\\n]{0,40}\\b(?:entfernen|löschen|ändern|zurückziehen|zurücknehmen|anpassen|überarbeiten|korrigieren|aktualisieren)\\b',
        '\\b(?:entfernen|löschen|ändern|zurückziehen|zurücknehmen|anpassen|überarbeiten|korrigieren|aktualisieren)\\s+Sie\\s+(?:\\w+\\s+){0,2}(?:Bewertung|Rezension|Kundenrezension|Beurteilung|Feedback)(?:en)?\\b',
    ]},
    'Review or feedback in exchange for something (en)': {"patterns": [
        '\\b(?:in exchange for|in return for)\\b[^.!?;\\n]{0,40}\\b(?:review|feedback|rating)s?\\b',
        '\\b(?:refund|discount|coupon|voucher|gift card|free|reward|bonus|compensation|money back|cashback)\\b[^.!?\\n]{0,60}\\bif you\\b[^.!?\\n]{0,40}\\b(?:review|feedback|rating)s?\\b',
        '\\bif you\\b[^.!?\\n]{0,40}\\b(?:review|feedback|rating)s?\\b[^.!?\\n]{0,60}\\b(?:refund|discount|coupon|voucher|gift card|free|reward|bonus|compensation|money back|cashback)\\b',
        '\\b(?:refund|discount|coupon|voucher|gift card|free|reward|bonus|compensation|money back|cashback)\\b[^.!?;,\\n]{0,20}\\bfor (?:a|an|your|the)\\b[^.!?;,\\n]{0,15}\\b(?:review|feedback|rating)s?\\b',
    ]},
    'Review or feedback in exchange for something (de)': {"patterns": [
        '\\b(?:im Austausch|als Gegenleistung|im Gegenzug)\\b[^.!?;\\n]{0,40}\\b(?:Bewertung|Rezension|Kundenrezension|Beurteilung|Feedback)(?:en)?',
        '\\b(?:Gutschein|Rabatt|Erstattung|erstatten|Rückerstattung|Geld zurück|gratis|kostenlos|Geschenk|Prämie|Bonus)\\w*\\b[^.!?;,\\n]{0,30}\\b(?:für|gegen)\\s+(?:eine|Ihre|die|ein|Ihr)\\s+(?:\\w+\\s+){0,2}(?:Bewertung|Rezension|Kundenrezension|Beurteilung|Feedback)(?:en)?',
        '\\bwenn Sie\\b[^.!?\\n]{0,50}\\b(?:Bewertung|Rezension|Kundenrezension|Beurteilung|Feedback)(?:en)?\\b[^.!?\\n]{0,60}\\b(?:Gutschein|Rabatt|Erstattung|erstatten|Rückerstattung|Geld zurück|gratis|kostenlos|Geschenk|Prämie|Bonus)',
        '\\b(?:Gutschein|Rabatt|Erstattung|erstatten|Rückerstattung|Geld zurück|gratis|kostenlos|Geschenk|Prämie|Bonus)\\w*\\b[^.!?\\n]{0,60}\\bwenn Sie\\b[^.!?\\n]{0,50}\\b(?:Bewertung|Rezension|Kundenrezension|Beurteilung|Feedback)(?:en)?',
    ]},
    'Reviews asked of happy buyers only (en)': {"patterns": [
        "\\bif you(?:'re| are| were)?\\b[^.!?;\\n]{0,20}(?<!not )(?<!n't )\\b(?:happy|satisfied|pleased|delighted)\\b[^.!?;\\n]{0,80}\\b(?:(?:review|feedback|rating)s?|stars?)\\b",
        '\\b(?:only|just)\\b[^.!?;\\n]{0,30}\\b(?:happy|satisfied)\\s+(?:customers|buyers)\\b[^.!?;\\n]{0,60}\\b(?:review|feedback|rating)s?\\b',
        '\\bcontact us\\b[^.!?;\\n]{0,40}\\binstead of\\b[^.!?;\\n]{0,30}\\b(?:review|feedback|rating)s?\\b',
    ]},
    'Reviews asked of happy buyers only (de)': {"patterns": [
        '\\bwenn Sie\\b[^.!?;\\n]{0,30}(?<!nicht )\\b(?:zufrieden|glücklich|begeistert)\\b[^.!?;\\n]{0,80}\\b(?:(?:Bewertung|Rezension|Kundenrezension|Beurteilung|Feedback)(?:en)?|Sterne)',
        '\\bnur\\b[^.!?;\\n]{0,30}\\bzufriedene\\w*\\s+(?:Kunden|Käufer)\\w*\\b[^.!?;\\n]{0,60}\\b(?:Bewertung|Rezension|Kundenrezension|Beurteilung|Feedback)(?:en)?',
        '\\bstatt\\b[^.!?;\\n]{0,30}\\b(?:Bewertung|Rezension|Kundenrezension|Beurteilung|Feedback)(?:en)?\\b[^.!?;\\n]{0,40}\\b(?:kontaktieren|melden)',
    ]},
    'Contact through a messenger or social network': {"patterns": [
        '\\b(?:whatsapp|telegram|viber|wechat|skype|facebook|instagram|tiktok)\\b',
    ]},
    'Payment outside the marketplace (en)': {"patterns": [
        '\\b(?:paypal|venmo|zelle|western union|moneygram|cash app|bank transfer|wire transfer|iban|swift code|bitcoin|crypto\\w*|pay (?:us |me )?directly|direct payment)\\b',
    ]},
    'Payment outside the marketplace (de)': {"patterns": [
        '\\b(?:paypal|überweisung|überweisen|banküberweisung|bankverbindung|kontonummer|iban|vorkasse|barzahlung|in bar|direkt an uns (?:zahlen|bezahlen|überweisen))\\b',
    ]},
}


def install(apps, schema_editor):
    from helpdesk.replies.starter_rules import rules_install

    rules_install(apps, shipped_before=SHIPPED_BEFORE)


class Migration(migrations.Migration):

    dependencies = [
        ('replies', '0004_starter_templates_every_language'),
    ]

    operations = [
        migrations.AlterField(
            model_name='compliancerule',
            name='kind',
            field=models.CharField(choices=[('pattern', 'Text matches a pattern'), ('external_link', 'Link to a site off the marketplace'), ('email_address', 'E-mail address'), ('phone_number', 'Phone number'), ('order_id_missing', 'Order ID missing in a seller-initiated message'), ('proactive_window', 'Seller-initiated message too long after the order'), ('attachment_size', 'Attachment too large'), ('attachment_type', 'Attachment of a type not allowed'), ('thread_limit', 'Too many seller messages in one thread'), ('emoji_or_gif', 'Emoji or GIF in a seller-initiated message'), ('important_tag', '[Important] in the subject without a critical reason')], max_length=30),
        ),
        migrations.AlterField(
            model_name='compliancerule',
            name='language',
            field=models.CharField(blank=True, help_text="ISO 639-1 code of the language the patterns are written in; the rule checks replies in that language (the reply's own, or one its text is written in). Blank: every reply.", max_length=10),
        ),
        migrations.AlterField(
            model_name='compliancerule',
            name='params',
            field=models.JSONField(blank=True, default=dict, help_text='Settings of the check, e.g. {"patterns": ["…"]} or {"max_seller_messages": 5}. Patterns read the reply folded: lower case, no accents (ß as ss), look-alike letters, spaced letters and spelled-out links undone; write stems (bewert\\w*).'),
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]

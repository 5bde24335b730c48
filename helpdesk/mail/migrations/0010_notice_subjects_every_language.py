"""Amazon's notices are recognised by their subject in every shipped language: A-to-z claims
in French, Italian, Spanish and Japanese, and Japanese chargebacks, cancellation requests,
negative feedback and refunds. New rules are added; a shipped rule still as it was is brought
up to the new pattern, one an admin changed is left alone (and one deleted stays deleted)."""

from django.db import migrations

# name → the pattern as shipped before this migration
SHIPPED_BEFORE = {
    "Amazon: chargeback subject":
        r"chargeback|rückbuchung|rétrofacturation|contestazione di addebito|contracargo",
    "Amazon: negative feedback subject":
        r"negative feedback|negatives feedback|negative bewertung|commentaire négatif"
        r"|feedback negativo|valoración negativa",
    "Amazon: refund notice subject":
        r"refund (initiated|issued)|erstattung (veranlasst|eingeleitet)|remboursement (initié|effectué)"
        r"|rimborso (avviato|emesso)|reembolso (iniciado|emitido)",
}
ADDED = [
    "Amazon: claim subject (fr)", "Amazon: claim subject (it)", "Amazon: claim subject (es)",
    "Amazon: claim subject (ja)", "Amazon: cancellation subject (ja)",
]


def forward(apps, schema_editor):
    from helpdesk.mail.default_rules import RECOGNITION_RULES

    rule_model = apps.get_model("mail", "RecognitionRule")
    shipped = {row[0]: row for row in RECOGNITION_RULES}
    for name, before in SHIPPED_BEFORE.items():
        rule_model.objects.filter(name=name, pattern=before).update(pattern=shipped[name][4])
    for name in ADDED:
        _, platform, language, field, pattern, kind, priority = shipped[name]
        rule_model.objects.get_or_create(name=name, defaults=dict(
            platform=platform, language=language, field=field, pattern=pattern,
            message_kind=kind, priority=priority))


class Migration(migrations.Migration):
    dependencies = [("mail", "0009_mailbox_server_checked")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

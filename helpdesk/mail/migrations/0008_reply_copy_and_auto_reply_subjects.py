"""Amazon's copies of replies sent in Seller Central are titled "Your e-mail to …" ("Ihre
E-Mail an …", "Tu correo electrónico a …"), and Japanese Outlook titles an auto-reply
"自動応答:": the shipped subject rules learn both. A rule an admin changed is left alone."""

from django.db import migrations

# name → the pattern as shipped before this migration
SHIPPED_BEFORE = {
    "Amazon: reply confirmation subject":
        r"^(your message to|ihre nachricht an|votre message à|il tuo messaggio a|tu mensaje a)\b",
    "Auto-reply subject":
        r"^(auto(matic)? ?reply|automatische antwort|out of (the )?office|abwesenheitsnotiz"
        r"|réponse automatique|risposta automatica|respuesta automática|不在)",
}


def forward(apps, schema_editor):
    from helpdesk.mail.default_rules import RECOGNITION_RULES

    rule_model = apps.get_model("mail", "RecognitionRule")
    shipped = {name: pattern for name, _, _, _, pattern, _, _ in RECOGNITION_RULES}
    for name, before in SHIPPED_BEFORE.items():
        rule_model.objects.filter(name=name, pattern=before).update(pattern=shipped[name])


class Migration(migrations.Migration):
    dependencies = [("mail", "0007_rawmail_claimed_until")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

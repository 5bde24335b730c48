"""Japanese keywords for every category, "damaged" on its own (in each language) for damaged
in transit, and French return words without "retour" alone ("merci pour votre retour" thanks
for a reply). A rule an admin changed since it was shipped is left alone."""

from django.db import migrations

# The keyword added to each language's "damaged in transit" rule.
ADDED = {"en": "damaged", "de": "beschädigt", "fr": "endommagé*", "it": "danneggiat*",
         "es": "dañad*"}

RETURN_FR_BEFORE = "rembours*\nretour*\nrenvoyer\néchange*"


def forward(apps, schema_editor):
    from helpdesk.complaints.defaults import KEYWORDS, complaints_install_defaults

    rule_model = apps.get_model("complaints", "ComplaintRule")
    shipped = KEYWORDS["damaged_in_transit"]
    for language, added in ADDED.items():
        lines = [word.strip() for word in shipped[language].split("|")]
        before = [line for line in lines if line != added]
        for rule in rule_model.objects.filter(category__code="damaged_in_transit",
                                              language=language):
            if rule.keywords.splitlines() == before:
                rule.keywords = "\n".join(lines)
                rule.save(update_fields=["keywords"])
    for rule in rule_model.objects.filter(category__code="return_refund", language="fr",
                                          keywords=RETURN_FR_BEFORE):
        rule.keywords = "\n".join(w.strip() for w in KEYWORDS["return_refund"]["fr"].split("|"))
        rule.save(update_fields=["keywords"])
    complaints_install_defaults(apps)  # adds the Japanese rules, which no install has


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_complaint_rule_language_choices")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

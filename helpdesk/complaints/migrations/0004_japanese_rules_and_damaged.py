"""Japanese keywords for every category, "damaged" on its own (in each language) for damaged
in transit, and keywords that found ordinary words replaced (see REPLACED). A rule an admin
changed since it was shipped is left alone."""

from django.db import migrations

# The keyword added to each language's "damaged in transit" rule.
ADDED = {"en": "damaged", "de": "beschädigt", "fr": "endommagé*", "it": "danneggiat*",
         "es": "dañad*"}

# (category, language) → the keyword as shipped before, and what replaced it: "retour*"
# found "merci pour votre retour", "rost*" and "rust*" found "rostfrei" and "rust-free".
REPLACED = {
    ("return_refund", "fr"): ("retour*", ["retourner", "retourné*", "un retour",
                                          "faire un retour", "demande de retour",
                                          "étiquette de retour", "bon de retour"]),
    ("quality_defect", "de"): ("rost*", ["rost", "rostet", "rostig*", "verrostet",
                                         "rostflecken"]),
    ("quality_defect", "en"): ("rust*", ["rust", "rusty", "rusted", "rusting"]),
}


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
    for (code, language), (old, new) in REPLACED.items():
        lines = [word.strip() for word in KEYWORDS[code][language].split("|")]
        before = [line for line in lines if line not in new]
        before.insert(lines.index(new[0]), old)
        for rule in rule_model.objects.filter(category__code=code, language=language):
            if rule.keywords.splitlines() == before:
                rule.keywords = "\n".join(lines)
                rule.save(update_fields=["keywords"])
    complaints_install_defaults(apps)  # adds the Japanese rules, which no install has


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_complaint_rule_language_choices")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

"""A new language-neutral rule: asking for the top score ("rate us 5/5", "une note de 5/5",
"Höchstbewertung", "la máxima puntuación", "満点の評価をお願いします") is asking for a positive
review. Added by name; every other rule is left as it is."""

from django.db import migrations


def install(apps, schema_editor):
    from helpdesk.replies.starter_rules import rules_install

    rules_install(apps)


class Migration(migrations.Migration):
    dependencies = [("replies", "0008_carriers_of_every_marketplace")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

from django.db import migrations


def install(apps, schema_editor):
    from helpdesk.replies.starter_rules import rules_install
    from helpdesk.replies.starter_templates import templates_install

    templates_install(apps)
    rules_install(apps)


class Migration(migrations.Migration):
    dependencies = [("replies", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

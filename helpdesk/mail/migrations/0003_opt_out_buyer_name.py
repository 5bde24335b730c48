from django.db import migrations


def install(apps, schema_editor):
    from helpdesk.mail.defaults import rules_install_defaults

    rules_install_defaults(apps)  # adds the opt-out notice's buyer name pattern


class Migration(migrations.Migration):
    dependencies = [("mail", "0002_default_rules")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

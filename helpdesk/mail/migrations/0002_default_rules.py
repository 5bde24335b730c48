from django.db import migrations


def install(apps, schema_editor):
    from helpdesk.mail.defaults import rules_install_defaults

    rules_install_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("mail", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

from django.db import migrations


def install(apps, schema_editor):
    from helpdesk.complaints.defaults import complaints_install_defaults

    complaints_install_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

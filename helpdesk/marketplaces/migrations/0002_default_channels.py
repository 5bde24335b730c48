from django.db import migrations


def install(apps, schema_editor):
    from helpdesk.marketplaces.defaults import channels_install_defaults

    channels_install_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("marketplaces", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

"""Amazon's order ID is found straight after or before a Japanese word (注文番号302-…の商品):
the shipped extraction patterns ended in \\b, and a kanji is a word character as much as a
digit is. A shipped pattern still as it was is brought up to the new one; one an admin changed
is left alone."""

from django.db import migrations

SHIPPED_BEFORE = r"(?P<value>\b\d{3}-\d{7}-\d{7}\b)"


def forward(apps, schema_editor):
    from helpdesk.mail.default_rules import ORDER_ID_PATTERN

    pattern_model = apps.get_model("mail", "ExtractionPattern")
    pattern_model.objects.filter(
        platform="amazon", what="order_id", pattern=SHIPPED_BEFORE
    ).update(pattern=ORDER_ID_PATTERN)


class Migration(migrations.Migration):
    dependencies = [("mail", "0010_notice_subjects_every_language")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

"""Existing tickets' search text rewritten as ``searchable`` now writes it (accents off,
Japanese characters spaced), with the buyer's name when it is not ASCII, so that a search
finds old tickets as it finds new ones. Only tickets with text or a name beyond ASCII change;
the full-text indexes follow the column (PostgreSQL's generated vector, SQLite's triggers)."""

from django.db import migrations

BATCH = 1_000


def rewrite(apps, schema_editor):
    from helpdesk.tickets.services import searchable

    ticket_model = apps.get_model("tickets", "Ticket")
    changed = []
    for pk, text, name in ticket_model.objects.order_by("pk").values_list(
        "pk", "search_text", "buyer__name"
    ).iterator(chunk_size=BATCH):
        new = searchable(text)
        if name and not name.isascii() and searchable(name.strip()) not in new:
            new = f"{new}\n{searchable(name.strip())}"
        if new != text:
            changed.append(ticket_model(pk=pk, search_text=new))
        if len(changed) >= BATCH:
            ticket_model.objects.bulk_update(changed, ["search_text"])
            changed = []
    ticket_model.objects.bulk_update(changed, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_message_asin")]
    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop, elidable=True)]

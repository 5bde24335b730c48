from django.db import migrations, models

# As helpdesk.tickets.services.SEARCH_TEXT_MAX; a migration keeps its own copy.
SEARCH_TEXT_MAX = 20_000

POSTGRESQL = f"""
UPDATE tickets_ticket t SET search_text = left(t.subject || coalesce(E'\\n' || w.words, ''),
                                               {SEARCH_TEXT_MAX})
FROM (SELECT ticket_id, string_agg(buyer_text, E'\\n' ORDER BY sent_at, id) AS words
      FROM tickets_message WHERE buyer_text <> '' GROUP BY ticket_id) w
WHERE w.ticket_id = t.id
"""
SQLITE = f"""
UPDATE tickets_ticket SET search_text = substr(
    tickets_ticket.subject || coalesce(char(10) || w.words, ''), 1, {SEARCH_TEXT_MAX})
FROM (SELECT ticket_id, group_concat(buyer_text, char(10)) AS words
      FROM (SELECT ticket_id, buyer_text FROM tickets_message
            WHERE buyer_text <> '' ORDER BY sent_at, id)
      GROUP BY ticket_id) w
WHERE w.ticket_id = tickets_ticket.id
"""


def search_text_fill(connection) -> None:
    """Existing tickets: the subject, then every message's own words, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE tickets_ticket SET search_text = substr(subject, 1, {SEARCH_TEXT_MAX})"
        )
        cursor.execute(POSTGRESQL if connection.vendor == "postgresql" else SQLITE)


def fill(apps, schema_editor) -> None:
    search_text_fill(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_ticket_asin"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="search_text",
            field=models.TextField(blank=True, editable=False, default="", db_default=""),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]

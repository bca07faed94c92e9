"""The substring search index over customer and contact names (D46): an FTS5 table per kind on
SQLite, an `id → bigint[]` table with a GIN index on PostgreSQL, filled from the existing names."""

from django.db import migrations


def forwards(apps, schema_editor):
    from salesdesk.customers import name_index

    name_index.create_tables(schema_editor)
    name_index.rebuild()


def backwards(apps, schema_editor):
    from salesdesk.customers import name_index

    name_index.drop_tables(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0010_customer_purchases_from_contracts'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

"""Customer behaviour from real sales (D42): `paid_value` (payments received) and the mark
`purchases_from_contracts`, both written by the daily purchase-facts job.

The columns are added with ALTER TABLE … ADD COLUMN … NOT NULL DEFAULT (the default stays in
the schema; Django always writes the value itself) instead of Django's SQLite table rebuild,
which would copy the whole customers table (a million rows and more). Neither database rewrites
the table for a column with a constant default.
"""

from django.db import migrations, models

PAID_VALUE = models.DecimalField(decimal_places=2, default=0, max_digits=16, verbose_name='payments received')
FROM_CONTRACTS = models.BooleanField(
    default=False,
    help_text="Set by the daily job when the purchase figures come from the customer's contracts.",
    verbose_name='purchases from contracts',
)
COLUMNS = {
    'sqlite': [
        ('paid_value', 'decimal NOT NULL DEFAULT 0'),
        ('purchases_from_contracts', 'bool NOT NULL DEFAULT 0'),
    ],
    'postgresql': [
        ('paid_value', 'numeric(16, 2) NOT NULL DEFAULT 0'),
        ('purchases_from_contracts', 'boolean NOT NULL DEFAULT false'),
    ],
}


def add_columns(apps, schema_editor):
    Customer = apps.get_model('customers', 'Customer')
    table = schema_editor.quote_name(Customer._meta.db_table)
    for name, definition in COLUMNS[schema_editor.connection.vendor]:
        schema_editor.execute(f'ALTER TABLE {table} ADD COLUMN {schema_editor.quote_name(name)} {definition}')


def drop_columns(apps, schema_editor):
    Customer = apps.get_model('customers', 'Customer')
    table = schema_editor.quote_name(Customer._meta.db_table)
    for name, _definition in COLUMNS[schema_editor.connection.vendor]:
        schema_editor.execute(f'ALTER TABLE {table} DROP COLUMN {schema_editor.quote_name(name)}')


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0009_fewer_write_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name='customer', name='paid_value', field=PAID_VALUE),
                migrations.AddField(model_name='customer', name='purchases_from_contracts', field=FROM_CONTRACTS),
            ],
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
        ),
    ]

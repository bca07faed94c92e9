"""Drop indexes that only cost writes: single-column owner, unit and pool indexes of customers
(composite indexes lead with those columns) and indexes on the foreign keys and deletion date of
the customer and contact history tables (history is read by record id and date).

The database side drops the indexes by name instead of letting Django rebuild the tables (SQLite
would copy the customers table three times and the history table seven times).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


INDEXES = [
    ("customers_customer_org_unit_id_ff40f37e", "customers_customer", "org_unit_id"),
    ("customers_customer_owner_id_fbb2798e", "customers_customer", "owner_id"),
    ("customers_customer_pool_id_3cdc0e35", "customers_customer", "pool_id"),
    ("customers_historicalcontact_deleted_at_c8f95737", "customers_historicalcontact", "deleted_at"),
    ("customers_historicalcontact_deleted_by_id_fd9f062a", "customers_historicalcontact", "deleted_by_id"),
    ("customers_historicalcustomer_deleted_at_c267b8ab", "customers_historicalcustomer", "deleted_at"),
    ("customers_historicalcustomer_deleted_by_id_f04208fe", "customers_historicalcustomer", "deleted_by_id"),
    ("customers_historicalcustomer_org_unit_id_5cf7a480", "customers_historicalcustomer", "org_unit_id"),
    ("customers_historicalcustomer_owner_id_5d7f3bd8", "customers_historicalcustomer", "owner_id"),
    ("customers_historicalcustomer_pool_id_2bb0abbc", "customers_historicalcustomer", "pool_id"),
    ("customers_historicalcustomer_previous_owner_id_45af3ef3", "customers_historicalcustomer", "previous_owner_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0008_pool_reminders'),
        ('org', '0003_user_has_received_shares'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='customer',
                    name='org_unit',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.orgunit', verbose_name='org unit'),
                ),
                migrations.AlterField(
                    model_name='customer',
                    name='owner',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
                ),
                migrations.AlterField(
                    model_name='customer',
                    name='pool',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='customers', to='customers.pool', verbose_name='public pool'),
                ),
                migrations.AlterField(
                    model_name='historicalcontact',
                    name='deleted_at',
                    field=models.DateTimeField(blank=True, null=True, verbose_name='deleted at'),
                ),
                migrations.AlterField(
                    model_name='historicalcontact',
                    name='deleted_by',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='deleted by'),
                ),
                migrations.AlterField(
                    model_name='historicalcustomer',
                    name='deleted_at',
                    field=models.DateTimeField(blank=True, null=True, verbose_name='deleted at'),
                ),
                migrations.AlterField(
                    model_name='historicalcustomer',
                    name='deleted_by',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='deleted by'),
                ),
                migrations.AlterField(
                    model_name='historicalcustomer',
                    name='org_unit',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.orgunit', verbose_name='org unit'),
                ),
                migrations.AlterField(
                    model_name='historicalcustomer',
                    name='owner',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
                ),
                migrations.AlterField(
                    model_name='historicalcustomer',
                    name='pool',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='customers.pool', verbose_name='public pool'),
                ),
                migrations.AlterField(
                    model_name='historicalcustomer',
                    name='previous_owner',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='previous owner'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in INDEXES
            ],
        ),
    ]

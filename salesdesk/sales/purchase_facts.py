"""The sales app's purchase facts provider (see salesdesk.customers.purchase_facts, D42).

What counts, per customer:
- a purchase is a contract with status active or completed that is not in the recycle bin;
  drafts, contracts in approval and void contracts are ignored, and so are their returns and
  payments (a contract voided after a payment no longer counts at all);
- its date is the day it was signed (`signed_on`), else the local day (site time zone) it became
  active, else the local day it was created;
- `first_purchase_at` / `last_purchase_at`: the earliest / latest such date;
- `purchase_count`: the number of such contracts (a contract returned in full still counts: the
  customer did buy; its value is then 0);
- `purchase_value`: the sum of their totals minus the sum of the returns recorded against them
  (net of returns);
- `paid_value`: the sum of the payments received against them (回款).
One SELECT: the counted contracts joined with the returns and the payments each pre-aggregated
per contract (no fan-out), grouped by customer; a full pass over the three tables, no per-row
subqueries.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from salesdesk.customers.purchase_facts import purchase_facts_registry
from salesdesk.sales.models import Contract, ContractStatus, Payment, SalesReturn

COUNTED_STATUSES = (ContractStatus.ACTIVE.value, ContractStatus.COMPLETED.value)


def contract_purchase_facts(connection: BaseDatabaseWrapper) -> tuple[str, list]:
    qn = connection.ops.quote_name
    tz = timezone.get_default_timezone_name()
    activated_day, activated_params = connection.ops.datetime_cast_date_sql(
        "k.activated_at", (), tz
    )
    created_day, created_params = connection.ops.datetime_cast_date_sql("k.created_at", (), tz)
    contracts = qn(Contract._meta.db_table)
    returns = qn(SalesReturn._meta.db_table)
    payments = qn(Payment._meta.db_table)
    placeholders = ", ".join(["%s"] * len(COUNTED_STATUSES))
    sql = f"""
        SELECT d.customer_id AS customer_id,
            MIN(d.day) AS first_purchase_at, MAX(d.day) AS last_purchase_at,
            COUNT(*) AS purchase_count,
            SUM(d.total_amount - COALESCE(r.amount, 0)) AS purchase_value,
            SUM(COALESCE(p.amount, 0)) AS paid_value
        FROM (
            SELECT k.id, k.customer_id, k.total_amount,
                COALESCE(k.signed_on, {activated_day}, {created_day}) AS day
            FROM {contracts} k
            WHERE k.status IN ({placeholders}) AND k.deleted_at IS NULL
        ) d
        LEFT JOIN (
            SELECT contract_id, SUM(amount) AS amount FROM {returns} GROUP BY contract_id
        ) r ON r.contract_id = d.id
        LEFT JOIN (
            SELECT contract_id, SUM(amount) AS amount FROM {payments} GROUP BY contract_id
        ) p ON p.contract_id = d.id
        GROUP BY d.customer_id
    """  # noqa: S608 - table names are ours, values are parameters
    return sql, [*activated_params, *created_params, *COUNTED_STATUSES]


purchase_facts_registry.register("contracts", contract_purchase_facts)

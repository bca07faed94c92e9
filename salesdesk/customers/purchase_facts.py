"""Customer behaviour from real sales (CUS-1, CUS-2): the purchase fields recomputed from the
sales records, set-based, before the daily RFM run (customers.tasks).

The extension point. The customers app does not know the sales app (sales depends on customers),
so an app that records sales registers a *purchase facts provider* here, from a module its
AppConfig.ready() imports (the sales app: `salesdesk/sales/purchase_facts.py`). A provider is a
callable `(connection) -> (sql, params)` giving one SELECT with one row per customer that has
purchases, with exactly these columns:

    customer_id, first_purchase_at (date), last_purchase_at (date), purchase_count (integer),
    purchase_value (money, net of returns), paid_value (money received)

Several providers are combined with UNION ALL and summed per customer (earliest first purchase,
latest last purchase).

Which customer fields are fed (`purchase_facts_recompute`):
- customers the providers return ("customers with sales records") get `first_purchase_at`,
  `last_purchase_at`, `purchase_count`, `purchase_value` and `paid_value` from them and are marked
  `purchases_from_contracts`; the sales facts win over imported or hand-entered values (D42);
- customers marked `purchases_from_contracts` that the providers no longer return (their last
  counted contract was voided or deleted) are emptied: no purchase dates, 0 purchases, 0 value,
  0 received; the mark is cleared, so afterwards they behave like any customer without sales;
- every other customer keeps its imported or hand-entered values (nothing is written).
What counts as a purchase is the provider's rule; the sales app's is in its module docstring.

Writing. The providers' aggregate goes once into a temporary table (unique index on the customer,
analysed), then two UPDATE statements (one UPDATE … FROM it, one reset of the customers it no
longer holds), the same on SQLite (≥ 3.33) and PostgreSQL, no Python loop over customers. Only
rows whose values differ are written, so the job is idempotent (a second run writes nothing). A
written row gets `version + 1` (optimistic locking: an edit form opened before the run is refused
instead of writing the old purchase figures back) and `updated_at`. Soft-deleted customers are
left alone (a restored customer is brought up to date by the next run). No field-history rows are
written for these bulk changes (like the RFM job). Money sums are rounded to the cent in SQL, so
SQLite's floating-point sums compare equal from run to run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from salesdesk.customers.models import Customer

FACT_COLUMNS = (
    "customer_id",
    "first_purchase_at",
    "last_purchase_at",
    "purchase_count",
    "purchase_value",
    "paid_value",
)

Provider = Callable[[BaseDatabaseWrapper], tuple[str, list]]
FACTS_TABLE = "salesdesk_purchase_facts"  # temporary, per connection, only during a run


class PurchaseFactsRegistry:
    def __init__(self) -> None:
        self._providers: dict[str, Provider] = {}

    def register(self, key: str, provider: Provider) -> None:
        self._providers[key] = provider

    def unregister(self, key: str) -> None:
        self._providers.pop(key, None)

    def keys(self) -> list[str]:
        return list(self._providers)

    def providers(self) -> list[tuple[str, Provider]]:
        return list(self._providers.items())


purchase_facts_registry = PurchaseFactsRegistry()


@dataclass(frozen=True)
class PurchaseFactsResult:
    providers: tuple[str, ...]
    customers_with_sales: int  # live customers the providers return
    updated: int  # customers whose purchase fields were written from the sales records
    emptied: int  # customers whose sales records no longer count (values reset, mark cleared)
    seconds: float


def facts_sql(connection: BaseDatabaseWrapper) -> tuple[str, list] | None:
    """The combined SELECT of every registered provider (None when there is none)."""
    parts = [provider(connection) for _key, provider in purchase_facts_registry.providers()]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    union = " UNION ALL ".join(
        f"SELECT {', '.join(FACT_COLUMNS)} FROM ({sql}) p"  # noqa: S608 - providers' SQL
        for sql, _ in parts
    )
    params = [p for _sql, ps in parts for p in ps]
    sql = f"""
        SELECT u.customer_id, MIN(u.first_purchase_at) AS first_purchase_at,
            MAX(u.last_purchase_at) AS last_purchase_at, SUM(u.purchase_count) AS purchase_count,
            SUM(u.purchase_value) AS purchase_value, SUM(u.paid_value) AS paid_value
        FROM ({union}) u GROUP BY u.customer_id
    """  # noqa: S608 - providers' SQL with their own parameters
    return sql, params


def purchase_facts_recompute(*, using: str = "default") -> PurchaseFactsResult:
    """Write every customer's purchase fields from the registered sales records; see the module
    docstring for which customers and fields, and D42 in docs/decisions.md."""
    started = time.perf_counter()
    connection = connections[using]
    keys = tuple(purchase_facts_registry.keys())
    combined = facts_sql(connection)
    if combined is None:
        return PurchaseFactsResult(keys, 0, 0, 0, round(time.perf_counter() - started, 3))
    sql, params = combined
    now = timezone.now()
    qn = connection.ops.quote_name
    table = qn(Customer._meta.db_table)
    facts = qn(FACTS_TABLE)
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    # The providers' aggregate is computed once into a temporary table with a unique index on
    # the customer id (money rounded to the cent: SQLite sums floating-point values), so both
    # UPDATEs join an indexed, analysed table whatever the planner thinks of the customers
    # table (its statistics predate the run's own writes).
    create_sql = f"""
        CREATE TEMPORARY TABLE {facts} AS
        SELECT x.customer_id, x.first_purchase_at, x.last_purchase_at,
            x.purchase_count, ROUND(x.purchase_value, 2) AS purchase_value,
            ROUND(x.paid_value, 2) AS paid_value
        FROM ({sql}) x
    """  # noqa: S608 - the providers' SQL is parametrised
    index_sql = f"CREATE UNIQUE INDEX {qn(FACTS_TABLE + '_customer')} ON {facts} (customer_id)"
    update_sql = f"""
        UPDATE {table} AS c SET
            first_purchase_at = f.first_purchase_at, last_purchase_at = f.last_purchase_at,
            purchase_count = f.purchase_count, purchase_value = f.purchase_value,
            paid_value = f.paid_value, purchases_from_contracts = %s,
            version = c.version + 1, updated_at = %s
        FROM {facts} AS f
        WHERE c.id = f.customer_id AND c.deleted_at IS NULL AND (
            NOT c.purchases_from_contracts
            OR c.first_purchase_at {differs} f.first_purchase_at
            OR c.last_purchase_at {differs} f.last_purchase_at
            OR c.purchase_count <> f.purchase_count
            OR c.purchase_value <> f.purchase_value
            OR c.paid_value <> f.paid_value
        )
    """  # noqa: S608 - table names are ours
    empty_sql = f"""
        UPDATE {table} AS c SET
            first_purchase_at = NULL, last_purchase_at = NULL, purchase_count = 0,
            purchase_value = 0, paid_value = 0, purchases_from_contracts = %s,
            version = c.version + 1, updated_at = %s
        WHERE c.purchases_from_contracts AND c.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM {facts} f WHERE f.customer_id = c.id)
    """  # noqa: S608
    count_sql = f"""
        SELECT COUNT(*) FROM {table} c
        WHERE c.purchases_from_contracts AND c.deleted_at IS NULL
    """  # noqa: S608
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {facts}")
        try:
            cursor.execute(create_sql, params)
            cursor.execute(index_sql)
            cursor.execute(f"ANALYZE {facts}")
            cursor.execute(update_sql, [True, now])
            updated = max(cursor.rowcount, 0)
            cursor.execute(empty_sql, [False, now])
            emptied = max(cursor.rowcount, 0)
            cursor.execute(count_sql)
            (with_sales,) = cursor.fetchone()
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {facts}")
    return PurchaseFactsResult(
        providers=keys,
        customers_with_sales=with_sales,
        updated=updated,
        emptied=emptied,
        seconds=round(time.perf_counter() - started, 3),
    )

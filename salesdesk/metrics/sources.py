"""Which records make which facts: one definition, `contributions()`, used three ways (D43):

- an edit, move, transfer, delete or restore takes the contributions of the touched records
  before and after the write and adds the difference (`maintenance.py`, in the transaction);
- creating records adds their contributions;
- `rebuild()` recomputes the whole table from all records (`salesdesk manage rebuild_metrics`).
Tests check that any sequence of the first two equals the third and a plain-Python computation.

Rules (days are local calendar days in the site's time zone, `settings.TIME_ZONE`; records in the
recycle bin count for nothing; a fact belongs to the owner and org unit the record carries):

- signed: contracts active or completed, value = total amount, dated `signed_on`, else the day
  they became active; owner and unit of the contract. Draft, in approval and void do not count.
- payment / return: payments and returns of those counted contracts, dated received / returned,
  with the contract's owner and unit.
- won / lost: opportunities whose status is won / lost, value = amount, dated `closed_at`; cycle:
  each won deal's days from its creation to the win (to the cent of a day). A reopened deal
  counts as nothing until it is won or lost again.
- new_customer: customers with an owner (or, in a public pool, a previous owner: a return to the
  pool does not take the customer away from the rep's figures), dated by creation, with the
  customer's org unit. A customer created straight into a pool counts for whoever first owns it.
- activity: follow-ups, counted for their author, with the customer's org unit, dated when they
  happened; the customer in the recycle bin takes them out.
- satisfaction: CSAT records (NPS is another scale), value = score, for the person who recorded
  them, with the customer's org unit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections, models, transaction
from django.db.models import Q
from django.utils import timezone

from salesdesk.customers.feedback.models import SatisfactionKind, SatisfactionRecord
from salesdesk.customers.models import Customer, FollowUp
from salesdesk.metrics import definitions as d
from salesdesk.metrics.models import MetricFact, MetricMonth
from salesdesk.pipeline.models import Opportunity, OpportunityStatus
from salesdesk.sales.models import Contract, ContractStatus, Payment, SalesReturn

COUNTED = (ContractStatus.ACTIVE, ContractStatus.COMPLETED)
CENT = Decimal("0.01")
DAY_SECONDS = Decimal(86400)
CHUNK = 2000

Key = tuple[str, int, int, date]  # fact, owner, unit, day


class Facts:
    """Fact rows merged by key: `rows[(fact, owner, unit, day)] = [value, count]`."""

    def __init__(self) -> None:
        self.rows: dict[Key, list] = defaultdict(lambda: [Decimal(0), 0])

    def add(self, fact: str, owner: int, unit: int, day: date, value=Decimal(0)) -> None:
        row = self.rows[(fact, owner, unit, day)]
        row[0] += value
        row[1] += 1

    def minus(self, other: Facts) -> Facts:
        out = Facts()
        for key, (value, count) in self.rows.items():
            out.rows[key] = [value, count]
        for key, (value, count) in other.rows.items():
            row = out.rows[key]
            row[0] -= value
            row[1] -= count
        out.rows = defaultdict(
            lambda: [Decimal(0), 0], {k: v for k, v in out.rows.items() if v[0] or v[1]}
        )
        return out


def local_day(at: datetime) -> date:
    """The calendar day of `at` in the site's time zone (not the viewer's: facts are shared)."""
    return timezone.localtime(at, timezone.get_default_timezone()).date()


def cycle_days(created: datetime, closed: datetime) -> Decimal:
    seconds = max(0, int((closed - created).total_seconds()))
    return (Decimal(seconds) / DAY_SECONDS).quantize(CENT, rounding=ROUND_HALF_UP)


# --- one function per record type: (Facts, filter) ---------------------------------------------


def contracts(facts: Facts, q: Q, using: str) -> None:
    qs = Contract.all_objects.using(using).filter(q, deleted_at__isnull=True, status__in=COUNTED)
    fields = ("owner_id", "org_unit_id", "signed_on", "activated_at", "created_at", "total_amount")
    for owner, unit, signed, activated, created, total in qs.values_list(*fields).iterator(CHUNK):
        day = signed or local_day(activated or created)
        facts.add(d.SIGNED, owner, unit, day, total)


def _on_counted_contracts(model, q: Q, using: str):
    return model.objects.using(using).filter(
        q, contract__deleted_at__isnull=True, contract__status__in=COUNTED
    )


def payments(facts: Facts, q: Q, using: str) -> None:
    qs = _on_counted_contracts(Payment, q, using).values_list(
        "contract__owner_id", "contract__org_unit_id", "received_on", "amount"
    )
    for owner, unit, day, amount in qs.iterator(CHUNK):
        facts.add(d.PAYMENT, owner, unit, day, amount)


def returns(facts: Facts, q: Q, using: str) -> None:
    qs = _on_counted_contracts(SalesReturn, q, using).values_list(
        "contract__owner_id", "contract__org_unit_id", "returned_on", "amount"
    )
    for owner, unit, day, amount in qs.iterator(CHUNK):
        facts.add(d.RETURN, owner, unit, day, amount)


def opportunities(facts: Facts, q: Q, using: str) -> None:
    qs = Opportunity.all_objects.using(using).filter(
        q,
        deleted_at__isnull=True,
        status__in=(OpportunityStatus.WON, OpportunityStatus.LOST),
        closed_at__isnull=False,
    )
    fields = ("owner_id", "org_unit_id", "status", "closed_at", "created_at", "amount")
    won = OpportunityStatus.WON
    for owner, unit, status, closed, created, amount in qs.values_list(*fields).iterator(CHUNK):
        day = local_day(closed)
        if status == won:
            facts.add(d.WON, owner, unit, day, amount)
            facts.add(d.CYCLE, owner, unit, day, cycle_days(created, closed))
        else:
            facts.add(d.LOST, owner, unit, day, amount)


def customers(facts: Facts, q: Q, using: str) -> None:
    qs = Customer.all_objects.using(using).filter(q, deleted_at__isnull=True)
    qs = qs.filter(Q(owner__isnull=False) | Q(previous_owner__isnull=False))
    fields = ("owner_id", "previous_owner_id", "org_unit_id", "created_at")
    for owner, previous, unit, created in qs.values_list(*fields).iterator(CHUNK):
        facts.add(d.NEW_CUSTOMER, owner or previous, unit, local_day(created))


def follow_ups(facts: Facts, q: Q, using: str) -> None:
    qs = FollowUp.all_objects.using(using).filter(
        q, deleted_at__isnull=True, customer__deleted_at__isnull=True
    )
    for author, unit, at in qs.values_list(
        "author_id", "customer__org_unit_id", "occurred_at"
    ).iterator(CHUNK):
        facts.add(d.ACTIVITY, author, unit, local_day(at))


def satisfaction(facts: Facts, q: Q, using: str) -> None:
    qs = SatisfactionRecord.objects.using(using).filter(
        q, kind=SatisfactionKind.CSAT, customer__deleted_at__isnull=True
    )
    for who, unit, at, score in qs.values_list(
        "recorded_by_id", "customer__org_unit_id", "recorded_at", "score"
    ).iterator(CHUNK):
        facts.add(d.SATISFACTION, who, unit, local_day(at), Decimal(score))


Source = Callable[[Facts, Q, str], None]

# What a change of rows of a model can change: (source, lookup of the changed ids). A contract
# carries its payments and returns (they count only while it does); a customer its follow-ups
# and satisfaction records (their unit is the customer's).
TRACKED: dict[str, tuple[tuple[Source, str], ...]] = {
    "sales.contract": (
        (contracts, "pk__in"),
        (payments, "contract_id__in"),
        (returns, "contract_id__in"),
    ),
    "sales.payment": ((payments, "pk__in"),),
    "sales.salesreturn": ((returns, "pk__in"),),
    "pipeline.opportunity": ((opportunities, "pk__in"),),
    "customers.customer": (
        (customers, "pk__in"),
        (follow_ups, "customer_id__in"),
        (satisfaction, "customer_id__in"),
    ),
    "customers.followup": ((follow_ups, "pk__in"),),
    "customers.satisfactionrecord": ((satisfaction, "pk__in"),),
}
ALL_SOURCES: tuple[Source, ...] = (
    contracts,
    payments,
    returns,
    opportunities,
    customers,
    follow_ups,
    satisfaction,
)


def tracks(model: type[models.Model]) -> bool:
    return model._meta.label_lower in TRACKED


def contributions(
    model: type[models.Model], ids: Iterable[int], using: str = "default", *, created: bool = False
) -> Facts:
    """The facts the rows `ids` of `model` (and what hangs off them) make now. For rows just
    inserted (`created`) only their own: nothing could hang off them before they existed, and
    what is attached afterwards is announced by its own writer."""
    facts = Facts()
    ids = list(ids)
    for source, lookup in TRACKED.get(model._meta.label_lower, ()):
        if created and lookup != "pk__in":
            continue
        for start in range(0, len(ids), 5000):
            source(facts, Q(**{lookup: ids[start : start + 5000]}), using)
    return facts


# --- writing ------------------------------------------------------------------------------------

COLUMNS = ("fact", "owner_id", "org_unit_id", "day", "value", "count")
MONTH_COLUMNS = ("fact", "owner_id", "org_unit_id", "month", "value", "count")


def _by_month(rows: Iterable[tuple]) -> list[tuple]:
    """(fact, owner, unit, day, value, count) rows → the same summed per calendar month."""
    months: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0])
    for fact, owner, unit, day, value, count in rows:
        row = months[(fact, owner, unit, day.replace(day=1))]
        row[0] += value
        row[1] += count
    return [(*key, value, count) for key, (value, count) in months.items() if value or count]


def _add_rows(cursor, model, columns, rows, chunk: int) -> None:
    """Add `rows` to `model`'s table (INSERT … ON CONFLICT DO UPDATE, SQLite ≥ 3.24 and
    PostgreSQL), then remove the rows a negative count has emptied."""
    table = model._meta.db_table
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    conflict = f"fact, owner_id, {columns[3]}, org_unit_id"
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - our table
            f"VALUES {', '.join([placeholder] * len(part))} "
            f"ON CONFLICT ({conflict}) DO UPDATE SET "
            f"value = {table}.value + excluded.value, count = {table}.count + excluded.count",
            [v for row in part for v in row],
        )
    emptied = [row[:4] for row in rows if row[5] < 0]
    if emptied:
        cursor.executemany(
            f"DELETE FROM {table} WHERE fact = %s AND owner_id = %s "  # noqa: S608
            f"AND org_unit_id = %s AND {columns[3]} = %s AND count <= 0",
            emptied,
        )


def write(delta: Facts, using: str = "default", chunk: int = 500) -> int:
    """Add `delta` to the daily and the monthly table. Returns daily rows touched."""
    rows = [(*key, value, count) for key, (value, count) in delta.rows.items() if value or count]
    if not rows:
        return 0
    with connections[using].cursor() as cursor:
        _add_rows(cursor, MetricFact, COLUMNS, rows, chunk)
        _add_rows(cursor, MetricMonth, MONTH_COLUMNS, _by_month(rows), chunk)
    return len(rows)


def add_rows(rows: Iterable[tuple], using: str = "default") -> int:
    """Add ready-made (fact, owner id, unit id, day, value, count) rows to both tables (tests and
    benchmarks that make facts without records)."""
    delta = Facts()
    for fact, owner, unit, day, value, count in rows:
        row = delta.rows[(fact, owner, unit, day)]
        row[0] += Decimal(value)
        row[1] += count
    return write(delta, using)


def rebuild_months(using: str = "default") -> int:
    """Recompute the monthly table from the daily one (after daily facts were written directly,
    e.g. by a migration or a benchmark). Returns the number of monthly rows."""
    rows = (
        MetricFact.objects.using(using)
        .values_list("fact", "owner_id", "org_unit_id", "day", "value", "count")
        .iterator(chunk_size=10000)
    )
    months = _by_month(rows)
    with transaction.atomic(using=using):
        MetricMonth.objects.using(using).all().delete()
        MetricMonth.objects.using(using).bulk_create(
            (MetricMonth(**dict(zip(MONTH_COLUMNS, row, strict=True))) for row in months),
            batch_size=2000,
        )
    return len(months)


def rebuild(using: str = "default") -> dict[str, int]:
    """Recompute the whole fact table from the records, in one transaction: one pass per record
    type (values only, no model instances), then bulk inserts."""
    facts = Facts()
    with transaction.atomic(using=using):
        for source in ALL_SOURCES:
            source(facts, Q(), using)
        MetricFact.objects.using(using).all().delete()
        MetricFact.objects.using(using).bulk_create(
            (
                MetricFact(fact=fact, owner_id=owner, org_unit_id=unit, day=day, value=v, count=n)
                for (fact, owner, unit, day), (v, n) in facts.rows.items()
            ),
            batch_size=2000,
        )
        MetricMonth.objects.using(using).all().delete()
        MetricMonth.objects.using(using).bulk_create(
            (
                MetricMonth(**dict(zip(MONTH_COLUMNS, row, strict=True)))
                for row in _by_month((*key, v, n) for key, (v, n) in facts.rows.items())
            ),
            batch_size=2000,
        )
    counts = defaultdict(int)
    for (fact, *_rest), (_value, n) in facts.rows.items():
        counts[fact] += n
    return {"rows": len(facts.rows), **{f: counts.get(f, 0) for f in d.FACTS}}

"""`python -m bench behaviour --size 1000000`: customer purchase figures from the sales records
(D40) and RFM, the daily customers job, on about N customers.

Per database (a fresh scratch database each): migrate, build the small demo (2,000 customers with
about 1,500 contracts in every status, their lines, payment plans, payments and returns), then in
a worker process double the customers together with their contracts, lines, plans, instalments,
payments and returns (INSERT … SELECT with the ids shifted, so every copy keeps its own sales
records) until there are at least N customers, refresh planner statistics, and time:
- `purchase_facts_recompute` twice: the first run writes every customer with counted contracts
  (their demo figures differ from the contracts), the second finds nothing to change (the
  ordinary daily run when few contracts changed, idempotent);
- `rfm_recompute` after them (first run and second run).
The job must stay set-based: a constant number of statements whatever N.
"""

from __future__ import annotations

import json
import sys
import time

from bench.common import database_urls, run, scratch_database, worker_json


def bench(args) -> dict:
    size = int(args.size or 1_000_000)
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            run([sys.executable, "-m", "salesdesk.cli", "demo", "--size", "small"], env)
            results[label] = worker_json("behaviour", env, ["--size", str(size)])
    return {"customers": size, "results": results}


def _double(connection, tables) -> None:
    """Copy every row of `tables` (model, {fk column: referenced model}) once, ids shifted by the
    table's current maximum, foreign keys to copied tables shifted alike."""
    from django.db.models import Max

    shift = {model: model._base_manager.aggregate(m=Max("id"))["m"] for model, _fks in tables}
    qn = connection.ops.quote_name
    for model, fks in tables:
        columns = [f.column for f in model._meta.concrete_fields]
        exprs = []
        for column in columns:
            if column == "id":
                exprs.append(f"id + {int(shift[model])}")
            elif column in fks:
                exprs.append(f"{qn(column)} + {int(shift[fks[column]])}")
            elif column == "number":  # unique: a prefix the demo does not use + the new id
                exprs.append(f"'B-' || CAST(id + {int(shift[model])} AS VARCHAR(20))")
            elif column == "opportunity_id":
                exprs.append("NULL")
            else:
                exprs.append(qn(column))
        table = qn(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
                f"SELECT {', '.join(exprs)} FROM {table}"
            )


def worker(args) -> int:
    import django

    django.setup()
    from django.db import connection, transaction

    from salesdesk.core.dbstats import refresh_statistics
    from salesdesk.customers.models import Customer
    from salesdesk.customers.purchase_facts import purchase_facts_recompute
    from salesdesk.customers.rfm import rfm_recompute
    from salesdesk.sales.models import (
        Contract,
        ContractLine,
        Instalment,
        Payment,
        PaymentPlan,
        SalesReturn,
    )

    target = int(args.size or 1_000_000)
    tables = [
        (Customer, {}),
        (Contract, {"customer_id": Customer}),
        (ContractLine, {"contract_id": Contract}),
        (PaymentPlan, {"contract_id": Contract}),
        (Instalment, {"plan_id": PaymentPlan, "contract_id": Contract}),
        (Payment, {"contract_id": Contract, "instalment_id": Instalment}),
        (SalesReturn, {"contract_id": Contract, "line_id": ContractLine}),
    ]
    t0 = time.perf_counter()
    count = Customer.all_objects.count()
    while count < target:
        with transaction.atomic():
            _double(connection, tables)
        count = Customer.all_objects.count()
    refresh_statistics()
    fill_s = time.perf_counter() - t0
    rows = {
        "contracts": Contract.all_objects.count(),
        "counted_contracts": Contract.objects.filter(status__in=["active", "completed"]).count(),
        "payments": Payment.objects.count(),
        "returns": SalesReturn.objects.count(),
    }
    runs = []
    for _ in range(2):
        t0 = time.perf_counter()
        facts = purchase_facts_recompute()
        facts_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        rfm = rfm_recompute()
        runs.append(
            {
                "purchases_s": round(facts_s, 2),
                "customers_with_sales": facts.customers_with_sales,
                "purchases_updated": facts.updated,
                "rfm_s": round(time.perf_counter() - t0, 2),
                "rfm_updated": rfm.updated,
            }
        )
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "customers": count,
                **rows,
                "fill_s": round(fill_s, 1),
                "first_run": runs[0],
                "second_run": runs[1],
            }
        )
    )
    return 0

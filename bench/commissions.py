"""`python -m bench commissions --size 1000`: monthly commission statements of N reps (PRF-4,
goal < 30 s for 1,000 reps with ~1M contracts and payments).

Per database (a fresh scratch database each): migrate, create the organisation of the targets
bench, one customer per rep, 500 contracts per rep (two lines each, on two product lines) signed
over two years with one payment each (so ~1M contracts + payments for 1,000 reps; ~1/24 of them
in the month measured), a return per 50 contracts, a goal month part and metric facts per rep;
then time `statements_compute` for the month (first run: inserts; second run: drafts recomputed)
and count its queries.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from bench.common import database_urls, run, scratch_database
from bench.targets import _organisation

PER_REP = 500


def bench(args) -> dict:
    size = int(args.size or 1000)
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            done = run(
                [sys.executable, "-m", "bench", "commissions", "--worker", "--size", str(size)], env
            )
            results[label] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"reps": size, "contracts_per_rep": PER_REP, "results": results}


def worker(args) -> int:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from salesdesk.commissions import services
    from salesdesk.customers.models import Customer
    from salesdesk.metrics.sources import add_rows
    from salesdesk.org.models import Role, User
    from salesdesk.sales.models import (
        Contract,
        ContractLine,
        Instalment,
        Payment,
        PaymentPlan,
        Product,
        ProductLine,
        SalesReturn,
    )
    from salesdesk.targets.models import Goal, GoalPart, Granularity

    reps = int(args.size or 1000)
    admin, _teams = _organisation(reps)
    rng = random.Random(50)
    sw = ProductLine.objects.create(code="SW", name="Software")
    hw = ProductLine.objects.create(code="HW", name="Hardware")
    p1 = Product.objects.create(product_line=sw, code="P1", name="P1", list_price=1)
    p2 = Product.objects.create(product_line=hw, code="P2", name="P2", list_price=1)
    people = list(User.objects.filter(role__code="rep").values_list("pk", "unit_id"))
    Customer.objects.bulk_create(
        [Customer(name=f"C{pk}", owner_id=pk, org_unit_id=unit) for pk, unit in people],
        batch_size=2000,
    )
    customer_of = dict(Customer.all_objects.values_list("owner_id", "pk"))
    start = date(2024, 4, 1)
    t0 = time.perf_counter()
    cid = lid = 0
    counts = {"contracts": 0, "payments": 0, "returns": 0}
    for pk, unit in people:
        contracts, lines, plans, instalments, payments, returns = [], [], [], [], [], []
        for _ in range(PER_REP):
            cid += 1
            day = start + timedelta(days=rng.randrange(730))
            a, b = Decimal(rng.randint(1000, 90000)), Decimal(rng.randint(0, 30000))
            contracts.append(
                Contract(
                    id=cid,
                    customer_id=customer_of[pk],
                    number=f"B{cid}",
                    title="t",
                    status="active",
                    signed_on=day,
                    activated_at=timezone.make_aware(datetime.combine(day, datetime.min.time())),
                    total_amount=a + b,
                    owner_id=pk,
                    org_unit_id=unit,
                )
            )
            lid += 2
            lines += [
                ContractLine(
                    id=lid - 1, contract_id=cid, product=p1, quantity=1, unit_price=a, amount=a
                ),
                ContractLine(
                    id=lid, contract_id=cid, product=p2, quantity=1, unit_price=b, amount=b
                ),
            ]
            plans.append(PaymentPlan(id=cid, contract_id=cid))
            instalments.append(
                Instalment(
                    id=cid, plan_id=cid, contract_id=cid, position=1, due_on=day, amount=a + b
                )
            )
            paid = day + timedelta(days=rng.randrange(60))
            payments.append(
                Payment(
                    id=cid,
                    contract_id=cid,
                    instalment_id=cid,
                    received_on=paid,
                    amount=((a + b) * Decimal(rng.choice(["0.3", "0.5", "1"]))).quantize(
                        Decimal("0.01")
                    ),
                    recorded_by_id=pk,
                )
            )
            if cid % 50 == 0:
                returns.append(
                    SalesReturn(
                        contract_id=cid,
                        line_id=lid,
                        product=p2,
                        quantity=1,
                        amount=b / 2,
                        returned_on=paid,
                        reason="r",
                        recorded_by_id=pk,
                    )
                )
        Contract.objects.bulk_create(contracts, batch_size=2000)
        ContractLine.objects.bulk_create(lines, batch_size=2000)
        PaymentPlan.objects.bulk_create(plans, batch_size=2000)
        Instalment.objects.bulk_create(instalments, batch_size=2000)
        Payment.objects.bulk_create(payments, batch_size=2000)
        SalesReturn.objects.bulk_create(returns, batch_size=2000)
        counts["contracts"] += len(contracts)
        counts["payments"] += len(payments)
        counts["returns"] += len(returns)
    month = date(2026, 3, 1)
    for pk, unit in people:
        add_rows([("payment", pk, unit, month, rng.randint(0, 3_000_000), 1)])
        g = Goal.objects.create(
            name="g",
            metric="payments_received",
            owner_kind="user",
            period_kind="month",
            period_start=month,
            period_end=date(2026, 3, 31),
            target_value=1_500_000,
            status="active",
            created_by=admin,
            owner_id=pk,
            org_unit_id=unit,
            split_method="equal",
        )
        GoalPart.objects.create(
            goal=g,
            granularity=Granularity.MONTH,
            owner_user_id=pk,
            owner_unit_id=unit,
            start=month,
            end=date(2026, 3, 31),
            amount=1_500_000,
        )
    generated = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    plan = services.commission_plan_create(
        actor=admin,
        name="Rep monthly",
        role=Role.objects.get(code="rep").pk,
        period_kind="month",
        base="payments",
        base_rate="1",
        bands=[
            {"from": "0", "rate": "2"},
            {"from": "80", "rate": "3"},
            {"from": "100", "rate": "4"},
            {"from": "120", "rate": "5"},
        ],
        line_multipliers={str(hw.pk): "1.5"},
    )
    out = {"generate_s": round(generated, 1), **counts}
    for run_name in ("first", "second"):
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            result = services.statements_compute(actor=admin, plan=plan, day=month)
        out[f"{run_name}_s"] = round(time.perf_counter() - t, 2)
        out[f"{run_name}_queries"] = len(ctx.captured_queries)
        out[f"{run_name}_created"] = result.created
    from salesdesk.commissions.models import CommissionLine

    out["lines"] = CommissionLine.objects.count()
    print(json.dumps(out))
    return 0

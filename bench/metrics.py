"""`python -m bench metrics --size 100000`: the metric layer (issue 5, D43) on N opportunities.

Per database (a fresh scratch database each): migrate, build the small demo, copy the
opportunities and their stage events until there are N (bench.pipeline.fill), then measure:
- the full rebuild of the fact table (`salesdesk.metrics.sources.rebuild`), seconds;
- the incremental metric update per write: the listener's before/after contributions and the
  upsert alone (p50/p95 over 200 writes), for a deal won, a deal lost and a deal reopened,
  plus the whole services around them (`opportunity_win` / `_lose` / `_reopen`), a payment and
  a follow-up;
- the metrics page and API for the administrator (scope: all) over a year, per rep and per unit.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from bench.common import database_urls, run, scratch_database, summary_ms, worker_json

WRITES = 200
REPEAT = 20


def bench(args) -> dict:
    size = int(args.size or 100_000)
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            run([sys.executable, "-m", "salesdesk.cli", "demo", "--size", "small"], env)
            results[label] = worker_json("metrics", env, ["--size", str(size)])
    return {"opportunities": size, "results": results}


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def worker(args) -> int:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from bench.pipeline import fill
    from salesdesk.customers import services as customer_services
    from salesdesk.customers.models import Customer
    from salesdesk.metrics import sources
    from salesdesk.metrics.maintenance import MetricFactsListener
    from salesdesk.metrics.models import MetricFact
    from salesdesk.org.models import User
    from salesdesk.pipeline import services
    from salesdesk.pipeline.models import Opportunity, Reason
    from salesdesk.sales.models import Instalment
    from salesdesk.sales.receivables import services as receivables

    setup_test_environment()
    target = int(args.size or 100_000)
    t0 = time.perf_counter()
    count, _stage_rebuild = fill(target)
    fill_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    counts = sources.rebuild()
    rebuild_s = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    admin = User.objects.get(username="admin")
    won = Reason.objects.filter(kind="won", is_active=True).first()
    lost = Reason.objects.filter(kind="lost", is_active=True).first()
    candidates = list(
        Opportunity.objects.filter(status="open")
        .order_by("?")
        .values_list("pk", flat=True)[: WRITES * 2]
    )
    listener = MetricFactsListener()

    def listener_only(pk: int) -> float:
        """The metric layer's share of a write: snapshot, the write itself untimed, compare."""
        with transaction.atomic():
            t0 = time.perf_counter()
            before = listener.snapshot(Opportunity, [pk])
            spent = time.perf_counter() - t0
            Opportunity.objects.filter(pk=pk).update(
                status="won", closed_at=timezone.now(), amount=Decimal("1234.56")
            )
            t0 = time.perf_counter()
            listener.changed(Opportunity, [pk], before)
            spent += time.perf_counter() - t0
            transaction.set_rollback(True)
        return spent

    metric_only = [listener_only(pk) for pk in candidates[:WRITES]]
    wins, losses, reopens = [], [], []
    for i, pk in enumerate(candidates):
        opp = Opportunity.objects.get(pk=pk)
        t0 = time.perf_counter()
        if i % 2:
            services.opportunity_win(actor=admin, opportunity=opp, reason=won)
            wins.append(time.perf_counter() - t0)
        else:
            services.opportunity_lose(actor=admin, opportunity=opp, reason=lost)
            losses.append(time.perf_counter() - t0)
        opp.refresh_from_db()
        t0 = time.perf_counter()
        services.opportunity_reopen(actor=admin, opportunity=opp)
        reopens.append(time.perf_counter() - t0)
    payments = []
    for instalment in Instalment.objects.filter(
        contract__status="active", contract__deleted_at__isnull=True
    ).order_by("?")[:WRITES]:
        open_amount = instalment.amount - instalment.paid_amount
        if open_amount < Decimal("0.02"):
            continue
        t0 = time.perf_counter()
        receivables.payment_record(
            actor=admin, instalment=instalment, amount=Decimal("0.01"), received_on=date.today()
        )
        payments.append(time.perf_counter() - t0)
    follow_ups = []
    for customer in Customer.objects.filter(owner__isnull=False).order_by("?")[:WRITES]:
        t0 = time.perf_counter()
        customer_services.follow_up_create(
            actor=admin, customer=customer, kind="call", content="bench"
        )
        follow_ups.append(time.perf_counter() - t0)

    client = Client()
    client.force_login(admin)
    today = date.today()
    pages = {}
    year_ago = today - timedelta(days=365)
    for group_by in ("user", "unit"):
        query = f"metric=win_rate&group_by={group_by}&from={year_ago}&to={today}"
        url = reverse("web:metrics") + "?" + query
        api = f"/api/v1/metrics/win_rate/values?start={year_ago}&group_by={group_by}"
        for name, target_url in ((f"page_{group_by}_1y", url), (f"api_{group_by}_1y", api)):
            assert client.get(target_url).status_code == 200
            pages[name] = summary_ms(_timed(lambda u=target_url: client.get(u), REPEAT))
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "opportunities": count,
                "fill_s": round(fill_s, 1),
                "metrics_rebuild_s": round(rebuild_s, 2),
                "fact_rows": MetricFact.objects.count(),
                "records": {k: v for k, v in counts.items() if k != "rows"},
                "metric_update_per_write": summary_ms(metric_only),
                "opportunity_win_service": summary_ms(wins),
                "opportunity_lose_service": summary_ms(losses),
                "opportunity_reopen_service": summary_ms(reopens),
                "payment_record_service": summary_ms(payments),
                "follow_up_create_service": summary_ms(follow_ups),
                **pages,
            }
        )
    )
    return 0

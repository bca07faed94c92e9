"""Demo catalogue, price lists, approval chains and contracts (`salesdesk demo`)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from django.db.models import Count, Sum
from django.db.models import F as models_F
from django.utils import timezone

from salesdesk.core.inbox import inbox_counts
from salesdesk.demo.runner import build_demo
from salesdesk.org.models import User
from salesdesk.sales.models import (
    ApprovalChain,
    Contract,
    ContractApproval,
    ContractCounter,
    ContractEvent,
    ContractLine,
    PriceList,
    Product,
)

TODAY = date(2026, 6, 15)


@pytest.mark.django_db
def test_small_demo_has_consistent_contracts():
    result = build_demo(size="small", seed=2026, today=TODAY)
    assert result.counts["sales.Contract"] == Contract.objects.count() == 1500
    assert Product.objects.count() == 24
    assert PriceList.objects.count() == 3
    assert ApprovalChain.objects.count() == 3
    statuses = dict(Contract.objects.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == {"draft", "in_approval", "active", "completed", "void"}
    # Totals are the sum of the lines, to the cent.
    sums = dict(
        ContractLine.objects.values_list("contract_id").annotate(s=Sum("amount")).order_by()
    )
    assert all(c.total_amount == sums[c.pk] for c in Contract.objects.all())
    # The history always ends in the contract's status and chains from status to status.
    events = ContractEvent.objects.order_by("contract_id", "at", "id").values_list(
        "contract_id", "from_status", "to_status"
    )
    status = dict(Contract.objects.values_list("pk", "status"))
    for cid, rows in itertools.groupby(events, key=lambda r: r[0]):
        rows = list(rows)
        assert rows[0][1:] == ("draft", "draft")
        for a, b in itertools.pairwise(rows):
            assert b[1] == a[2], cid
        assert rows[-1][2] == status[cid], cid
    pending = ContractApproval.objects.filter(status="pending")
    assert pending.count() == statuses["in_approval"]
    assert ContractEvent.objects.filter(kind="rejected").exists()
    # Numbers are unique and the counters continue after them.
    counter = ContractCounter.objects.order_by("-day").first()
    last = Contract.objects.filter(number__startswith=f"HT-{counter.day:%Y%m%d}-").count()
    assert counter.last == last
    # Payment plans add up to their contracts' totals; returns never exceed their lines.
    from salesdesk.sales.models import Instalment, Payment, SalesReturn

    planned = dict(
        Instalment.objects.values_list("contract_id").annotate(s=Sum("amount")).order_by()
    )
    totals = dict(Contract.objects.filter(pk__in=planned).values_list("pk", "total_amount"))
    assert planned == totals
    assert len(planned) == Contract.objects.filter(status__in=("active", "completed")).count()
    paid = Payment.objects.aggregate(s=Sum("amount"))["s"]
    assert paid == Instalment.objects.aggregate(s=Sum("paid_amount"))["s"] > 0
    assert SalesReturn.objects.exists()
    assert not SalesReturn.objects.filter(quantity__gt=models_F("line__quantity")).exists()
    # Somebody has approvals in their to-do inbox.
    approver_ids = set(pending.values_list("current_approver_id", flat=True)) - {None}
    user = User.objects.get(pk=sorted(approver_ids)[0])
    counts = inbox_counts(user, until=timezone.now(), kinds={"contract_approval"})
    assert counts["contract_approval"] >= 1

"""The metric layer (D43): after any sequence of creates, edits, stage moves, wins, losses,
reopenings, transfers, deletes and restores made through the services, the stored facts equal
`rebuild()` and an independent plain-Python computation from the raw records; selector figures
equal the same computation, exactly."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdesk.core.recycle import record_restore, record_soft_delete
from salesdesk.customers import services as customer_services
from salesdesk.customers.feedback.models import SatisfactionRecord
from salesdesk.customers.feedback.services import satisfaction_record_create
from salesdesk.customers.models import Customer, FollowUp
from salesdesk.metrics.models import MetricFact, MetricMonth
from salesdesk.metrics.selectors import metric_values, split_by_months
from salesdesk.metrics.sources import rebuild
from salesdesk.pipeline import services as deals
from salesdesk.pipeline.models import Opportunity, Reason
from salesdesk.sales.contracts import services as contracts
from salesdesk.sales.models import Contract, Payment, SalesReturn
from salesdesk.sales.receivables import services as receivables
from salesdesk.sales.returns.services import sales_return_record
from tests.customers.conftest import make_customer
from tests.pipeline.conftest import ensure_default_pipeline
from tests.sales.conftest import make_catalogue

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))
SITE = timezone.get_default_timezone()


def stored() -> dict[tuple, tuple]:
    return {
        (f.fact, f.owner_id, f.org_unit_id, f.day): (f.value, f.count)
        for f in MetricFact.objects.all()
    }


def stored_months() -> dict[tuple, tuple]:
    return {
        (m.fact, m.owner_id, m.org_unit_id, m.month): (m.value, m.count)
        for m in MetricMonth.objects.all()
    }


def months_of(daily: dict[tuple, tuple]) -> dict[tuple, tuple]:
    """The monthly rows the daily ones make (D51), summed by hand."""
    out: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0])
    for (fact, owner, unit, day), (value, count) in daily.items():
        row = out[(fact, owner, unit, day.replace(day=1))]
        row[0] += value
        row[1] += count
    return {key: (value, count) for key, (value, count) in out.items()}


def _day(at) -> date:
    return timezone.localtime(at, SITE).date()


def oracle() -> dict[tuple, tuple]:
    """The facts, computed from model instances by hand (not by salesdesk.metrics.sources)."""
    out: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0])

    def add(key, value=Decimal(0)):
        out[key][0] += value
        out[key][1] += 1

    counted = {}
    for c in Contract.all_objects.all():
        if c.deleted_at is None and c.status in ("active", "completed"):
            counted[c.pk] = c
            day = c.signed_on or _day(c.activated_at)
            add(("signed", c.owner_id, c.org_unit_id, day), c.total_amount)
    for p in Payment.objects.all():
        c = counted.get(p.contract_id)
        if c:
            add(("payment", c.owner_id, c.org_unit_id, p.received_on), p.amount)
    for r in SalesReturn.objects.all():
        c = counted.get(r.contract_id)
        if c:
            add(("return", c.owner_id, c.org_unit_id, r.returned_on), r.amount)
    for o in Opportunity.all_objects.all():
        if o.deleted_at is not None or o.status == "open":
            continue
        day = _day(o.closed_at)
        add((o.status, o.owner_id, o.org_unit_id, day), o.amount)
        if o.status == "won":
            days = Decimal((o.closed_at - o.created_at).total_seconds()) / 86400
            days = days.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            add(("cycle", o.owner_id, o.org_unit_id, day), days)
    for c in Customer.all_objects.all():
        who = c.owner_id or c.previous_owner_id
        if c.deleted_at is None and who:
            add(("new_customer", who, c.org_unit_id, _day(c.created_at)))
    for f in FollowUp.all_objects.select_related("customer"):
        if f.deleted_at is None and f.customer.deleted_at is None:
            add(("activity", f.author_id, f.customer.org_unit_id, _day(f.occurred_at)))
    for s in SatisfactionRecord.objects.select_related("customer"):
        if s.kind == "csat" and s.customer.deleted_at is None:
            key = ("satisfaction", s.recorded_by_id, s.customer.org_unit_id, _day(s.recorded_at))
            add(key, Decimal(s.score))
    return {k: (v, n) for k, (v, n) in out.items()}


actions = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "customer",
                "transfer",
                "delete_customer",
                "restore_customer",
                "follow_up",
                "delete_follow_up",
                "score",
                "deal",
                "move",
                "win",
                "lose",
                "reopen",
                "deal_amount",
                "delete_deal",
                "restore_deal",
                "contract",
                "sign_date",
                "complete",
                "void",
                "payment",
                "return",
            ]
        ),
        st.integers(min_value=0, max_value=7),  # which record / stage / user
        st.integers(min_value=0, max_value=20 * 86400),  # seconds to the next action
    ),
    min_size=1,
    max_size=30,
)


class World:
    def __init__(self, org):
        self.org = org
        self.cat = make_catalogue(org.admin)
        self.pipeline = ensure_default_pipeline()
        self.stages = list(self.pipeline.stages.order_by("order"))
        self.won = Reason.objects.filter(kind="won").first()
        self.lost = Reason.objects.filter(kind="lost").first()
        self.owners = [org.rep, org.other_rep, org.lead]
        self.customers = [make_customer(org.rep, "客户 0"), make_customer(org.other_rep, "客户 1")]
        # Something for every action to act on from the first step.
        for i in range(2):
            self.run("contract", i, T0)
            self.run("deal", i, T0)

    def pick(self, model, i, **filters):
        rows = (
            list(model.all_objects.filter(**filters).order_by("pk"))
            if hasattr(model, "all_objects")
            else list(model.objects.filter(**filters).order_by("pk"))
        )
        return rows[i % len(rows)] if rows else None

    def run(self, action: str, i: int, at) -> None:
        admin = self.org.admin
        owner = self.owners[i % len(self.owners)]
        if action == "customer":
            make_customer(owner, f"客户 {at:%m%d%H%M%S}")
        elif action == "transfer":
            c = self.pick(Customer, i, deleted_at__isnull=True)
            new = self.owners[(i + 1) % len(self.owners)]
            if c and c.owner_id != new.pk:
                customer_services.customer_transfer(actor=admin, customer=c, new_owner=new)
        elif action == "delete_customer":
            c = self.pick(Customer, i, deleted_at__isnull=True)
            if c:
                record_soft_delete(model=Customer, pk=c.pk, actor=admin)
        elif action == "restore_customer":
            c = self.pick(Customer, i, deleted_at__isnull=False)
            if c:
                record_restore(model=Customer, pk=c.pk, actor=admin)
        elif action == "follow_up":
            c = self.pick(Customer, i, deleted_at__isnull=True)
            if c:
                customer_services.follow_up_create(
                    actor=admin, customer=c, kind="call", content="通话", occurred_at=at
                )
        elif action == "delete_follow_up":
            f = self.pick(FollowUp, i, deleted_at__isnull=True)
            if f:
                record_soft_delete(model=FollowUp, pk=f.pk, actor=admin)
        elif action == "score":
            c = self.pick(Customer, i, deleted_at__isnull=True)
            if c:
                kind = "nps" if i == 7 else "csat"
                satisfaction_record_create(
                    actor=admin, customer=c, kind=kind, score=1 + i % 5, recorded_at=at
                )
        elif action == "deal":
            c = self.pick(Customer, i, deleted_at__isnull=True, owner__isnull=False)
            if c:
                deals.opportunity_create(
                    actor=admin, customer=c, owner=c.owner, title="商机", amount=1000 + i, at=at
                )
        elif action in ("move", "win", "lose", "reopen", "deal_amount", "delete_deal"):
            o = self.pick(Opportunity, i, deleted_at__isnull=True)
            if o is None:
                return
            if action == "move":
                deals.opportunity_move_stage(
                    opportunity=o, stage=self.stages[i % 7], actor=admin, reason=self.won, at=at
                )
            elif action == "win":
                deals.opportunity_win(actor=admin, opportunity=o, reason=self.won, at=at)
            elif action == "lose":
                deals.opportunity_lose(actor=admin, opportunity=o, reason=self.lost, at=at)
            elif action == "reopen":
                deals.opportunity_reopen(actor=admin, opportunity=o, at=at)
            elif action == "deal_amount":
                deals.opportunity_update(actor=admin, opportunity=o, amount=Decimal("777.77") * i)
            else:
                record_soft_delete(model=Opportunity, pk=o.pk, actor=admin)
        elif action == "restore_deal":
            o = self.pick(Opportunity, i, deleted_at__isnull=False)
            if o:
                record_restore(model=Opportunity, pk=o.pk, actor=admin)
        elif action == "contract":
            c = self.pick(Customer, i, deleted_at__isnull=True, owner__isnull=False)
            if c:
                contract = contracts.contract_create(
                    actor=admin,
                    customer=c,
                    owner=c.owner,
                    title="合同",
                    signed_on=None if i % 2 else at.date(),
                    lines=[{"product": self.cat.crm, "quantity": 1 + i, "unit_price": "999.99"}],
                )
                contracts.contract_submit(actor=admin, contract=contract)  # no chain: active
        elif action in ("sign_date", "complete", "void"):
            c = self.pick(Contract, i, status="active")
            if c is None:
                return
            if action == "sign_date":
                contracts.contract_update(
                    actor=admin, contract=c, signed_on=(at + timedelta(days=i)).date()
                )
            elif action == "complete":
                contracts.contract_complete(actor=admin, contract=c)
            else:
                contracts.contract_void(actor=admin, contract=c, reason="作废")
        elif action == "payment":
            c = self.pick(Contract, i, status__in=("active", "completed"))
            if c is None:
                return
            if not hasattr(c, "payment_plan"):
                receivables.payment_plan_set(
                    actor=admin,
                    contract=c,
                    instalments=[{"due_on": at.date(), "amount": c.total_amount}],
                )
            instalment = c.instalments.first() or c.payment_plan.instalments.first()
            receivables.payment_record(
                actor=admin,
                instalment=instalment,
                amount=Decimal("100.10"),
                received_on=(at + timedelta(days=i)).date(),
            )
        elif action == "return":
            c = self.pick(Contract, i, status__in=("active", "completed"))
            if c:
                sales_return_record(
                    actor=admin,
                    line=c.lines.first(),
                    quantity=Decimal("0.5"),
                    reason="质量",
                    returned_on=(at + timedelta(days=1)).date(),
                )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=actions)
def test_incremental_facts_equal_rebuild_and_plain_python(org, steps):
    with transaction.atomic():  # each example starts from the same database
        _check_history(org, steps)
        transaction.set_rollback(True)


def _check_history(org, steps):
    world = World(org)
    at = T0
    for action, i, gap in steps:
        at = at + timedelta(seconds=gap)
        with contextlib.suppress(ValidationError, PermissionDenied):  # refused: no change
            world.run(action, i, at)
    incremental = stored()
    expected = oracle()
    assert incremental == expected
    assert stored_months() == months_of(expected)
    rebuild()
    assert stored() == expected
    assert stored_months() == months_of(expected)
    # Selector figures are the oracle's sums, exactly.
    start, end = date(2026, 1, 1), date(2027, 12, 31)
    signed = sum((v for (f, *_r), (v, _n) in expected.items() if f == "signed"), Decimal(0))
    assert metric_values("signed_amount", start=start, end=end) == {None: signed}
    won = sum(n for (f, *_r), (_v, n) in expected.items() if f == "won")
    lost = sum(n for (f, *_r), (_v, n) in expected.items() if f == "lost")
    rate = metric_values("win_rate", start=start, end=end)[None]
    if won + lost:
        want = (Decimal(won) / Decimal(won + lost)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        assert rate == want
    else:
        assert rate is None
    per_user = metric_values("activities", start=start, end=end, group_by="user")
    by_author: dict[int, Decimal] = defaultdict(Decimal)
    for (f, owner, _u, _d), (_v, n) in expected.items():
        if f == "activity":
            by_author[owner] += n
    assert per_user == dict(by_author)


def test_generated_histories_cover_every_fact(org):
    """A fixed history that makes every fact (so the property test is not vacuous)."""
    world = World(org)
    at = T0
    for action, i in [
        ("customer", 0),
        ("follow_up", 0),
        ("score", 1),
        ("deal", 0),
        ("deal", 1),
        ("win", 0),
        ("lose", 1),
        ("contract", 0),
        ("payment", 0),
        ("return", 0),
    ]:
        at += timedelta(days=1)
        world.run(action, i, at)
    facts = {f for f, *_rest in stored()}
    assert facts == {
        "new_customer",
        "activity",
        "satisfaction",
        "won",
        "lost",
        "cycle",
        "signed",
        "payment",
        "return",
    }
    assert stored() == oracle()


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    length=st.integers(min_value=0, max_value=800),
)
def test_a_range_splits_into_partial_months_and_whole_months_exactly(start, length):
    """D51: the daily pieces and the whole months cover [start, end] once, without overlap."""
    end = start + timedelta(days=length)
    days, months = split_by_months(start, end)
    covered = [d for first, last in days for d in _each_day(first, last)]
    if months is not None:
        first, last = months
        assert first.day == 1 and last.day == 1 and first <= last
        month = first
        while month <= last:
            nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
            covered += _each_day(month, nxt - timedelta(days=1))
            month = nxt
    assert sorted(covered) == _each_day(start, end)
    assert len(days) <= 2


def _each_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]

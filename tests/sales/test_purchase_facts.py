"""Customer behaviour from real sales (D40): purchase figures recomputed from contracts, returns
and payments by the daily job, then RFM; exact values, idempotence, the 360 page, and a property
test against a plain Python computation."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdesk.customers.models import Customer
from salesdesk.customers.purchase_facts import purchase_facts_recompute, purchase_facts_registry
from salesdesk.customers.tasks import customers_rfm_recompute
from salesdesk.sales.contracts import services as contracts
from salesdesk.sales.models import (
    Contract,
    ContractLine,
    Instalment,
    Payment,
    PaymentPlan,
    SalesReturn,
)
from salesdesk.sales.receivables import services as receivables
from salesdesk.sales.returns.services import sales_return_record
from tests.api.conftest import ApiClient
from tests.customers.conftest import customer_snapshot, make_customer
from tests.sales.conftest import make_chain, make_contract

pytestmark = pytest.mark.django_db

PURCHASE_FIELDS = (
    "first_purchase_at",
    "last_purchase_at",
    "purchase_count",
    "purchase_value",
    "paid_value",
    "purchases_from_contracts",
)


def facts(customer: Customer) -> tuple:
    c = Customer.all_objects.get(pk=customer.pk)
    return tuple(getattr(c, f) for f in PURCHASE_FIELDS)


def imported(owner, name, *, count, value, first, last):
    return make_customer(
        owner,
        name,
        purchase_count=count,
        purchase_value=Decimal(value),
        first_purchase_at=first,
        last_purchase_at=last,
    )


def activate(actor, contract, *, activated_at=None):
    contracts.contract_submit(actor=actor, contract=contract)
    if activated_at is not None:
        Contract.all_objects.filter(pk=contract.pk).update(activated_at=activated_at)
    contract.refresh_from_db()
    return contract


def pay(actor, contract, amount, received_on):
    plan = receivables.payment_plan_set(
        actor=actor,
        contract=contract,
        instalments=[{"due_on": received_on, "amount": contract.total_amount}],
    )
    receivables.payment_record(
        actor=actor,
        instalment=plan.instalments.get(),
        amount=Decimal(amount),
        received_on=received_on,
    )


@pytest.fixture
def world(org, cat):
    """A buyer with contracts in every status (plus a return, payments and a soft-deleted
    contract), a customer with imported figures and no contracts, one with only a draft, and one
    whose only contract will be voided."""
    rep, admin = org.rep, org.admin
    buyer = imported(
        rep, "买家 Buyer", count=7, value="9999", first=date(2020, 1, 1), last=date(2020, 1, 1)
    )
    bystander = imported(
        rep, "导入 Imported", count=4, value="800", first=date(2025, 1, 1), last=date(2025, 6, 1)
    )
    drafty = imported(
        rep, "草稿 Draft only", count=0, value="0", first=None, last=None
    )  # no purchases at all
    lapsed = make_customer(rep, "流失 Lapsed")

    make_contract(rep, buyer, cat)  # draft: 2,000.00, ignored
    make_contract(rep, drafty, cat)  # draft only
    make_chain(admin, min_amount="10000")
    in_approval = make_contract(rep, buyer, cat, quantity="20")  # 20,000.00 → needs approval
    contracts.contract_submit(actor=rep, contract=in_approval)
    assert Contract.objects.get(pk=in_approval.pk).status == "in_approval"

    # active, signed 2026-03-01: 3,000.00, one unit returned (1,000.00), 1,200.00 received
    active = activate(rep, make_contract(rep, buyer, cat, quantity="3", signed_on=date(2026, 3, 1)))
    sales_return_record(
        actor=rep, line=active.lines.get(), quantity=1, reason="损坏", returned_on=date(2026, 3, 5)
    )
    pay(rep, active, "1200", date(2026, 3, 10))
    # completed, never signed: its day is the local day it became active (Asia/Shanghai):
    # 2026-04-30 17:30 UTC is 2026-05-01 01:30 in Shanghai. 2 × 150.50 = 301.00, paid in full.
    completed = make_contract(
        rep,
        buyer,
        cat,
        lines=[{"product": cat.support, "quantity": Decimal("2"), "unit_price": "150.50"}],
    )
    activate(rep, completed, activated_at=datetime(2026, 4, 30, 17, 30, tzinfo=UTC))
    pay(rep, completed, "301", date(2026, 5, 2))
    contracts.contract_complete(actor=admin, contract=completed)
    # void after activation (5,000.00, signed later than everything else): ignored
    void = activate(rep, make_contract(rep, buyer, cat, quantity="5", signed_on=date(2026, 6, 1)))
    contracts.contract_void(actor=admin, contract=void, reason="重复录入")
    # active but in the recycle bin (4,000.00, signed 2026-07-01): ignored. The services delete
    # only drafts today, so the row is put in the bin directly; the rule is guarded anyway.
    deleted = activate(
        rep, make_contract(rep, buyer, cat, quantity="4", signed_on=date(2026, 7, 1))
    )
    Contract.all_objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    # a draft deleted through the services (in the bin, ignored twice over)
    contracts.contract_delete(actor=admin, contract=make_contract(rep, buyer, cat, quantity="9"))

    # lapsed: one active contract (1,000.00, signed 2026-02-01) that is voided later
    lapsed_contract = activate(
        rep, make_contract(rep, lapsed, cat, quantity="1", signed_on=date(2026, 2, 1))
    )
    statuses = sorted(Contract.all_objects.values_list("status", flat=True))
    assert statuses == [
        "active", "active", "active", "completed", "draft", "draft", "draft", "in_approval", "void",
    ]  # fmt: skip
    return {
        "buyer": buyer,
        "bystander": bystander,
        "drafty": drafty,
        "lapsed": lapsed,
        "lapsed_contract": lapsed_contract,
    }


def test_the_sales_app_registers_the_contracts_provider():
    assert purchase_facts_registry.keys() == ["contracts"]


def test_purchase_figures_come_from_counted_contracts_net_of_returns(org, world):
    w = world
    before_bystander = Customer.all_objects.filter(pk=w["bystander"].pk).values().get()
    before_drafty = Customer.all_objects.filter(pk=w["drafty"].pk).values().get()
    buyer_version = Customer.all_objects.get(pk=w["buyer"].pk).version

    result = purchase_facts_recompute()

    assert (result.providers, result.customers_with_sales, result.updated, result.emptied) == (
        ("contracts",),
        2,
        2,
        0,
    )
    # active (2026-03-01, 3,000 − 1,000 returned, 1,200 paid) + completed (2026-05-01 local,
    # 301.00 paid in full); draft, in approval, void and the deleted contract do not count
    assert facts(w["buyer"]) == (
        date(2026, 3, 1), date(2026, 5, 1), 2, Decimal("2301.00"), Decimal("1501.00"), True,
    )  # fmt: skip
    assert facts(w["lapsed"]) == (
        date(2026, 2, 1), date(2026, 2, 1), 1, Decimal("1000.00"), Decimal("0.00"), True,
    )  # fmt: skip
    # no counted contract: imported values kept, the row not written at all
    assert Customer.all_objects.filter(pk=w["bystander"].pk).values().get() == before_bystander
    assert Customer.all_objects.filter(pk=w["drafty"].pk).values().get() == before_drafty
    # a written row bumps the version (an edit form opened before is refused as stale)
    assert Customer.all_objects.get(pk=w["buyer"].pk).version == buyer_version + 1
    # no field-history rows for the bulk change
    assert Customer.history.filter(id=w["buyer"].pk, purchase_count=2).count() == 0


def test_several_providers_are_summed_per_customer(world):
    from salesdesk.sales.purchase_facts import contract_purchase_facts

    purchase_facts_registry.register("again", contract_purchase_facts)
    try:
        result = purchase_facts_recompute()
    finally:
        purchase_facts_registry.unregister("again")
    assert result.providers == ("contracts", "again")
    # the same facts twice: dates unchanged, counts and money doubled
    assert facts(world["buyer"]) == (
        date(2026, 3, 1), date(2026, 5, 1), 4, Decimal("4602.00"), Decimal("3002.00"), True,
    )  # fmt: skip
    assert purchase_facts_registry.keys() == ["contracts"]


def test_without_providers_nothing_is_written(world, monkeypatch):
    monkeypatch.setattr(purchase_facts_registry, "_providers", {})
    before = list(Customer.all_objects.order_by("pk").values())
    result = purchase_facts_recompute()
    assert (result.providers, result.customers_with_sales, result.updated) == ((), 0, 0)
    assert list(Customer.all_objects.order_by("pk").values()) == before


def test_the_recomputation_is_a_constant_number_of_statements(org, cat, world):
    with CaptureQueriesContext(connection) as first:
        purchase_facts_recompute()
    for i in range(3):
        more = make_customer(org.rep, f"更多 More {i}")
        activate(org.rep, make_contract(org.rep, more, cat, quantity="1"))
    with CaptureQueriesContext(connection) as second:
        result = purchase_facts_recompute()
    assert result.updated == 3
    # drop, create, index, analyse the temporary table; two updates; a count; drop
    statements = [q["sql"].split()[0].upper() for q in second.captured_queries]
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE")] == [
        "DROP", "CREATE", "CREATE", "ANALYZE", "UPDATE", "UPDATE", "SELECT", "DROP",
    ]  # fmt: skip
    assert len(first.captured_queries) == len(second.captured_queries)


def test_second_run_changes_nothing(world):
    purchase_facts_recompute()
    before = list(Customer.all_objects.order_by("pk").values())
    result = purchase_facts_recompute()
    assert (result.customers_with_sales, result.updated, result.emptied) == (2, 0, 0)
    assert list(Customer.all_objects.order_by("pk").values()) == before


def test_a_customer_whose_last_contract_is_voided_is_emptied_once(org, world):
    w = world
    purchase_facts_recompute()
    contracts.contract_void(actor=org.admin, contract=w["lapsed_contract"], reason="取消")
    result = purchase_facts_recompute()
    assert (result.customers_with_sales, result.updated, result.emptied) == (1, 0, 1)
    assert facts(w["lapsed"]) == (None, None, 0, Decimal("0.00"), Decimal("0.00"), False)
    before = list(Customer.all_objects.order_by("pk").values())
    assert purchase_facts_recompute().emptied == 0
    assert list(Customer.all_objects.order_by("pk").values()) == before
    # from now on it is like any customer without sales: hand-entered values stay
    Customer.all_objects.filter(pk=w["lapsed"].pk).update(purchase_count=3)
    purchase_facts_recompute()
    assert facts(w["lapsed"])[2] == 3


def test_soft_deleted_customers_are_left_alone(org, world):
    buyer = world["buyer"]
    Customer.all_objects.filter(pk=buyer.pk).update(deleted_at=timezone.now())
    before = Customer.all_objects.filter(pk=buyer.pk).values().get()
    result = purchase_facts_recompute()
    assert (result.customers_with_sales, result.updated) == (1, 1)  # lapsed only
    assert Customer.all_objects.filter(pk=buyer.pk).values().get() == before


def test_the_daily_job_recomputes_purchases_then_rfm_and_is_idempotent(org, world):
    w = world
    figures = customers_rfm_recompute.call_local()
    seconds = {k: figures.pop(k) for k in ("purchases_seconds", "seconds")}
    assert all(s >= 0 for s in seconds.values())
    assert figures == {
        "purchases_customers_with_sales": 2,
        "purchases_updated": 2,
        "purchases_emptied": 0,
        "scored": 3,  # buyer, lapsed (from contracts), bystander (imported)
        "unscored": 1,  # drafty
        "updated": 3,
        "level_changes": 2,
    }

    def rfm(c):
        c = Customer.all_objects.get(pk=c.pk)
        return (c.rfm_recency, c.rfm_frequency, c.rfm_monetary, c.level)

    # n = 3: ranks 1, 2, 3 score 1, 2, 4. R: bystander 2025-06-01 < lapsed 2026-02-01 < buyer
    # 2026-05-01; F: lapsed 1 < buyer 2 < bystander 4; M: bystander 800 < lapsed 1,000 < buyer
    # 2,301. With its imported figures (2020-01-01, 7, 9,999) the buyer would have been C.
    assert rfm(w["buyer"]) == (4, 2, 4, "B")  # 10
    assert rfm(w["bystander"]) == (1, 4, 1, "C")  # 6
    assert rfm(w["lapsed"]) == (2, 1, 2, "D")  # 5
    assert rfm(w["drafty"]) == (None, None, None, "D")

    before = list(Customer.all_objects.order_by("pk").values())
    again = customers_rfm_recompute.call_local()
    assert (again["purchases_updated"], again["purchases_emptied"], again["updated"]) == (0, 0, 0)
    assert list(Customer.all_objects.order_by("pk").values()) == before


def test_management_command_runs_the_job(world, capsys):
    call_command("recompute_customer_behaviour")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Purchases: 2 customers with sales, 2 updated, 0 emptied (")
    assert out[1].startswith(
        "RFM: 3 scored, 1 without purchases, 3 rows updated (2 level changes, "
    )
    assert facts(world["buyer"])[2:5] == (2, Decimal("2301.00"), Decimal("1501.00"))


def test_api_shows_the_figures_and_refuses_hand_edits_of_computed_ones(org, world):
    purchase_facts_recompute()
    client = ApiClient(org.rep)
    buyer, bystander = world["buyer"], world["bystander"]
    body = client.get(f"/api/v1/customers/{buyer.pk}").json()
    assert {k: body[k] for k in (*PURCHASE_FIELDS, "version")} == {
        "first_purchase_at": "2026-03-01",
        "last_purchase_at": "2026-05-01",
        "purchase_count": 2,
        "purchase_value": "2301.00",
        "paid_value": "1501.00",
        "purchases_from_contracts": True,
        "version": body["version"],
    }
    before = customer_snapshot()
    response = client.patch(
        f"/api/v1/customers/{buyer.pk}",
        {"version": body["version"], "purchase_count": 9, "purchase_value": "2301", "city": "北京"},
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "purchase_count": [
            "Computed daily from the customer's contracts, returns and payments; it cannot be "
            "changed by hand."
        ]
    }
    assert customer_snapshot() == before
    # unchanged figures may be sent back with other edits
    response = client.patch(
        f"/api/v1/customers/{buyer.pk}",
        {"version": body["version"], "purchase_count": 2, "purchase_value": "2301", "city": "北京"},
    )
    assert (response.status_code, response.json()["city"]) == (200, "北京")
    # a customer without sales records keeps hand-entered figures
    other = client.get(f"/api/v1/customers/{bystander.pk}").json()
    assert (other["purchases_from_contracts"], other["paid_value"]) == (False, "0.00")
    response = client.patch(
        f"/api/v1/customers/{bystander.pk}", {"version": other["version"], "purchase_count": 5}
    )
    assert (response.status_code, response.json()["purchase_count"]) == (200, 5)


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["From contracts, returns and payments", "Payments received"]),
        ("zh-hans", ["来自合同、退货和回款", "已收回款", "购买金额"]),
    ],
)
def test_customer_360_shows_the_recomputed_figures(org, world, language, texts):
    purchase_facts_recompute()
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(org.rep)
    client.cookies.load({"django_language": language})
    page = client.get(
        reverse("web:customer_detail", args=[world["buyer"].pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    for text in ["2026-03-01", "2026-05-01", "¥2,301.00", "¥1,501.00", *texts]:
        assert text in page
    other = client.get(
        reverse("web:customer_detail", args=[world["bystander"].pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    assert "¥800.00" in other and "2025-06-01" in other
    if language == "en":
        assert "Imported or entered by hand" in other


# --- property: the SQL equals a plain Python computation ----------------------------------

COUNTED = {"active", "completed"}
money = st.decimals(min_value="0", max_value="99999.99", places=2)
contract_rows = st.lists(
    st.fixed_dictionaries(
        {
            "customer": st.integers(0, 2),
            "status": st.sampled_from(["draft", "in_approval", "active", "completed", "void"]),
            "deleted": st.booleans(),
            "signed_on": st.none() | st.dates(date(2025, 1, 1), date(2027, 12, 31)),
            "activated_at": st.none()
            | st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
            "created_at": st.datetimes(
                datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)
            ),
            "total": money,
            "returns": st.lists(st.integers(0, 100), max_size=2),  # percent of what is left
            "payments": st.lists(money, max_size=2),
        }
    ),
    max_size=8,
)
initial_rows = st.lists(
    st.fixed_dictionaries(
        {"count": st.integers(0, 9), "value": money, "from_contracts": st.booleans()}
    ),
    min_size=3,
    max_size=3,
)
_numbers = itertools.count(1)


def expected(rows, initial):
    out = {}
    for i, start in enumerate(initial):
        mine = [
            r for r in rows if r["customer"] == i and r["status"] in COUNTED and not r["deleted"]
        ]
        if mine:
            days = [
                r["signed_on"] or timezone.localtime(r["activated_at"] or r["created_at"]).date()
                for r in mine
            ]
            out[i] = (
                min(days),
                max(days),
                len(mine),
                sum((r["total"] - sum(r["returned"], Decimal(0)) for r in mine), Decimal("0.00")),
                sum((sum(r["payments"], Decimal(0)) for r in mine), Decimal("0.00")),
                True,
            )
        elif start["from_contracts"]:
            out[i] = (None, None, 0, Decimal("0.00"), Decimal("0.00"), False)
        else:
            out[i] = (
                date(2024, 1, 1) if start["count"] else None,
                date(2024, 6, 1) if start["count"] else None,
                start["count"],
                start["value"],
                Decimal("0.00"),
                False,
            )
    return out


@given(rows=contract_rows, initial=initial_rows)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_recomputation_equals_a_python_computation(org, cat, rows, initial):
    with transaction.atomic():
        customers = [
            Customer.objects.create(
                owner=org.rep,
                org_unit=org.team_a,
                name=f"c{i}",
                purchase_count=s["count"],
                purchase_value=s["value"],
                first_purchase_at=date(2024, 1, 1) if s["count"] else None,
                last_purchase_at=date(2024, 6, 1) if s["count"] else None,
                purchases_from_contracts=s["from_contracts"],
            )
            for i, s in enumerate(initial)
        ]
        for r in rows:
            contract = Contract.all_objects.create(
                owner=org.rep,
                org_unit=org.team_a,
                customer=customers[r["customer"]],
                number=f"P-{next(_numbers)}",
                title="p",
                status=r["status"],
                signed_on=r["signed_on"],
                activated_at=r["activated_at"],
                total_amount=r["total"],
                deleted_at=timezone.now() if r["deleted"] else None,
            )
            Contract.all_objects.filter(pk=contract.pk).update(created_at=r["created_at"])
            line = ContractLine.objects.create(
                contract=contract,
                position=1,
                product=cat.crm,
                quantity=1,
                unit_price=r["total"],
                amount=r["total"],
            )
            left, r["returned"] = r["total"], []
            for percent in r["returns"]:
                amount = (left * percent / 100).quantize(Decimal("0.01"))
                left -= amount
                r["returned"].append(amount)
                SalesReturn.objects.create(
                    contract=contract,
                    line=line,
                    product=cat.crm,
                    quantity=0,
                    amount=amount,
                    returned_on=date(2026, 1, 1),
                    reason="r",
                    recorded_by=org.rep,
                )
            if r["payments"]:
                plan = PaymentPlan.objects.create(contract=contract)
                instalment = Instalment.objects.create(
                    plan=plan,
                    contract=contract,
                    position=1,
                    due_on=date(2026, 1, 1),
                    amount=r["total"],
                )
                Payment.objects.bulk_create(
                    Payment(
                        contract=contract,
                        instalment=instalment,
                        received_on=date(2026, 1, 1),
                        amount=amount,
                        recorded_by=org.rep,
                    )
                    for amount in r["payments"]
                )

        purchase_facts_recompute()
        want = expected(rows, initial)
        assert {i: facts(c) for i, c in enumerate(customers)} == want
        before = list(Customer.all_objects.order_by("pk").values())
        again = purchase_facts_recompute()
        assert (again.updated, again.emptied) == (0, 0)
        assert list(Customer.all_objects.order_by("pk").values()) == before
        transaction.set_rollback(True)

"""Public pool services (CUS-6): claim, assign, return, administration; refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from salesdesk.customers import services
from salesdesk.customers.duplicates import duplicate_check
from salesdesk.customers.models import Customer, Task
from salesdesk.customers.pool import services as pool_services
from salesdesk.customers.pool.models import Pool, PoolEvent, PoolRule
from salesdesk.customers.pool.selectors import pool_customers, pools_of
from salesdesk.customers.selectors import customer_list
from tests.customers.conftest import make_customer
from tests.customers.pool_helpers import make_pool, pool_snapshot, put_in_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(org):
    return make_pool(org.admin, member_units=[org.east], is_default=True)


@pytest.fixture
def pooled(org, pool):
    customer = make_customer(org.rep, "苏州公海客户有限公司", phone="0512-6000 0001")
    put_in_pool(customer, pool)
    return Customer.objects.get(pk=customer.pk)


def _messages(exc) -> list[str]:
    return [m for msgs in exc.value.message_dict.values() for m in msgs]


def test_claim_makes_the_actor_owner_and_records_it(org, pooled, pool):
    claimed = pool_services.pool_claim(actor=org.other_rep, customer=pooled)
    assert claimed.owner_id == org.other_rep.pk
    assert claimed.org_unit_id == org.team_b.pk
    assert claimed.pool_id is None and claimed.pooled_at is None
    assert claimed.owned_since is not None
    assert claimed.version == pooled.version + 1
    events = list(PoolEvent.objects.values_list("kind", "actor_id", "to_user_id", "pool_id"))
    assert events == [("claim", org.other_rep.pk, org.other_rep.pk, pool.pk)]
    assert Customer.history.filter(id=pooled.pk).first().history_change_reason == "pool:claim"
    assert list(customer_list(org.other_rep, view="mine").values_list("pk", flat=True)) == [
        pooled.pk
    ]
    assert pool_customers(org.rep).count() == 0


def test_second_claim_is_refused_and_changes_nothing(org, pooled):
    pool_services.pool_claim(actor=org.other_rep, customer=pooled)
    before = pool_snapshot()
    with pytest.raises(ValidationError) as exc:
        pool_services.pool_claim(actor=org.rep, customer=pooled)
    assert _messages(exc) == ["This customer has already been claimed by someone else."]
    assert pool_snapshot() == before


def test_cooldown_refuses_the_previous_owner(org, pool, pooled):
    Pool.objects.filter(pk=pool.pk).update(cooldown_days=7)
    pooled_at = timezone.now() - timedelta(days=2)
    put_in_pool(pooled, pool, previous_owner=org.rep, pooled_at=pooled_at)
    before = pool_snapshot()
    with pytest.raises(ValidationError) as exc:
        pool_services.pool_claim(actor=org.rep, customer=pooled)
    assert exc.value.error_dict["customer"][0].code == "cooldown"
    assert "you may claim it again from" in _messages(exc)[0]
    assert pool_snapshot() == before
    # Someone else may claim it at once; after the cool-down the previous owner may too.
    put_in_pool(pooled, pool, previous_owner=org.rep, pooled_at=timezone.now() - timedelta(days=8))
    assert pool_services.pool_claim(actor=org.rep, customer=pooled).owner_id == org.rep.pk


def test_daily_claim_limit(org, pool):
    Pool.objects.filter(pk=pool.pk).update(claim_limit_per_day=2)
    customers = []
    for i in range(3):
        c = make_customer(org.rep, f"限额客户{i}")
        put_in_pool(c, pool)
        customers.append(c)
    pool_services.pool_claim(actor=org.other_rep, customer=customers[0])
    pool_services.pool_claim(actor=org.other_rep, customer=customers[1])
    before = pool_snapshot()
    with pytest.raises(ValidationError) as exc:
        pool_services.pool_claim(actor=org.other_rep, customer=customers[2])
    assert _messages(exc) == ["You have reached the daily limit of 2 claims. Try again tomorrow."]
    assert pool_snapshot() == before


def test_quota(org, pool, pooled):
    Pool.objects.filter(pk=pool.pk).update(quota=1)
    make_customer(org.other_rep, "已有客户")
    before = pool_snapshot()
    with pytest.raises(ValidationError) as exc:
        pool_services.pool_claim(actor=org.other_rep, customer=pooled)
    assert _messages(exc) == [
        "You already own 1 customers, the quota of 1 is reached. "
        "Return a customer to the pool first."
    ]
    assert pool_snapshot() == before


def test_non_member_cannot_see_or_claim(org, pooled):
    outsider_pool = make_pool(org.admin, name="Other pool", member_units=[org.team_b])
    put_in_pool(pooled, outsider_pool)
    before = pool_snapshot()
    with pytest.raises(Customer.DoesNotExist):
        pool_services.pool_claim(actor=org.rep, customer=pooled)
    assert pool_snapshot() == before
    assert pool_customers(org.rep).count() == 0
    assert list(pools_of(org.rep).values_list("name", flat=True)) == ["华东公海 East pool"]


def test_deactivated_cannot_claim(org, pooled):
    before = pool_snapshot()
    with pytest.raises(PermissionDenied):
        pool_services.pool_claim(actor=org.deactivated, customer=pooled)
    assert pool_snapshot() == before


def test_return_needs_a_reason_and_closes_open_tasks(org, pool):
    customer = make_customer(org.rep, "退回客户有限公司")
    task = services.task_create(
        actor=org.rep, title="call", due_at=timezone.now() + timedelta(days=1), customer=customer
    )
    before = pool_snapshot()
    with pytest.raises(ValidationError) as exc:
        pool_services.pool_return(actor=org.rep, customer=customer, reason="  ")
    assert _messages(exc) == ["Give a reason for returning the customer."]
    assert pool_snapshot() == before
    returned = pool_services.pool_return(actor=org.rep, customer=customer, reason="不再合作")
    assert (returned.owner_id, returned.pool_id, returned.previous_owner_id) == (
        None,
        pool.pk,
        org.rep.pk,
    )
    assert returned.org_unit_id == org.team_a.pk
    assert Task.objects.get(pk=task.pk).done_at is not None
    event = PoolEvent.objects.get()
    assert (event.kind, event.from_user_id, event.reason) == ("return", org.rep.pk, "不再合作")
    assert customer_list(org.rep, view="all").count() == 0
    assert customer_list(org.director, view="all").count() == 0
    assert list(pool_customers(org.other_rep).values_list("pk", flat=True)) == [customer.pk]


def test_return_by_someone_else_is_refused(org, pool):
    customer = make_customer(org.rep, "别人的客户")
    before = pool_snapshot()
    with pytest.raises(Customer.DoesNotExist):
        pool_services.pool_return(actor=org.other_rep, customer=customer, reason="x")
    assert pool_snapshot() == before
    # A manager with the transfer permission may return it.
    assert pool_services.pool_return(actor=org.director, customer=customer, reason="x").pool_id


def test_assign_by_manager_only(org, pool, pooled):
    before = pool_snapshot()
    with pytest.raises(PermissionDenied):
        pool_services.pool_assign(actor=org.rep, pool=pool, customers=[pooled], to_user=org.rep)
    with pytest.raises(ValidationError):
        pool_services.pool_assign(
            actor=org.director, pool=pool, customers=[pooled], to_user=org.deactivated
        )
    assert pool_snapshot() == before
    taken = pool_services.pool_assign(
        actor=org.director, pool=pool, customers=[pooled], to_user=org.other_rep
    )
    assert [c.owner_id for c in taken] == [org.other_rep.pk]
    event = PoolEvent.objects.get()
    assert (event.kind, event.actor_id, event.to_user_id) == (
        "assign",
        org.director.pk,
        org.other_rep.pk,
    )


def test_pool_admin_services_need_permission(org):
    before = pool_snapshot()
    with pytest.raises(PermissionDenied):
        pool_services.pool_create(actor=org.lead, name="X")
    with pytest.raises(ValidationError) as exc:
        pool_services.pool_create(actor=org.admin, name=" ")
    assert _messages(exc) == ["Enter a name."]
    assert pool_snapshot() == before
    pool = make_pool(org.admin, name="A")
    with pytest.raises(ValidationError) as exc:
        pool_services.pool_rule_create(actor=org.admin, pool=pool, kind="no_follow_up", days=0)
    assert _messages(exc) == ["Enter a number of working days from 1 to 3650."]
    with pytest.raises(ValidationError):
        pool_services.pool_rule_create(
            actor=org.admin, pool=pool, kind="no_follow_up", days=5, levels=["Z"]
        )
    rule = pool_services.pool_rule_create(
        actor=org.admin, pool=pool, kind="no_follow_up", days=5, levels=["B", "A", "A"]
    )
    assert rule.levels == ["A", "B"]
    assert PoolRule.objects.count() == 1


def test_pool_delete_refused_while_it_holds_customers(org, pool, pooled):
    before = pool_snapshot()
    with pytest.raises(ValidationError):
        pool_services.pool_delete(actor=org.admin, pool=pool)
    assert pool_snapshot() == before
    pool_services.pool_claim(actor=org.rep, customer=pooled)
    pool_services.pool_delete(actor=org.admin, pool=pool)
    assert not Pool.objects.filter(pk=pool.pk).exists()


def test_duplicate_hit_on_a_pool_customer_names_the_pool(org, pooled):
    hits = duplicate_check(actor=org.other_rep, phone="0512-6000 0001")
    assert [(h.customer_id, h.pool_name, h.claimable, h.owner_name) for h in hits] == [
        (pooled.pk, "华东公海 East pool", True, "")
    ]
    assert hits[0].name == "苏州公海客户有限公司"
    assert hits[0].url == f"/customers/pool/customers/{pooled.pk}/"


def test_pool_moves_are_on_the_customer_timeline(org, pool):
    from salesdesk.core.timeline import customer_timeline

    customer = make_customer(org.rep, "时间线客户")
    pool_services.pool_return(actor=org.rep, customer=customer, reason="没有预算")
    claimed = pool_services.pool_claim(actor=org.other_rep, customer=customer)
    entries = [
        (e.kind, e.title, e.body)
        for e in customer_timeline(claimed, org.other_rep)
        if e.kind == "pool"
    ]
    assert entries == [
        ("pool", "Claimed from the public pool 华东公海 East pool by 赵六 Zhao Liu", ""),
        ("pool", "Returned to the public pool 华东公海 East pool", "没有预算"),
    ]
    # The field history of the moves is not repeated as "changes".
    changes = [e.title for e in customer_timeline(claimed, org.other_rep) if e.kind != "pool"]
    assert changes == ["Customer created"]

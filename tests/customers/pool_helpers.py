"""Helpers of the public pool tests."""

from __future__ import annotations

from salesdesk.core.models import AuditEvent, Notification
from salesdesk.customers.models import Customer, Task
from salesdesk.customers.pool import services as pool_services
from salesdesk.customers.pool.models import Pool, PoolEvent, PoolRule


def make_pool(admin, **fields) -> Pool:
    fields.setdefault("name", "华东公海 East pool")
    member_units = fields.pop("member_units", ())
    member_users = fields.pop("member_users", ())
    return pool_services.pool_create(
        actor=admin, member_units=member_units, member_users=member_users, **fields
    )


def put_in_pool(customer: Customer, pool: Pool, *, previous_owner=None, pooled_at=None) -> None:
    """Move a customer into a pool directly (test setup)."""
    from django.utils import timezone

    Customer.all_objects.filter(pk=customer.pk).update(
        owner=None,
        pool=pool,
        pooled_at=pooled_at or timezone.now(),
        previous_owner=previous_owner,
        owned_since=None,
    )


def pool_snapshot() -> dict:
    return {
        "customers": list(Customer.all_objects.order_by("pk").values()),
        "events": list(PoolEvent.objects.order_by("pk").values()),
        "pools": list(Pool.all_objects.order_by("pk").values()),
        "rules": list(PoolRule.objects.order_by("pk").values()),
        "tasks": list(Task.all_objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values()),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", "kind")),
        "history": Customer.history.count(),
    }

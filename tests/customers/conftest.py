"""Helpers for the customer tests: customers made through the services, and a DB snapshot."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from salesdesk.core.models import AuditEvent
from salesdesk.customers import services
from salesdesk.customers.models import Contact, Customer, FollowUp, Tag, Task


def make_customer(owner, name: str, **fields) -> Customer:
    """A customer owned by `owner`, created by `owner` (duplicates allowed unless told)."""
    fields.setdefault("allow_duplicate", True)
    return services.customer_create(actor=owner, name=name, **fields)


def customer_snapshot() -> dict[str, list]:
    """Every customer-side row a service could touch."""
    return {
        "customers": list(Customer.all_objects.order_by("pk").values()),
        "customer_tags": list(
            Customer.tags.through.objects.order_by("pk").values_list("customer_id", "tag_id")
        ),
        "contacts": list(Contact.all_objects.order_by("pk").values()),
        "follow_ups": list(FollowUp.all_objects.order_by("pk").values()),
        "tasks": list(Task.all_objects.order_by("pk").values()),
        "tags": list(Tag.objects.order_by("pk").values()),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", "kind")),
        "customer_history": Customer.history.count(),
        "contact_history": Contact.history.count(),
    }


@pytest.fixture
def snapshot() -> Callable[[], dict[str, list]]:
    return customer_snapshot


@pytest.fixture
def book(org):
    """One customer per seller persona, each with a primary contact (see build_book)."""
    return build_book(org)


def build_book(org) -> dict[str, Customer]:
    """One customer per seller persona, each with a primary contact:
    rep → 北京星辰科技有限公司, other_rep → 上海远航贸易有限公司, lead → 杭州西湖软件有限公司,
    director → 南京紫金实业有限公司, admin → 深圳前海集团."""
    made = {}
    for persona, name, phone in [
        ("rep", "北京星辰科技有限公司", "010-6666 0001"),
        ("other_rep", "上海远航贸易有限公司", "021-6666 0002"),
        ("lead", "杭州西湖软件有限公司", "0571-6666 0003"),
        ("director", "南京紫金实业有限公司", "025-6666 0004"),
        ("admin", "深圳前海集团", "0755-6666 0005"),
    ]:
        user = getattr(org, persona)
        customer = make_customer(user, name, phone=phone)
        services.contact_create(
            actor=user, customer=customer, name=f"{persona} 联系人", mobile=f"1380000000{len(made)}"
        )
        made[persona] = customer
    return made

"""Race-free contract numbers: 20 parallel creations, each in its own thread, connection and
transaction, give 20 distinct consecutive numbers (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from salesdesk.sales.contracts import services
from salesdesk.sales.models import Contract
from tests.conftest import ensure_default_roles, make_unit, make_user
from tests.customers.conftest import make_customer
from tests.sales.conftest import make_catalogue

WRITERS = 20


def _create(user_id: int, customer_id: int, product_id: int, out: list, barrier) -> None:
    from salesdesk.customers.models import Customer
    from salesdesk.org.models import User

    try:
        actor = User.objects.get(pk=user_id)
        customer = Customer.objects.get(pk=customer_id)
        barrier.wait(timeout=60)
        for _ in range(2000):
            try:
                contract = services.contract_create(
                    actor=actor,
                    customer=customer,
                    title="并发",
                    lines=[{"product": product_id, "quantity": 1, "unit_price": "10"}],
                )
                out.append(contract.number)
                return
            except OperationalError as exc:
                # SQLite: another writer holds the lock; the transaction rolled back: retry.
                if "locked" not in str(exc):
                    raise
                time.sleep(0.005)
        out.append("gave up")
    except Exception as exc:
        out.append(repr(exc))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_creations_give_twenty_consecutive_numbers():
    ensure_default_roles()
    unit = make_unit("Team N", "team")
    admin = make_user("num_admin", "admin", unit)
    cat = make_catalogue(admin)
    customer = make_customer(admin, "并发客户有限公司")
    out: list = []
    barrier = threading.Barrier(WRITERS)
    threads = [
        threading.Thread(target=_create, args=(admin.pk, customer.pk, cat.crm.pk, out, barrier))
        for _ in range(WRITERS)
    ]
    close_old_connections()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    day = timezone.localdate()
    expected = [f"HT-{day:%Y%m%d}-{n:04d}" for n in range(1, WRITERS + 1)]
    assert sorted(out) == expected
    assert sorted(Contract.objects.values_list("number", flat=True)) == expected
    assert Contract.objects.filter(total_amount=Decimal("10.00")).count() == WRITERS

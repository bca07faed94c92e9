"""20 concurrent edits of one customer lose no update (issue 3, concurrency tests).

Each thread has its own database connection and does what an editor does: read the customer,
change it, save with the version it read; a stale save (StaleEditError) is read again and retried.
The final state must carry all 20 changes, and the version must have moved exactly 20 times.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, close_old_connections, connection

from salesdesk.core.locking import StaleEditError
from salesdesk.customers import services
from salesdesk.customers.models import Customer
from tests.conftest import ensure_default_roles, make_unit, make_user

WRITERS = 20


def _attempt(customer_id: int, user_id: int, marker: str) -> None:
    """Read, change, save with the version read (raises StaleEditError when stale)."""
    from salesdesk.org.models import User

    actor = User.objects.get(pk=user_id)
    customer = Customer.objects.get(pk=customer_id)
    services.customer_update(
        actor=actor,
        customer=customer,
        expected_version=customer.version,
        notes=f"{customer.notes}{marker};",
        purchase_count=customer.purchase_count + 1,
    )


def _edit(customer_id: int, user_id: int, marker: str, errors: list, attempts: list) -> None:
    try:
        for _ in range(2000):
            attempts.append(marker)
            try:
                _attempt(customer_id, user_id, marker)
                return
            except StaleEditError:
                continue
            except OperationalError as exc:
                # SQLite: another writer holds the lock (in the shared-cache in-memory test
                # database table locks fail at once instead of waiting); the transaction was
                # rolled back, so try again like a client would.
                if "locked" not in str(exc):
                    raise
                time.sleep(0.005)
        errors.append(f"{marker}: gave up")
    except Exception as exc:
        errors.append(f"{marker}: {exc!r}")
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_edits_lose_no_update():
    ensure_default_roles()
    unit = make_unit("Team C", "team")
    rep = make_user("rep_c", "rep", unit)
    customer = services.customer_create(actor=rep, name="并发测试有限公司")
    errors: list[str] = []
    attempts: list[str] = []
    threads = [
        threading.Thread(target=_edit, args=(customer.pk, rep.pk, f"w{i:02d}", errors, attempts))
        for i in range(WRITERS)
    ]
    close_old_connections()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    final = Customer.objects.get(pk=customer.pk)
    assert sorted(m for m in final.notes.split(";") if m) == [f"w{i:02d}" for i in range(WRITERS)]
    assert final.purchase_count == WRITERS
    assert final.version == 1 + WRITERS
    # Every successful edit wrote one history row (plus the creation).
    assert Customer.history.filter(id=customer.pk).count() == 1 + WRITERS
    assert len(attempts) >= WRITERS

"""Writes for return visits (CUS-9); one transaction each.

The next-visit rule (`next_visit_due`): a customer whose level has an interval of N days is next
due N days after the local date of its latest return visit, or — before the first visit — N days
after the local date it was created. A level without an interval, a deleted customer and a
customer without an owner (in the public pool) have no due date. The visit service updates the
visited customer; a rule change recomputes that level's customers; the daily job
(`visit_due_recompute`) recomputes every customer, so level changes made anywhere (by hand, by
RFM, by import) are picked up by the next morning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.records import require_active
from salesdesk.customers.models import Customer
from salesdesk.customers.services import _editable
from salesdesk.customers.visits.models import ReturnVisit, VisitKind, VisitPolicy
from salesdesk.org.models import User
from salesdesk.org.permissions import can_configure

BATCH = 2000


def next_visit_due(
    *, interval_days: int | None, last_visit_on: date | None, created_on: date
) -> date | None:
    """The next-visit rule (module docstring), on local dates."""
    if not interval_days:
        return None
    return (last_visit_on or created_on) + timedelta(days=interval_days)


def policy_intervals() -> dict[str, int | None]:
    """Level → interval in days (levels without a rule have none)."""
    return dict(VisitPolicy.objects.values_list("level", "interval_days"))


def _local_date(value: datetime | None) -> date | None:
    return timezone.localdate(value) if value is not None else None


def _due_for(customer: Customer, intervals: dict[str, int | None]) -> date | None:
    if customer.owner_id is None or customer.deleted_at is not None:
        return None
    return next_visit_due(
        interval_days=intervals.get(customer.level),
        last_visit_on=_local_date(customer.last_visit_at),
        created_on=_local_date(customer.created_at),
    )


def customer_visit_due_refresh(*, customer: Customer) -> date | None:
    """Recompute one customer's next visit date (e.g. after its level changed)."""
    due = _due_for(customer, policy_intervals())
    Customer.all_objects.filter(pk=customer.pk).update(next_visit_due=due)
    customer.next_visit_due = due
    return due


@transaction.atomic
def return_visit_create(
    *,
    actor: User,
    customer: Customer,
    kind: str,
    summary: str,
    visited_at: datetime | None = None,
    satisfaction: int | None = None,
    request=None,
) -> ReturnVisit:
    """Record a return visit: the customer's last visit and next due date move on, and a
    satisfaction score also becomes a CSAT record (CUS-11)."""
    from salesdesk.customers.feedback.models import SatisfactionKind, SatisfactionRecord

    current = _editable(Customer, actor, customer.pk)  # locks the customer
    errors: dict[str, list[str]] = {}
    if kind not in VisitKind.values:
        errors["kind"] = [_("Select a valid choice.")]
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = [_("Describe what was discussed.")]
    if satisfaction is not None and not (isinstance(satisfaction, int) and 1 <= satisfaction <= 5):
        errors["satisfaction"] = [_("Satisfaction is a score from 1 to 5.")]
    visited_at = visited_at or timezone.now()
    if timezone.is_naive(visited_at):
        errors["visited_at"] = [_("Enter a date and time with a time zone.")]
    elif visited_at > timezone.now() + timedelta(minutes=5):
        errors["visited_at"] = [_("A return visit cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    latest = current.last_visit_at
    if latest is None or visited_at > latest:
        latest = visited_at
    intervals = policy_intervals()
    current.last_visit_at = latest
    due = _due_for(current, intervals)
    visit = ReturnVisit.objects.create(
        customer=current,
        visitor=actor,
        kind=kind,
        visited_at=visited_at,
        summary=summary,
        satisfaction=satisfaction,
        next_due=due,
    )
    Customer.all_objects.filter(pk=current.pk).update(last_visit_at=latest, next_visit_due=due)
    if satisfaction is not None:
        SatisfactionRecord.objects.create(
            customer=current,
            kind=SatisfactionKind.CSAT,
            score=satisfaction,
            comment=summary[:500],
            recorded_by=actor,
            recorded_at=visited_at,
            visit=visit,
        )
    return visit


@dataclass(frozen=True)
class RecomputeResult:
    checked: int
    updated: int


def visit_due_recompute(*, levels: list[str] | None = None) -> RecomputeResult:
    """Recompute `next_visit_due` of every customer (or those of `levels`), writing only the rows
    whose date changed, in batches (idempotent: a second run updates nothing)."""
    intervals = policy_intervals()
    qs = Customer.all_objects.all()
    if levels is not None:
        qs = qs.filter(level__in=levels)
    rows = qs.order_by("pk").values_list(
        "pk", "level", "owner_id", "deleted_at", "last_visit_at", "created_at", "next_visit_due"
    )
    checked = updated = 0
    changed: list[Customer] = []
    for pk, level, owner_id, deleted_at, last_visit_at, created_at, stored in rows.iterator(
        chunk_size=BATCH
    ):
        checked += 1
        due = None
        if owner_id is not None and deleted_at is None:
            due = next_visit_due(
                interval_days=intervals.get(level),
                last_visit_on=_local_date(last_visit_at),
                created_on=_local_date(created_at),
            )
        if due != stored:
            changed.append(Customer(pk=pk, next_visit_due=due))
        if len(changed) >= BATCH:
            updated += _flush(changed)
    updated += _flush(changed)
    return RecomputeResult(checked=checked, updated=updated)


def _flush(changed: list[Customer]) -> int:
    if not changed:
        return 0
    count = len(changed)
    with transaction.atomic():
        Customer.all_objects.bulk_update(changed, ["next_visit_due"], batch_size=500)
    changed.clear()
    return count


@transaction.atomic
def visit_policy_update(
    *, actor: User, policy: VisitPolicy, interval_days: int | None, request=None
) -> VisitPolicy:
    """Change a level's visit interval (configuration: needs `can_configure`); that level's
    customers get their new due dates at once."""
    require_active(actor)
    if not can_configure(actor):
        raise PermissionDenied(_("You do not have permission to change settings."))
    if interval_days is not None and not (
        isinstance(interval_days, int) and 1 <= interval_days <= 3650
    ):
        raise ValidationError(
            {"interval_days": [_("Enter a number of days from 1 to 3650, or leave it empty.")]}
        )
    current = VisitPolicy.objects.select_for_update().get(pk=policy.pk)
    if current.interval_days == interval_days:
        return current
    current.interval_days = interval_days
    current.save(update_fields=["interval_days", "updated_at"])
    visit_due_recompute(levels=[current.level])
    return current

"""Reads of commission plans and statements (PRF-4, D50).

Statements start from `visible_to` (ORG-2): a rep sees their own, a team lead their people's, a
manager or director their units', finance and administrators all. Plans are configuration,
readable by every signed-in user.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, QuerySet, Sum

from salesdesk.commissions.models import (
    CommissionLine,
    CommissionPeriodLock,
    CommissionPlan,
    CommissionStatement,
)
from salesdesk.org.models import User
from salesdesk.org.scoping import visible_to

SORTS = {
    "period": ("-period_start", "owner__display_name", "id"),
    "person": ("owner__display_name", "-period_start", "id"),
    "commission": ("-commission_total", "id"),
    "-commission": ("commission_total", "id"),
    "attainment": ("-attainment", "id"),
    "base": ("-base_total", "id"),
}


def plans(*, active: bool | None = None) -> QuerySet[CommissionPlan]:
    qs = CommissionPlan.objects.select_related("role")
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def plan(pk: int) -> CommissionPlan | None:
    return plans().filter(pk=pk).first()


def statements_visible(viewer: User) -> QuerySet[CommissionStatement]:
    return visible_to(CommissionStatement.objects.all(), viewer)


def statement_list(
    viewer: User,
    *,
    plan: int | None = None,
    period_start: date | None = None,
    person: int | None = None,
    status: str | None = None,
    sort: str | None = None,
) -> QuerySet[CommissionStatement]:
    qs = statements_visible(viewer).select_related("plan", "owner", "org_unit")
    if plan:
        qs = qs.filter(plan_id=plan)
    if period_start:
        qs = qs.filter(period_start=period_start)
    if person:
        qs = qs.filter(owner_id=person)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by(*SORTS.get(sort or "", SORTS["period"]))


def statement_totals(qs: QuerySet[CommissionStatement]) -> dict:
    return qs.order_by().aggregate(
        count=Count("id"), base=Sum("base_total"), commission=Sum("commission_total")
    )


def statement_detail(viewer: User, pk: int) -> CommissionStatement | None:
    return (
        statements_visible(viewer).select_related("plan", "owner", "org_unit").filter(pk=pk).first()
    )


def statement_lines(statement: CommissionStatement) -> list[CommissionLine]:
    return list(statement.lines.order_by("position", "id"))


def statement_periods(viewer: User) -> list[date]:
    return list(
        statements_visible(viewer)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .distinct()[:36]
    )


def statement_people(viewer: User) -> list[tuple[int, str]]:
    ids = statements_visible(viewer).order_by().values_list("owner_id", flat=True).distinct()
    return list(
        User.objects.filter(pk__in=ids).order_by("display_name").values_list("pk", "display_name")
    )


def locks() -> QuerySet[CommissionPeriodLock]:
    return CommissionPeriodLock.objects.select_related("locked_by")

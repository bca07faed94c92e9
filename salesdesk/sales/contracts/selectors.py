"""Reads of contracts (SAL-2), always through the scoping function (ORG-2).

Lists run a fixed number of queries whatever the number of rows (count, page; the scope's id
list once per request)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from salesdesk.org.models import User
from salesdesk.org.scoping import subordinate_ids, visible_to
from salesdesk.sales.models import (
    ApprovalStatus,
    Contract,
    ContractApproval,
    ContractEvent,
    ContractLine,
    ContractStatus,
)

VIEWS = ("mine", "subordinates", "all", "to_approve")
SORTS: dict[str, list[Any]] = {
    "created_at": [F("created_at").asc(), F("id").asc()],
    "-created_at": [F("created_at").desc(), F("id").desc()],
    "number": [F("number").asc(), F("id").asc()],
    "-number": [F("number").desc(), F("id").desc()],
    "total_amount": [F("total_amount").asc(), F("id").asc()],
    "-total_amount": [F("total_amount").desc(), F("id").desc()],
    "signed_on": [F("signed_on").asc(nulls_last=True), F("id").asc()],
    "-signed_on": [F("signed_on").desc(nulls_last=True), F("id").desc()],
}
DEFAULT_SORT = "-created_at"


def contracts_visible(user: User) -> QuerySet[Contract]:
    return visible_to(Contract.objects.all(), user)


def pending_for(user: User) -> QuerySet[ContractApproval]:
    """Pending approvals whose current step `user` may decide, on contracts they can see."""
    if not user.is_authenticated or not user.is_active or not user.has_function("can_approve"):
        return ContractApproval.objects.none()
    who = Q(current_approver_id=user.pk)
    if user.role_id:
        who |= Q(current_approver__isnull=True, current_role_id=user.role_id)
    return visible_to(
        ContractApproval.objects.filter(
            who, status=ApprovalStatus.PENDING, contract__deleted_at__isnull=True
        ),
        user,
    )


def contract_list(
    user: User,
    *,
    view: str = "all",
    q: str = "",
    status: str = "",
    owner: int | None = None,
    customer: int | None = None,
    signed_from: date | None = None,
    signed_to: date | None = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[Contract]:
    qs = contracts_visible(user)
    if view == "mine":
        qs = qs.filter(owner_id=user.pk)
    elif view == "subordinates":
        below = [pk for pk in subordinate_ids(user) if pk != user.pk] if user.is_active else []
        qs = qs.filter(owner_id__in=below)
    elif view == "to_approve":
        qs = qs.filter(pk__in=pending_for(user).values("contract_id"))
    elif view != "all":
        qs = qs.none()
    if status in ContractStatus.values:
        qs = qs.filter(status=status)
    if owner:
        qs = qs.filter(owner_id=owner)
    if customer:
        qs = qs.filter(customer_id=customer)
    if signed_from:
        qs = qs.filter(signed_on__gte=signed_from)
    if signed_to:
        qs = qs.filter(signed_on__lte=signed_to)
    q = (q or "").strip()[:100]
    if q:
        qs = qs.filter(
            Q(number__icontains=q) | Q(title__icontains=q) | Q(customer__name__icontains=q)
        )
    order = SORTS.get(sort) or SORTS[DEFAULT_SORT]
    return qs.select_related("owner", "customer", "channel").order_by(*order)


def contract_detail(user: User, pk: int) -> Contract | None:
    return (
        contracts_visible(user)
        .filter(pk=pk)
        .select_related("owner", "org_unit", "customer", "channel", "partner")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ContractLine.objects.select_related("product").order_by("position", "id"),
            ),
            Prefetch(
                "events",
                queryset=ContractEvent.objects.select_related("actor").order_by("at", "id"),
            ),
        )
        .first()
    )


def pending_approval(contract: Contract) -> ContractApproval | None:
    return (
        ContractApproval.objects.filter(contract=contract, status=ApprovalStatus.PENDING)
        .order_by("-id")
        .first()
    )

"""Reads of leads (FUN-1), always starting from the scoping function (ORG-2).

A rep sees the leads of their data scope plus the lead pool of their unit and its ancestors
(a pool lead of the company unit is open to everyone; one of a team only to that team)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from salesdesk.org.models import User
from salesdesk.org.scoping import visible_to
from salesdesk.pipeline.leads.models import Lead, LeadAssignmentRule


def pool_unit_ids(user: User) -> list[int]:
    """The units whose lead pool `user` may claim from: their unit and its ancestors."""
    if user is None or not user.is_authenticated or not user.is_active or user.unit_id is None:
        return []
    path = user.unit.path or f"/{user.unit_id}/"
    return [int(part) for part in path.strip("/").split("/") if part]


def pool_leads(user: User) -> QuerySet[Lead]:
    """Unowned, open leads the user may claim."""
    from salesdesk.pipeline.leads.models import OPEN_STATUSES

    return Lead.objects.filter(
        owner__isnull=True, org_unit_id__in=pool_unit_ids(user), status__in=OPEN_STATUSES
    )


def leads_visible(user: User) -> QuerySet[Lead]:
    """Every lead the user may open: their scope plus their claimable pool."""
    scoped = visible_to(Lead.objects.all(), user)
    units = pool_unit_ids(user)
    if not units:
        return scoped
    return Lead.objects.filter(
        Q(pk__in=scoped.values("pk")) | Q(owner__isnull=True, org_unit_id__in=units)
    )


def lead_list(
    user: User,
    *,
    view: str = "mine",
    status: str = "",
    source: str = "",
    owner_id: int | None = None,
    product_line_id: int | None = None,
    q: str = "",
) -> QuerySet[Lead]:
    """The lead list: views `mine` (owned by the user), `pool` (claimable) and `all` (scope)."""
    if view == "pool":
        qs = pool_leads(user)
    elif view == "all":
        qs = visible_to(Lead.objects.all(), user)
    else:
        qs = Lead.objects.filter(owner_id=user.pk)
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if product_line_id:
        qs = qs.filter(product_line_id=product_line_id)
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__icontains=q) | Q(contact_name__icontains=q) | Q(phone__icontains=q))
    return qs.select_related("owner", "org_unit", "product_line", "channel")


def assignment_rules() -> QuerySet[LeadAssignmentRule]:
    return LeadAssignmentRule.objects.select_related(
        "product_line", "target_user", "target_unit"
    ).order_by("order", "id")

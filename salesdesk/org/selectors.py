"""Reads for the organisation, always through the scoping function."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from salesdesk.org.models import OrgUnit, Role, User
from salesdesk.org.scoping import visible_to


def units_visible(user: User) -> QuerySet[OrgUnit]:
    return visible_to(OrgUnit.objects.all(), user).select_related("parent", "manager")


def units_with_counts(user: User) -> QuerySet[OrgUnit]:
    return units_visible(user).annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True)
    )


def users_visible(user: User, *, include_inactive: bool = True) -> QuerySet[User]:
    qs = visible_to(User.objects.all(), user).select_related("unit", "role", "reports_to")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def roles_all() -> QuerySet[Role]:
    return Role.objects.annotate(user_count=Count("user", filter=Q(user__is_active=True)))


def user_search(user: User, query: str, *, limit: int = 8) -> list[User]:
    query = query.strip()
    if not query:
        return []
    q = (
        Q(username__icontains=query)
        | Q(display_name__icontains=query)
        | Q(first_name__icontains=query)
        | Q(last_name__icontains=query)
        | Q(email__icontains=query)
        | Q(phone__icontains=query)
    )
    return list(users_visible(user).filter(q).order_by("-is_active", "username")[:limit])


def unit_search(user: User, query: str, *, limit: int = 8) -> list[OrgUnit]:
    query = query.strip()
    if not query:
        return []
    return list(
        units_visible(user).filter(Q(name__icontains=query) | Q(code__icontains=query))[:limit]
    )

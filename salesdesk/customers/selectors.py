"""Reads for customers and relationships, always through the scoping function (ORG-2).

Every list here runs a fixed number of queries whatever the number of rows: the scope's id list
(once per request, see docs/decisions.md D8), the count, the page, and one prefetch per related
list (tags, contacts).
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from salesdesk.customers.models import Contact, Customer, FollowUp, Tag, Task
from salesdesk.customers.normalize import normalize_phone, pinyin_keys
from salesdesk.org.models import User
from salesdesk.org.scoping import subordinate_ids, subtree_unit_ids, visible_to

VIEWS = ("mine", "subordinates", "all", "today", "soon_to_pool")
TASK_BUCKETS = ("today", "overdue", "upcoming", "done")

# Sort keys of the customer list → ORDER BY; every one ends with the primary key, so pages and
# keyset pagination are stable. Nullable dates sort their empty values last either way.
SORTS: dict[str, list[Any]] = {
    "name": [F("name").asc(), F("id").asc()],
    "-name": [F("name").desc(), F("id").desc()],
    "created_at": [F("created_at").asc(), F("id").asc()],
    "-created_at": [F("created_at").desc(), F("id").desc()],
    "level": [F("level").asc(), F("id").asc()],
    "-level": [F("level").desc(), F("id").desc()],
    "last_follow_up_at": [F("last_follow_up_at").asc(nulls_last=True), F("id").asc()],
    "-last_follow_up_at": [F("last_follow_up_at").desc(nulls_last=True), F("id").desc()],
    "next_follow_up_at": [F("next_follow_up_at").asc(nulls_last=True), F("id").asc()],
    "-next_follow_up_at": [F("next_follow_up_at").desc(nulls_last=True), F("id").desc()],
    "purchase_value": [F("purchase_value").asc(), F("id").asc()],
    "-purchase_value": [F("purchase_value").desc(), F("id").desc()],
}
DEFAULT_SORT = "-created_at"

# Filters of `customer_list` (keys of its `filters` dict):
#   level, kind, source, industry, province, city, region — one value or a list of values;
#   owner — a user id (or a list); org_unit — a unit id: that unit and every unit below it;
#   tags — tag ids: customers with any of them;
#   created_after, created_before — dates (inclusive, in the user's time zone);
#   no_follow_up_days — N: no follow-up in the last N days (never followed up included);
#   segment — a segment id (CUS-3): the customers matching its criteria (none if the user
#   cannot open that segment).
CHOICE_FILTERS = ("level", "kind", "source", "industry", "province", "city", "region")


def user_zone(user: User) -> zoneinfo.ZoneInfo:
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def day_bounds(user: User, day=None) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of a day (default: today) in the user's time zone."""
    zone = user_zone(user)
    day = day or timezone.now().astimezone(zone).date()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def customers_visible(user: User) -> QuerySet[Customer]:
    """Owned customers the user can see (customers in a public pool are read through
    salesdesk.customers.pool.selectors)."""
    return visible_to(Customer.objects.filter(owner__isnull=False), user)


def _as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [v for v in value if v not in (None, "")]
    return [value]


def _search_q(q: str) -> Q:
    """Name, short name, pinyin ("beijing"), initials ("bjkj"), phone digits, email, number."""
    q = q.strip()[:100]
    cond = Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__iexact=q)
    full, initials = pinyin_keys(q)
    if full and re.fullmatch(r"[0-9a-z]+", full):
        cond |= Q(name_pinyin__startswith=full) | Q(name_initials__startswith=initials or full)
    digits = normalize_phone(q)
    if len(digits) >= 4 and re.fullmatch(r"[\d\s+()\-]+", q):
        cond |= Q(phone_key__startswith=digits)
    if "@" in q:
        cond |= Q(email_key__startswith=q.lower())
    return cond


def customer_list(
    user: User,
    *,
    view: str = "all",
    q: str = "",
    filters: dict | None = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[Customer]:
    """The customers of one list view, filtered, searched and sorted (unknown sort: default).

    Views: "mine" (owned by the user), "subordinates" (owned by people below the user),
    "all" (everything visible), "today" (next follow-up today in the user's time zone, or an open
    task about the customer due today), "soon_to_pool" (due to return to a public pool within
    the pool's reminder window).
    """
    qs = customers_visible(user)
    if view == "mine":
        qs = qs.filter(owner_id=user.pk)
    elif view == "subordinates":
        below = [pk for pk in subordinate_ids(user) if pk != user.pk] if user.is_active else []
        qs = qs.filter(owner_id__in=below)
    elif view == "today":
        start, end = day_bounds(user)
        due_today = Task.objects.filter(
            done_at__isnull=True, due_at__gte=start, due_at__lt=end, customer__isnull=False
        ).values("customer_id")
        qs = qs.filter(
            Q(next_follow_up_at__gte=start, next_follow_up_at__lt=end) | Q(pk__in=due_today)
        )
    elif view == "soon_to_pool":
        from salesdesk.customers.pool.autoreturn import due_soon_q, with_owned

        qs = with_owned(qs).filter(due_soon_q())
    elif view != "all":
        qs = qs.none()
    qs = apply_filters(qs, user, filters or {})
    if q and q.strip():
        qs = qs.filter(_search_q(q))
    order = SORTS.get(sort) or SORTS[DEFAULT_SORT]
    return qs.select_related("owner", "org_unit").prefetch_related("tags").order_by(*order)


def apply_filters(qs: QuerySet[Customer], user: User, filters: dict) -> QuerySet[Customer]:
    for name in CHOICE_FILTERS:
        values = _as_list(filters.get(name))
        if values:
            qs = qs.filter(**{f"{name}__in": values})
    owners = _as_list(filters.get("owner"))
    if owners:
        qs = qs.filter(owner_id__in=owners)
    unit = filters.get("org_unit")
    if unit not in (None, ""):
        qs = qs.filter(org_unit_id__in=subtree_unit_ids(int(unit)))
    tags = _as_list(filters.get("tags"))
    if tags:
        tagged = Customer.tags.through.objects.filter(tag_id__in=tags).values("customer_id")
        qs = qs.filter(pk__in=tagged)
    zone = user_zone(user)
    created_after = filters.get("created_after")
    if created_after:
        qs = qs.filter(created_at__gte=datetime.combine(created_after, time.min, tzinfo=zone))
    created_before = filters.get("created_before")
    if created_before:
        end = datetime.combine(created_before, time.min, tzinfo=zone) + timedelta(days=1)
        qs = qs.filter(created_at__lt=end)
    days = filters.get("no_follow_up_days")
    if days not in (None, ""):
        cutoff = timezone.now() - timedelta(days=int(days))
        qs = qs.filter(Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=cutoff))
    segment = filters.get("segment")
    if segment not in (None, ""):
        from salesdesk.customers.segments.selectors import segment_filter_q

        qs = qs.filter(segment_filter_q(user, int(segment)))
    return qs


def customer_detail(user: User, pk: int) -> Customer:
    """One visible customer with its owner, unit, tags and live contacts; Http404 otherwise."""
    customer = (
        customers_visible(user)
        .select_related("owner", "org_unit")
        .prefetch_related("tags", Prefetch("contacts", queryset=Contact.objects.all()))
        .filter(pk=pk)
        .first()
    )
    if customer is None:
        raise Http404
    return customer


def contact_search_q(q: str) -> Q:
    """Contact name, pinyin ("zhangsan"), initials ("zs") or mobile digits."""
    q = q.strip()[:100]
    cond = Q(name__icontains=q)
    full, initials = pinyin_keys(q)
    if full and re.fullmatch(r"[0-9a-z]+", full):
        cond |= Q(name_pinyin__startswith=full) | Q(name_initials__startswith=initials or full)
    digits = normalize_phone(q)
    if len(digits) >= 3 and re.fullmatch(r"[\d\s+()\-]+", q):
        cond |= Q(mobile_key__startswith=digits)
    return cond


def contacts_visible(user: User) -> QuerySet[Contact]:
    """Live contacts of live customers the user can see."""
    return visible_to(
        Contact.objects.filter(customer__deleted_at__isnull=True), user
    ).select_related("customer")


def follow_ups_of(user: User, customer: Customer) -> QuerySet[FollowUp]:
    return (
        visible_to(FollowUp.objects.filter(customer_id=customer.pk), user)
        .select_related("author")
        .prefetch_related("contacts")
        .order_by("-occurred_at", "-id")
    )


def tasks_visible(user: User) -> QuerySet[Task]:
    return visible_to(Task.objects.all(), user).select_related("owner", "customer")


def tasks_of(
    user: User, *, bucket: str = "today", customer: Customer | None = None
) -> QuerySet[Task]:
    """The user's own to-dos in one bucket: "today" (open, due today in the user's time zone),
    "overdue" (open, due before today), "upcoming" (open, due after today), "done".
    With `customer`: that customer's tasks the user can see, whoever they belong to."""
    if customer is not None:
        qs = tasks_visible(user).filter(customer_id=customer.pk)
    else:
        qs = tasks_visible(user).filter(owner_id=user.pk)
    qs = qs.filter(Q(customer__isnull=True) | Q(customer__deleted_at__isnull=True))
    start, end = day_bounds(user)
    if bucket == "today":
        return qs.filter(done_at__isnull=True, due_at__gte=start, due_at__lt=end).order_by(
            "due_at", "id"
        )
    if bucket == "overdue":
        return qs.filter(done_at__isnull=True, due_at__lt=start).order_by("due_at", "id")
    if bucket == "upcoming":
        return qs.filter(done_at__isnull=True, due_at__gte=end).order_by("due_at", "id")
    if bucket == "done":
        return qs.filter(done_at__isnull=False).order_by("-done_at", "-id")
    return qs.none()


def tags_all() -> QuerySet[Tag]:
    return Tag.objects.order_by("category", "name", "id")

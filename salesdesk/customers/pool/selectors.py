"""Reads of public pools (CUS-6): which pools a user belongs to, their customers, their history.

Membership: a user belongs to an active pool when the pool lists them, or lists their org unit or
any unit above it (member units include their sub-units). A pool that lists no members at all is
open to every active user. Pool administrators (can_admin_pool) and configurers see every pool.
Pool customers are not in anyone's data scope by ownership (they have no owner), so pool pages read
them through `pool_customers`, never through `visible_to` on ownership.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.functional import LazyObject, empty

from salesdesk.customers.models import Customer
from salesdesk.customers.pool.models import Pool, PoolEvent, PoolRule
from salesdesk.customers.selectors import _search_q
from salesdesk.org.models import FunctionPermission, OrgUnit, User

SORTS: dict[str, list[Any]] = {
    "name": [F("name").asc(), F("id").asc()],
    "-name": [F("name").desc(), F("id").desc()],
    "level": [F("level").asc(), F("id").asc()],
    "-level": [F("level").desc(), F("id").desc()],
    "pooled_at": [F("pooled_at").asc(nulls_last=True), F("id").asc()],
    "-pooled_at": [F("pooled_at").desc(nulls_last=True), F("id").desc()],
    "last_follow_up_at": [F("last_follow_up_at").asc(nulls_last=True), F("id").asc()],
    "-last_follow_up_at": [F("last_follow_up_at").desc(nulls_last=True), F("id").desc()],
}
DEFAULT_SORT = "-pooled_at"


def can_admin_pools(user) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.has_function(FunctionPermission.POOL_ADMIN)
            or user.has_function(FunctionPermission.CONFIGURE)
        )
    )


def _cache(user) -> dict:
    """Per-request memo on the user object (the request's user may be a lazy wrapper)."""
    target = user
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        target = user._wrapped
    return target.__dict__.setdefault("_salesdesk_pool_cache", {})


def _unit_ancestors(user: User) -> list[int]:
    if not user.unit_id:
        return []
    cache = _cache(user)
    if "ancestors" not in cache:
        unit = OrgUnit.all_objects.filter(pk=user.unit_id).only("path").first()
        cache["ancestors"] = unit.ancestor_ids() if unit else [user.unit_id]
    return cache["ancestors"]


def _member_q(user: User) -> Q:
    users = Pool.member_users.through.objects.filter(pool_id=OuterRef("pk"))
    units = Pool.member_units.through.objects.filter(pool_id=OuterRef("pk"))
    return (
        Exists(users.filter(user_id=user.pk))
        | Exists(units.filter(orgunit_id__in=_unit_ancestors(user)))
        | (~Exists(users) & ~Exists(units))
    )


def pool_ids_of(user: User) -> list[int]:
    """Ids of the active pools `user` belongs to (every active pool for pool administrators);
    one query, once per request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cache = _cache(user)
    if "pools" not in cache:
        active = Pool.objects.filter(is_active=True)
        if not can_admin_pools(user):
            active = active.filter(_member_q(user))
        cache["pools"] = list(active.order_by("id").values_list("id", flat=True))
    return cache["pools"]


GENERATION_KEY = "salesdesk:pool-membership-generation"
NAV_TTL = 300


def membership_changed() -> None:
    """Forget the cached "is a pool member" answers (a pool was created, edited or deleted)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def is_pool_user(user) -> bool:
    """Whether the navigation shows the public pool to `user`: a member of some active pool, or
    a pool administrator. Answered from the cache (no query on most pages) for NAV_TTL seconds;
    pool changes in this process clear it at once."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if can_admin_pools(user):
        return True
    generation = cache.get(GENERATION_KEY, 0)
    joined = user.date_joined.timestamp() if user.date_joined else 0
    key = f"salesdesk:pool-member:{generation}:{user.pk}:{joined}:{user.unit_id}:{user.role_id}"
    answer = cache.get(key)
    if answer is None:
        answer = bool(pool_ids_of(user))
        cache.set(key, answer, NAV_TTL)
    return answer


def pools_of(user: User) -> QuerySet[Pool]:
    """The active pools `user` belongs to."""
    return Pool.objects.filter(pk__in=pool_ids_of(user)).order_by("id")


def is_member(user: User, pool: Pool) -> bool:
    return pool.pk in pool_ids_of(user)


def pool_customers(
    user: User,
    *,
    pool: Pool | None = None,
    q: str = "",
    filters: dict | None = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[Customer]:
    """Customers in the pools `user` belongs to (one pool when given), filtered and sorted."""
    ids = pool_ids_of(user)
    if pool is not None:
        ids = [pk for pk in ids if pk == pool.pk]
    qs = Customer.objects.filter(pool_id__in=ids, owner__isnull=True)
    filters = filters or {}
    for name in ("level", "industry", "province"):
        value = filters.get(name)
        if value:
            qs = qs.filter(**{f"{name}__in": value if isinstance(value, list) else [value]})
    if q and q.strip():
        qs = qs.filter(_search_q(q))
    order = SORTS.get(sort) or SORTS[DEFAULT_SORT]
    return qs.select_related("pool", "org_unit", "previous_owner").order_by(*order)


def pool_customer_detail(user: User, pk: int) -> Customer:
    """A pool customer of one of the user's pools; Http404 otherwise."""
    customer = (
        Customer.objects.filter(pk=pk, pool_id__in=pool_ids_of(user), owner__isnull=True)
        .select_related("pool", "org_unit", "previous_owner")
        .first()
    )
    if customer is None:
        raise Http404
    return customer


def pool_events_of(customer: Customer, limit: int = 50) -> list[PoolEvent]:
    return list(
        PoolEvent.objects.filter(customer_id=customer.pk)
        .select_related("pool", "actor", "from_user", "to_user")
        .order_by("-at", "-id")[:limit]
    )


def pools_admin_list(user: User) -> QuerySet[Pool]:
    if not can_admin_pools(user):
        return Pool.objects.none()
    return Pool.objects.annotate(
        customer_count=Count("customers", filter=Q(customers__deleted_at__isnull=True))
    ).order_by("id")


def pool_rules(pool: Pool) -> QuerySet[PoolRule]:
    return PoolRule.objects.filter(pool=pool).order_by("kind", "days", "id")


def pool_for_unit_map() -> dict[int, int]:
    """For every org unit, the pool its customers return to: the first active pool (by id) whose
    member units cover the unit, else the default pool (units missing: no pool)."""
    pools = list(
        Pool.objects.filter(is_active=True).prefetch_related("member_units").order_by("id")
    )
    units = list(OrgUnit.all_objects.values_list("id", "path"))
    default = next((p.pk for p in pools if p.is_default), None)
    covering = [(p.pk, [u.path for u in p.member_units.all()]) for p in pools]
    result: dict[int, int] = {}
    for unit_id, path in units:
        target = next(
            (pk for pk, paths in covering if any(path.startswith(m) for m in paths if m)), default
        )
        if target is not None:
            result[unit_id] = target
    return result


def pool_for_unit(unit_id: int) -> Pool | None:
    pool_id = pool_for_unit_map().get(unit_id)
    if pool_id is None:
        return None
    return Pool.objects.filter(pk=pool_id).first()


def get_pool(user: User, pk: int) -> Pool:
    pool = Pool.objects.filter(pk=pk, pk__in=pool_ids_of(user)).first()
    if pool is None and can_admin_pools(user):
        pool = Pool.objects.filter(pk=pk).first()
    if pool is None:
        raise Http404
    return pool

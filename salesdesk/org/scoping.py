"""Data scope (ORG-2): the one function that decides who sees which business record.

Every list, detail, count, dashboard, export, search, duplicate check and API call reads business
records through `visible_to(queryset, user)` (or the `ScopedQuerySet.visible_to` shortcut).

A scoped model names two fields (lookups through foreign keys such as "customer__owner" work too):
- `scope_owner_field`: the user who owns the record (None when the model has no owner), and
- `scope_unit_field`: the org unit the record belongs to;
and optionally `scope_share_via`, a foreign key whose record's shares also share this one.
Business models get both from `ScopedModel` (fields `owner` and `org_unit`).

Rules, by the data scope of the viewer's role:
- own: records the viewer owns;
- own_subordinates: records owned by the viewer or anyone below them in the reports-to tree;
- own_unit: records the viewer owns, or that belong to the viewer's unit;
- unit_tree: records the viewer owns, or that belong to the viewer's unit or any unit below it;
- all: every record.
For a model without an owner field, own and own_subordinates fall back to own_unit.
On top of the role's scope, records shared with the viewer (org.Share) are visible; write shares
also make them editable. Inactive users see nothing. The shares branch is only added for users who
have received shares (`User.has_received_shares`): an OR with a subquery keeps PostgreSQL from
using the owner and unit indexes, so everyone else gets the plain, indexable filter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from salesdesk.org.models import User


def _user_table() -> str:
    from django.apps import apps

    return apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table


def subordinate_ids_sql(user_id: int) -> RawSQL:
    """SQL for the ids of the user and everyone below them in the reports-to tree."""
    table = _user_table()
    sql = (
        f"WITH RECURSIVE sub(id) AS (SELECT CAST(%s AS BIGINT) UNION "  # noqa: S608 - table name is ours
        f"SELECT u.id FROM {table} u JOIN sub ON u.reports_to_id = sub.id) SELECT id FROM sub"
    )
    return RawSQL(sql, [user_id])  # noqa: S611 - parameterised; the table name is ours


def subtree_unit_ids(unit_id: int):
    """A subquery of the ids of a unit and all units below it (deleted units included)."""
    from salesdesk.org.models import OrgUnit

    path = OrgUnit.all_objects.filter(pk=unit_id).values("path")[:1]
    return (
        OrgUnit.all_objects.annotate(_root=models.Subquery(path))
        .filter(path__startswith=models.F("_root"))
        .values("id")
    )


_CACHE_ATTR = "_salesdesk_scope_ids"


def _cached_ids(user: User, key: str, make_queryset) -> list[int]:
    """The id list behind a scope, computed once per user object (that is, once per request).

    Literal id lists let the database use its owner and unit indexes (PostgreSQL would otherwise
    seq-scan: it cannot OR an index scan with a subquery, and misestimates the recursive CTE).
    Services that change the organisation work on fresh user objects, so a cached list never
    outlives the request that computed it. `make_queryset` is only called on a miss (building
    the query costs more than reading the cached list).
    """
    cache = user.__dict__.setdefault(_CACHE_ATTR, {})
    if key not in cache:
        cache[key] = sorted(make_queryset().values_list("id", flat=True))
    return cache[key]


def subordinate_ids(user: User) -> list[int]:
    """The ids of the user and everyone below them in the reports-to tree."""
    from salesdesk.org.models import User as UserModel

    return _cached_ids(
        user,
        "subordinates",
        lambda: UserModel.objects.filter(pk__in=subordinate_ids_sql(user.pk)),
    )


def subtree_unit_id_list(user: User) -> list[int]:
    """The ids of the user's unit and every unit below it (deleted units included)."""
    return _cached_ids(user, "subtree", lambda: subtree_unit_ids(user.unit_id))


def _scope_q(model, user: User, scope: str) -> Q | None:
    """The filter of the role's scope; None means everything."""
    from salesdesk.org.models import DataScope

    owner = getattr(model, "scope_owner_field", "owner")
    unit = getattr(model, "scope_unit_field", "org_unit")
    if scope == DataScope.ALL:
        return None
    own = Q(**{owner: user.pk}) if owner else Q(pk__in=[])
    if scope in (DataScope.OWN, DataScope.OWN_SUBORDINATES) and owner is None:
        scope = DataScope.OWN_UNIT
    if scope == DataScope.OWN:
        return own
    if scope == DataScope.OWN_SUBORDINATES:
        return Q(**{f"{owner}__in": subordinate_ids(user)})
    if user.unit_id is None:
        return own
    if scope == DataScope.OWN_UNIT:
        return own | Q(**{unit: user.unit_id})
    if scope == DataScope.UNIT_TREE:
        return own | Q(**{f"{unit}__in": subtree_unit_id_list(user)})
    raise ValueError(f"unknown data scope {scope!r}")


def _shared_q(model, user: User, *, write_only: bool) -> Q:
    """Records shared with the user. A model that names `scope_share_via` (a foreign key, e.g.
    a contact's "customer") follows the shares of the record it belongs to."""
    from django.contrib.contenttypes.models import ContentType

    from salesdesk.org.models import Share

    via = getattr(model, "scope_share_via", None)
    target = model._meta.get_field(via).related_model if via else model
    shares = Share.objects.filter(
        user_id=user.pk, content_type=ContentType.objects.get_for_model(target)
    )
    if write_only:
        shares = shares.filter(access=Share.Access.WRITE)
    lookup = f"{via}__in" if via else "pk__in"
    return Q(**{lookup: shares.values("object_id")})


def visible_to(queryset: models.QuerySet, user: User) -> models.QuerySet:
    """The records of `queryset` that `user` may see. The one scoping function of ORG-2."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    scope_q = _scope_q(queryset.model, user, user.data_scope)
    if scope_q is None:
        return queryset
    if not user.has_received_shares:
        return queryset.filter(scope_q)
    return queryset.filter(scope_q | _shared_q(queryset.model, user, write_only=False))


def editable_by(queryset: models.QuerySet, user: User) -> models.QuerySet:
    """The records `user` may change: their scope plus read-write shares (not read-only ones)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    scope_q = _scope_q(queryset.model, user, user.data_scope)
    if scope_q is None:
        return queryset
    if not user.has_received_shares:
        return queryset.filter(scope_q)
    return queryset.filter(scope_q | _shared_q(queryset.model, user, write_only=True))


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: User):
        return visible_to(self, user)

    def editable_by(self, user: User):
        return editable_by(self, user)

"""System API (DAT-4): the recycle bin and the audit log.

- Recycle bin: users with the delete permission see the deleted records they may edit and can
  restore them; purging for good needs the configure permission (as on the web page).
- Audit log: users with the configure permission; one whose scope is narrower than "all" sees
  the events of the people they may see.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import CharField as CharFieldType
from django.db.models import ProtectedError, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api import access
from salesdesk.api.errors import ApiError, errors, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UserRef
from salesdesk.core.models import AuditEvent
from salesdesk.core.recycle import (
    RecycleEntry,
    record_purge,
    record_restore,
    recycle_bin,
    retention_days,
)
from salesdesk.org.models import DataScope
from salesdesk.org.scoping import editable_by
from salesdesk.org.selectors import users_visible

router = Router(tags=["System"])


# --- recycle bin ----------------------------------------------------------------------------


class RecycledOut(Schema):
    type: str = Field(description='Record type, e.g. "org.orgunit".')
    type_name: str
    id: int
    name: str
    deleted_at: datetime
    deleted_by: UserRef | None
    purge_after: datetime = Field(description="The automatic purge removes it after this time.")


class RecycleFilters(PageParams):
    type: str | None = Field(None, description='Only this record type, e.g. "org.orgunit".')


def _deleted(entry: RecycleEntry, user):
    return editable_by(entry.model.all_objects.filter(deleted_at__isnull=False), user)


def _entry(key: str) -> RecycleEntry:
    found = next((e for e in recycle_bin.entries() if e.key == key), None)
    if found is None:
        raise not_found()
    return found


def _recycled(entry: RecycleEntry, obj, retention: int) -> dict[str, Any]:
    return {
        "type": entry.key,
        "type_name": str(entry.model._meta.verbose_name),
        "id": obj.pk,
        "name": str(obj),
        "deleted_at": obj.deleted_at,
        "deleted_by": obj.deleted_by,
        "purge_after": obj.deleted_at + timedelta(days=retention),
    }


@router.get(
    "/recycle-bin",
    response={200: page_of(RecycledOut), **errors(403, 422)},
    summary="Deleted records I may restore, newest first",
)
def recycle_bin_list(request, filters: Query[RecycleFilters]):
    actor = request.auth
    access.require_recycle_bin(actor)
    entries = sorted(recycle_bin.entries(), key=lambda e: e.key)
    if filters.type:
        entries = [e for e in entries if e.key == filters.type]
        if not entries:
            raise ValidationError({"type": _("Unknown record type.")})
    # One UNION of (type, id, deleted_at) over every type, paginated; then one query per type
    # on the page for the records themselves.
    parts = [
        _deleted(entry, actor)
        .order_by()
        .annotate(recycle_type=Value(entry.key, output_field=CharFieldType()))
        .values_list("recycle_type", "id", "deleted_at")
        for entry in entries
    ]
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    page = paginate(combined.order_by("-deleted_at", "recycle_type", "-id"), filters)
    by_type: dict[str, list[int]] = defaultdict(list)
    for key, pk, _deleted_at in page["items"]:
        by_type[key].append(pk)
    objects = {}
    for entry in entries:
        if by_type.get(entry.key):
            for obj in entry.model.all_objects.select_related("deleted_by").filter(
                pk__in=by_type[entry.key]
            ):
                objects[(entry.key, obj.pk)] = (entry, obj)
    retention = retention_days()
    page["items"] = [
        _recycled(*objects[(key, pk)], retention)
        for key, pk, _deleted_at in page["items"]
        if (key, pk) in objects
    ]
    return page


@router.post(
    "/recycle-bin/{type}/{int:record_id}/restore",
    response={200: RecycledOut, **errors(403, 404, 422)},
    summary="Restore a deleted record",
)
def recycle_bin_restore(request, type: str, record_id: int):
    actor = request.auth
    access.require_recycle_bin(actor)
    entry = _entry(type)
    obj = _deleted(entry, actor).select_related("deleted_by").filter(pk=record_id).first()
    if obj is None:
        raise not_found()
    answer = _recycled(entry, obj, retention_days())
    record_restore(model=entry.model, pk=obj.pk, actor=actor, request=request)
    return answer


@router.delete(
    "/recycle-bin/{type}/{int:record_id}",
    response={204: None, **errors(403, 404, 409)},
    summary="Delete a record from the recycle bin for good (administrators)",
)
def recycle_bin_purge(request, type: str, record_id: int):
    actor = request.auth
    access.require_purge(actor)
    entry = _entry(type)
    obj = _deleted(entry, actor).filter(pk=record_id).first()
    if obj is None:
        raise not_found()
    try:
        record_purge(model=entry.model, pk=obj.pk, actor=actor, request=request)
    except ProtectedError:
        raise ApiError(
            409,
            "conflict",
            _("“%(name)s” is still referenced by other records and cannot be purged.")
            % {"name": str(obj)},
        ) from None
    return Status(204, None)


# --- audit log ------------------------------------------------------------------------------


class AuditEventOut(Schema):
    id: int
    created_at: datetime
    kind: str
    kind_label: str
    actor: UserRef | None
    username: str
    ip_address: str | None
    user_agent: str
    target_type: str
    target_id: str
    target_repr: str
    data: dict[str, Any]

    @staticmethod
    def resolve_kind_label(obj: AuditEvent) -> str:
        return str(obj.get_kind_display())


class AuditFilters(PageParams):
    kind: str | None = Field(None, description="Event kind, e.g. login_failed.")
    username: str | None = Field(None, description="Part of the username.")
    actor: int | None = Field(None, description="Id of the acting user.")
    target_type: str | None = Field(None, description='e.g. "org.user".')
    target_id: str | None = None
    date_from: date | None = Field(None, description="From this day (YYYY-MM-DD, inclusive).")
    date_to: date | None = Field(None, description="Up to this day (YYYY-MM-DD, inclusive).")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@router.get(
    "/audit-events",
    response={200: page_of(AuditEventOut), **errors(403, 422)},
    summary="Security events, newest first (administrators)",
)
def audit_event_list(request, filters: Query[AuditFilters]):
    actor = request.auth
    access.require_audit_log(actor)
    qs = AuditEvent.objects.select_related("actor")
    if actor.data_scope != DataScope.ALL:
        qs = qs.filter(actor__in=users_visible(actor).values("pk"))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.username and filters.username.strip():
        qs = qs.filter(username__icontains=filters.username.strip())
    if filters.actor is not None:
        qs = qs.filter(actor_id=filters.actor)
    if filters.target_type:
        qs = qs.filter(target_type=filters.target_type)
    if filters.target_id:
        qs = qs.filter(target_id=filters.target_id)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return paginate(qs.order_by("-created_at", "-id"), filters)

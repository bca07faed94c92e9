"""Writes for segments (CUS-3); one transaction each.

- Anyone active may create segments; the author (and, for shared segments, administrators with
  the configure permission) edits and deletes them (`selectors.can_manage`).
- Criteria are validated by `criteria.clean_criteria`; bad input raises ValidationError and
  changes nothing.
- Edits are optimistic-locked (`save_versioned`); making a segment shared or private again is
  an audit event (SHARE_CHANGED).
- Deleting moves the segment to the recycle bin (RECORD_DELETED). A segment is a saved question
  rather than customer data, so its author deletes it without the delete permission; restoring
  goes through the recycle bin (delete permission and the segment's unit in scope).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.audit import audit_record
from salesdesk.core.locking import StaleEditError, changes_since, save_versioned
from salesdesk.core.models import AuditEvent
from salesdesk.core.records import require_active
from salesdesk.core.recycle import recycle_bin
from salesdesk.customers.segments.criteria import clean_criteria
from salesdesk.customers.segments.models import Segment, SegmentVisibility
from salesdesk.customers.segments.selectors import can_manage, segments_visible
from salesdesk.org.models import OrgUnit, User

recycle_bin.register(Segment)

SEGMENT_FIELDS = ("name", "description", "criteria", "visibility")


def _clean(*, actor: User, segment: Segment) -> None:
    errors: dict[str, list[str]] = {}
    segment.name = (segment.name or "").strip() if isinstance(segment.name, str) else ""
    segment.description = (
        segment.description.strip() if isinstance(segment.description, str) else ""
    )
    if not segment.name:
        errors["name"] = [_("Enter the segment's name.")]
    elif len(segment.name) > 80:
        errors["name"] = [_("Enter at most %(n)d characters.") % {"n": 80}]
    elif (
        Segment.objects.filter(owner_id=segment.owner_id, name=segment.name)
        .exclude(pk=segment.pk)
        .exists()
    ):
        errors["name"] = [_("You already have a segment with this name.")]
    if len(segment.description) > 2000:
        errors["description"] = [_("Enter at most %(n)d characters.") % {"n": 2000}]
    if segment.visibility not in SegmentVisibility.values:
        errors["visibility"] = [_("Select a valid choice.")]
    try:
        segment.criteria = clean_criteria(segment.criteria)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _home_unit(actor: User) -> OrgUnit:
    if actor.unit_id:
        return actor.unit
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("id").first()
    if root is None:
        raise ValidationError({"owner": [_("This user does not belong to an org unit.")]})
    return root


@transaction.atomic
def segment_create(
    *,
    actor: User,
    name: str,
    criteria: dict[str, Any] | None = None,
    description: str = "",
    visibility: str = SegmentVisibility.PRIVATE,
    request=None,
) -> Segment:
    """A new segment owned by the actor."""
    require_active(actor)
    segment = Segment(
        owner=actor,
        org_unit=_home_unit(actor),
        name=name,
        description=description,
        criteria=criteria if criteria is not None else {},
        visibility=visibility,
    )
    _clean(actor=actor, segment=segment)
    segment._history_user = actor
    segment.save()
    if segment.visibility == SegmentVisibility.SHARED:
        audit_record(
            kind=AuditEvent.Kind.SHARE_CHANGED,
            actor=actor,
            request=request,
            target=segment,
            data={"visibility": segment.visibility},
        )
    return segment


def _managed(actor: User, pk: int, *, lock: bool = True) -> Segment:
    """The segment for a change: DoesNotExist when the actor cannot see it, PermissionDenied
    when they can see it but may not change it."""
    require_active(actor)
    qs = Segment.objects.all()
    if lock:
        qs = qs.select_for_update()
    segment = qs.filter(pk=pk).first()
    if segment is None or not segments_visible(actor).filter(pk=pk).exists():
        raise Segment.DoesNotExist
    if not can_manage(actor, segment):
        raise PermissionDenied(_("Only the segment's author may change it."))
    return segment


@transaction.atomic
def segment_update(
    *,
    actor: User,
    segment: Segment,
    expected_version: int | None,
    request=None,
    **changes: Any,
) -> Segment:
    """Edit name, description, criteria or visibility (optimistic-locked)."""
    unknown = set(changes) - set(SEGMENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown segment fields: {sorted(unknown)}")
    current = _managed(actor, segment.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEditError(current, changes_since(current, expected_version))
    before = current.visibility
    for field, value in changes.items():
        setattr(current, field, value)
    _clean(actor=actor, segment=current)
    save_versioned(current, expected_version=expected_version, fields=list(changes), actor=actor)
    if current.visibility != before:
        audit_record(
            kind=AuditEvent.Kind.SHARE_CHANGED,
            actor=actor,
            request=request,
            target=current,
            data={"visibility": current.visibility, "was": before},
        )
    for field in (*SEGMENT_FIELDS, "version", "updated_at"):
        setattr(segment, field, getattr(current, field))
    return current


@transaction.atomic
def segment_delete(*, actor: User, segment: Segment, request=None) -> Segment:
    """Move a segment to the recycle bin."""
    current = _managed(actor, segment.pk)
    current.deleted_at = timezone.now()
    current.deleted_by = actor
    current._change_reason = "deleted"
    current._history_user = actor
    current.save(update_fields=["deleted_at", "deleted_by"])
    audit_record(kind=AuditEvent.Kind.RECORD_DELETED, actor=actor, request=request, target=current)
    return current

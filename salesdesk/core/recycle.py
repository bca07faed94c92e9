"""The recycle bin (DAT-4): soft delete, restore, purge, for every registered business model.

A model opts in by subclassing `SoftDeleteModel` and calling `recycle_bin.register(Model, …)` in
its app's services module, which the app's `AppConfig.ready()` imports (a declaration; no logic
runs). Deleted records stay recoverable for `SALESDESK_RECYCLE_RETENTION_DAYS`; the periodic
purge job removes older ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.audit import audit_record
from salesdesk.core.changes import record_changes
from salesdesk.core.models import AuditEvent


@dataclass(frozen=True)
class RecycleEntry:
    model: type[models.Model]
    # Raises ValidationError when the record may not be restored (e.g. its parent is deleted).
    can_restore: Callable[[models.Model], None] | None = None
    # Raises ValidationError when the record may not be deleted (e.g. it still has members).
    can_delete: Callable[[models.Model], None] | None = None
    # Called in the transaction after the record went to the bin / came back (summaries).
    after_delete: Callable[[models.Model], None] | None = None
    after_restore: Callable[[models.Model], None] | None = None

    @property
    def key(self) -> str:
        return self.model._meta.label_lower


class RecycleBin:
    def __init__(self) -> None:
        self._entries: dict[str, RecycleEntry] = {}

    def register(
        self, model, *, can_restore=None, can_delete=None, after_delete=None, after_restore=None
    ) -> None:
        entry = RecycleEntry(
            model=model,
            can_restore=can_restore,
            can_delete=can_delete,
            after_delete=after_delete,
            after_restore=after_restore,
        )
        self._entries[entry.key] = entry

    def entries(self) -> list[RecycleEntry]:
        return list(self._entries.values())

    def entry(self, key: str) -> RecycleEntry:
        try:
            return self._entries[key]
        except KeyError:
            raise ValidationError(_("Unknown record type.")) from None


recycle_bin = RecycleBin()


def retention_days() -> int:
    return settings.SALESDESK_RECYCLE_RETENTION_DAYS


def _scoped(model, user, *, deleted: bool):
    from salesdesk.org.scoping import editable_by

    qs = model.all_objects.all()
    qs = qs.filter(deleted_at__isnull=not deleted)
    if not deleted and getattr(model, "scope_owner_field", None) == "deleted_by":
        # Configuration (catalogue, schemes, plans, tiers): no owner while live, so the bin's
        # scope (who deleted it) cannot apply yet; the service checked the configuring right.
        return qs
    return editable_by(qs, user)


def record_soft_delete(*, model, pk, actor, request=None, permitted: bool = False) -> models.Model:
    """Move one record to the recycle bin. Needs the delete permission (unless the calling
    service has `permitted` it, e.g. an author discarding their own draft) and write access."""
    if not permitted and not actor.has_function("can_delete"):
        raise PermissionDenied(_("You do not have permission to delete records."))
    entry = recycle_bin.entry(model._meta.label_lower)
    with transaction.atomic():
        instance = _scoped(model, actor, deleted=False).select_for_update().filter(pk=pk).first()
        if instance is None:
            raise model.DoesNotExist
        if entry.can_delete:
            entry.can_delete(instance)
        with record_changes.tracking(model, [instance.pk]):
            instance.deleted_at = timezone.now()
            instance.deleted_by = actor
            instance._change_reason = "deleted"
            instance.save(update_fields=["deleted_at", "deleted_by"])
        if entry.after_delete:
            entry.after_delete(instance)
        audit_record(
            kind=AuditEvent.Kind.RECORD_DELETED, actor=actor, request=request, target=instance
        )
    return instance


def record_restore(*, model, pk, actor, request=None) -> models.Model:
    """Bring one record back from the recycle bin."""
    if not actor.has_function("can_delete"):
        raise PermissionDenied(_("You do not have permission to restore records."))
    entry = recycle_bin.entry(model._meta.label_lower)
    with transaction.atomic():
        instance = _scoped(model, actor, deleted=True).select_for_update().filter(pk=pk).first()
        if instance is None:
            raise model.DoesNotExist
        if entry.can_restore:
            entry.can_restore(instance)
        with record_changes.tracking(model, [instance.pk]):
            instance.deleted_at = None
            instance.deleted_by = None
            instance._change_reason = "restored"
            instance.save(update_fields=["deleted_at", "deleted_by"])
        if entry.after_restore:
            entry.after_restore(instance)
        audit_record(
            kind=AuditEvent.Kind.RECORD_RESTORED, actor=actor, request=request, target=instance
        )
    return instance


def record_purge(*, model, pk, actor, request=None) -> None:
    """Delete one record from the recycle bin for good. Administrators only."""
    if not actor.has_function("can_configure"):
        raise PermissionDenied(_("Only administrators may purge the recycle bin."))
    with transaction.atomic():
        instance = _scoped(model, actor, deleted=True).filter(pk=pk).first()
        if instance is None:
            raise model.DoesNotExist
        audit_record(
            kind=AuditEvent.Kind.RECORD_PURGED, actor=actor, request=request, target=instance
        )
        instance.delete()


def purge_expired(*, now=None) -> int:
    """Remove records deleted longer ago than the retention period. Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    total = 0
    for entry in recycle_bin.entries():
        expired = entry.model.all_objects.filter(deleted_at__lt=cutoff)
        for instance in expired.iterator():
            try:
                with transaction.atomic():
                    instance.delete()
                total += 1
            except models.ProtectedError:
                # Still referenced by other records: keep it deleted, try again next run.
                continue
    return total

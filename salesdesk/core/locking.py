"""Optimistic locking (convention 5): a stale save is refused, never silently overwritten."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _

from salesdesk.core.changes import record_changes


class StaleEditError(ValidationError):
    """The record changed since the editor loaded it. `changes` says who changed what."""

    def __init__(self, instance: models.Model, changes: list[dict[str, Any]]):
        self.instance = instance
        self.changes = changes
        who = ", ".join(sorted({c["by"] for c in changes if c.get("by")})) or _("someone else")
        super().__init__(
            _(
                "This record was changed by %(who)s after you opened it. "
                "Reload it to see the changes, then edit again."
            )
            % {"who": who},
            code="stale",
        )


def changes_since(instance: models.Model, version: int) -> list[dict[str, Any]]:
    """Field changes recorded in the history after `version` (for the conflict message)."""
    history = getattr(instance, "history", None)
    if history is None:
        return []
    records = list(history.filter(version__gt=version).order_by("history_date")[:20])
    out: list[dict[str, Any]] = []
    previous = history.filter(version__lte=version).order_by("-history_date").first()
    for record in records:
        by = str(record.history_user) if record.history_user_id else ""
        fields: list[str] = []
        if previous is not None:
            delta = record.diff_against(previous)
            fields = [c.field for c in delta.changes if c.field not in {"version", "updated_at"}]
        labels = [str(instance._meta.get_field(f).verbose_name) for f in fields]
        out.append({"by": by, "at": record.history_date, "fields": fields, "labels": labels})
        previous = record
    return out


def check_version(instance: models.Model, expected_version: int | None) -> None:
    """Refuse a stale edit before validating it (`save_versioned` re-checks it atomically)."""
    if expected_version is not None and instance.version != expected_version:
        raise StaleEditError(instance, changes_since(instance, expected_version))


def save_versioned(
    instance: models.Model, *, expected_version: int | None, fields: list[str], actor=None
) -> models.Model:
    """Save `fields` of `instance` only if its version is still `expected_version`.

    One conditional UPDATE decides, so two concurrent editors cannot both win. The caller runs
    this inside its service transaction; history is written by the ordinary save that follows.
    The change is announced to the record-change listeners (core.changes, D43): a stale save
    raises before anything is derived from it.
    """
    model = type(instance)
    if expected_version is None:
        expected_version = instance.version
    with record_changes.tracking(model, [instance.pk]):
        updated = model._base_manager.filter(pk=instance.pk, version=expected_version).update(
            version=F("version") + 1
        )
        if not updated:
            current = model._base_manager.get(pk=instance.pk)
            raise StaleEditError(current, changes_since(current, expected_version))
        instance.version = expected_version + 1
        if actor is not None:
            instance._history_user = actor  # field history records who made the change
        update_fields = sorted(
            {*fields, "version"} | ({"updated_at"} if hasattr(instance, "updated_at") else set())
        )
        instance.save(update_fields=update_fields)
    return instance

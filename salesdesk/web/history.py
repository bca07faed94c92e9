"""Field history (DAT-4) for detail pages: who changed which field from what to what, and when.

Reads django-simple-history records: one query for the records (with their users) plus one per
kind of related record named in them, however many records there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

SKIPPED_FIELDS = {
    "id",
    "version",
    "updated_at",
    "created_at",
    "path",
    "depth",
    "is_staff",
    "deleted_by",
    "date_joined",
}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: datetime
    by: str
    kind: str  # created / changed / deleted
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def _tracked_fields(model, history_model) -> list[models.Field]:
    history_attnames = {f.attname for f in history_model._meta.concrete_fields}
    return [
        f
        for f in model._meta.concrete_fields
        if f.attname in history_attnames and f.name not in SKIPPED_FIELDS
    ]


def _display(field: models.Field, value: Any, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if field.is_relation:
        return names.get((field.related_model, value), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    return str(value)


def _label(related_model, obj) -> str:
    return getattr(obj, "name", None) or str(obj)


def field_history(instance: models.Model, *, limit: int = 50) -> list[HistoryEntry]:
    model = type(instance)
    manager = instance.history
    fields = _tracked_fields(model, manager.model)
    records = list(
        manager.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    pairs = [
        (rec, records[i + 1] if i + 1 < len(records) else None)
        for i, rec in enumerate(records[:limit])
    ]
    # Which related records are named, so each kind is fetched once.
    wanted: dict[type, set] = defaultdict(set)
    raw: list[tuple[Any, Any, list[tuple[models.Field, Any, Any]]]] = []
    for rec, prev in pairs:
        diffs = []
        if prev is not None and rec.history_type != "+":
            for f in fields:
                old, new = getattr(prev, f.attname), getattr(rec, f.attname)
                if old != new:
                    diffs.append((f, old, new))
        elif rec.history_type == "+":
            for f in fields:
                new = getattr(rec, f.attname)
                if new not in (None, "", False) and f.name not in {"deleted_at", "is_active"}:
                    diffs.append((f, None, new))
        for f, old, new in diffs:
            if f.is_relation:
                wanted[f.related_model].update(v for v in (old, new) if v is not None)
        raw.append((rec, prev, diffs))
    names: dict = {}
    for related_model, ids in wanted.items():
        for obj in related_model._base_manager.filter(pk__in=ids):
            names[(related_model, obj.pk)] = _label(related_model, obj)
    kinds = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    entries = []
    for rec, _prev, diffs in raw:
        reason = rec.history_change_reason or ""
        entries.append(
            HistoryEntry(
                at=rec.history_date,
                by=rec.history_user.name if rec.history_user_id and rec.history_user else "",
                kind=kinds.get(rec.history_type, rec.history_type),
                reason={
                    "deleted": _("moved to the recycle bin"),
                    "restored": _("restored"),
                    "deactivated": _("deactivated"),
                }.get(reason, reason),
                changes=[
                    FieldChange(
                        str(f.verbose_name), _display(f, old, names), _display(f, new, names)
                    )
                    for f, old, new in diffs
                ],
            )
        )
    return entries

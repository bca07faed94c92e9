"""Column mapping: file headers → adapter fields, automatically by zh/en names and aliases."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from salesdesk.imports.registry import EntityAdapter

_NOISE = re.compile(r"[\s_\-:：*＊()（）\[\]【】/\\.·]+")


def header_key(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", str(text or "")).lower())


def column_names(adapter: EntityAdapter) -> dict[str, set[str]]:
    """Every name a column is known by: field name, English and Chinese labels, aliases."""
    names: dict[str, set[str]] = {}
    for column in adapter.columns:
        keys = {header_key(column.field), header_key(column.field.replace("_", " "))}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                keys.add(header_key(str(column.label)))
        keys.update(header_key(a) for a in column.aliases)
        keys.discard("")
        names[column.field] = keys
    return names


def auto_mapping(adapter: EntityAdapter, headers: list[str]) -> dict[str, str]:
    """{column index as text: field}; each field at most once, first matching header wins."""
    names = column_names(adapter)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        for field_name, keys in names.items():
            if field_name not in used and key in keys:
                mapping[str(index)] = field_name
                used.add(field_name)
                break
    return mapping


def clean_mapping(adapter: EntityAdapter, headers: list[str], mapping: dict) -> dict[str, str]:
    """Check an edited mapping: known columns and fields, each field once, required ones there."""
    known = {c.field for c in adapter.columns}
    cleaned: dict[str, str] = {}
    seen: dict[str, str] = {}
    errors: list[str] = []
    for index, field_name in (mapping or {}).items():
        if not field_name:
            continue
        try:
            position = int(index)
        except (TypeError, ValueError):
            errors.append(_("Unknown column in the mapping."))
            continue
        if not 0 <= position < len(headers):
            errors.append(_("Unknown column in the mapping."))
            continue
        if field_name not in known:
            errors.append(_("Unknown field %(field)s in the mapping.") % {"field": field_name})
            continue
        if field_name in seen:
            label = adapter.column(field_name).label
            errors.append(
                _("“%(field)s” is mapped from two columns: %(first)s and %(second)s.")
                % {"field": label, "first": seen[field_name], "second": headers[position]}
            )
            continue
        seen[field_name] = headers[position]
        cleaned[str(position)] = field_name
    for column in adapter.columns:
        if column.required and column.field not in seen:
            errors.append(
                _("Map a column to the required field “%(field)s”.") % {"field": column.label}
            )
    if errors:
        raise ValidationError(errors)
    return cleaned

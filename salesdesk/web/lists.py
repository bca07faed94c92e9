"""What the list pages share (UI.md "List"): the column chooser, remembered per user in a
`UserPreference` row (one query to read it), and the helpers of row selection and bulk actions.

A list declares its optional columns once (`ListColumns`): a label, the classes of its header
and cells, the sort key of its header (if sortable) and a function that renders the `<td>` of a
row in Python (a template `{% if %}` chain per cell costs more than the rest of the page). The
customer list keeps its own cell renderer (web/customers/table.py) but stores its choice the
same way, under its own key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from salesdesk.core.models import UserPreference
from salesdesk.web.html import esc

# At most this many selected rows per bulk action (one page of the largest page size).
MAX_BULK = 200


# ---- request parameters and messages ----------------------------------------------------


def parse_int(value) -> int | None:
    """An integer URL or form parameter, None when missing or malformed."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def sort_columns(request, sorts: dict, default: str) -> tuple[str, dict]:
    """The `sort` URL parameter (falls back to `default`) and the sortable headers' state."""
    sort = request.GET.get("sort", default)
    key = sort.lstrip("-")
    if key not in sorts:
        sort, key = default, default.lstrip("-")
    descending = sort.startswith("-")
    columns = {
        k: {
            "key": k,
            "label": label,
            "active": k == key,
            "descending": descending and k == key,
            "next": f"-{k}" if (k == key and not descending) else k,
        }
        for k, label in sorts.items()
    }
    return sort, columns


# ---- remembered choices -------------------------------------------------------------------


def preference(user, key: str) -> UserPreference | None:
    """The user's remembered choices of one page (one query)."""
    return UserPreference.objects.filter(user=user, key=key).first()


def save_preference(user, key: str, pref: UserPreference | None, **changes) -> None:
    """Merge `changes` into the remembered value; no write when nothing changes."""
    value = dict(pref.value) if pref is not None else {}
    if all(value.get(k) == v for k, v in changes.items()):
        return
    value.update(changes)
    if pref is None:
        UserPreference.objects.update_or_create(user=user, key=key, defaults={"value": value})
    else:
        UserPreference.objects.filter(pk=pref.pk).update(value=value, updated_at=timezone.now())


# ---- columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translation
    cell: Callable[[Any], str]  # row → the cell's inner HTML (already escaped)
    css: str = ""  # classes of both the header and the cells
    sort: str = ""  # the list's sort key, when the header sorts


def text(value) -> str:
    """Escaped text of a cell; an em dash when empty."""
    return "—" if value in (None, "") else esc(value)


@dataclass
class ListColumns:
    """The optional columns of one list and the default choice; `key` names the remembered
    preference and the URL of the chooser (`web:list_columns`)."""

    key: str
    columns: list[Column]
    default: list[str]
    by_key: dict[str, Column] = field(init=False)

    def __post_init__(self):
        self.by_key = {c.key: c for c in self.columns}

    def chosen(self, pref: UserPreference | None) -> list[str]:
        value = (pref.value if pref is not None else {}) or {}
        return [k for k in value.get("columns", self.default) if k in self.by_key]

    def clean(self, keys: Iterable[str]) -> list[str]:
        """The known keys in the list's own order (no duplicates)."""
        wanted = set(keys)
        return [c.key for c in self.columns if c.key in wanted]

    def headers(self, chosen: list[str], sort_columns: dict | None = None) -> list[dict]:
        sort_columns = sort_columns or {}
        out = []
        for key in chosen:
            col = self.by_key[key]
            out.append(
                {
                    "key": key,
                    "label": col.label,
                    "css": col.css,
                    "sort": sort_columns.get(col.sort) if col.sort else None,
                }
            )
        return out

    def cells(self, row, chosen: list[str]) -> SafeString:
        parts = []
        for key in chosen:
            col = self.by_key[key]
            css = f' class="{col.css}"' if col.css else ""
            parts.append(f"<td{css}>{col.cell(row)}</td>")
        return mark_safe("".join(parts))

    def context(self, pref: UserPreference | None, sort_columns: dict | None = None) -> dict:
        """What templates/components/column_chooser.html and a list's table need."""
        chosen = self.chosen(pref)
        return {
            "columns_key": self.key,
            "columns": chosen,
            "all_columns": [(c.key, c.label) for c in self.columns],
            "column_headers": self.headers(chosen, sort_columns),
        }


LISTS: dict[str, ListColumns] = {}


def register(columns: ListColumns) -> ListColumns:
    LISTS[columns.key] = columns
    return columns


@require_POST
@login_required
def list_columns(request, key: str):
    """Remember the columns a user chose for one list, then go back to it."""
    columns = LISTS.get(key)
    if columns is None:
        raise Http404
    chosen = columns.clean(request.POST.getlist("columns"))
    save_preference(request.user, key, preference(request.user, key), columns=chosen)
    return redirect(safe_back(request, reverse("web:home")))


# ---- selection and bulk actions -------------------------------------------------------------


def selected_ids(request, name: str = "ids") -> list[int]:
    """The selected row ids of a bulk form (POST) or a selection export (GET), at most
    MAX_BULK, in the order given, without duplicates."""
    source = request.POST if request.method == "POST" else request.GET
    seen: dict[int, None] = {}
    for value in source.getlist(name):
        if value.isdigit() and len(value) < 12:
            seen.setdefault(int(value), None)
    return list(seen)[:MAX_BULK]


def safe_back(request, fallback: str) -> str:
    """The page to return to after a POST: its `next` when it is on this site."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback

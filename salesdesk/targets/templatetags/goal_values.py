"""`{{ value|goal_value:goal.metric }}`: a goal value as its metric is written (UI.md): money
¥1,234.56, counts 1,234, ratios 35.50 %, scores 4.50."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from salesdesk.metrics.definitions import Unit
from salesdesk.targets.metric_rules import GOAL_METRICS as METRICS

register = template.Library()


@register.filter
def goal_value(value, metric_key: str) -> str:
    if value in (None, ""):
        return "—"
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    info = METRICS.get(metric_key)
    kind = info.kind if info else Unit.MONEY
    if kind == Unit.MONEY:
        return f"¥{amount:,.2f}"
    if kind == Unit.COUNT:
        return f"{amount:,.0f}"
    if kind == Unit.RATIO:
        return f"{amount:,.2f} %"
    return f"{amount:,.2f}"


@register.filter
def plain_value(value) -> str:
    """The value for an input field (no separators)."""
    return "" if value in (None, "") else f"{Decimal(str(value)):f}"


@register.filter
def get_cell(cells: dict, key):
    """`{{ cells|get_cell:day }}`: one cell of a grid row."""
    return cells.get(key) if cells else None


# Progress status → (Bootstrap colour, icon): won green, due amber, overdue red (UI.md); the
# status is always written out too, never shown by colour alone.
STATUS_STYLE = {
    "ahead": ("success", "arrow-up-right"),
    "on_track": ("warning", "arrow-right"),
    "behind": ("danger", "arrow-down-right"),
    "no_data": ("secondary", "dash"),
}


@register.filter
def status_colour(status: str) -> str:
    return STATUS_STYLE.get(status, STATUS_STYLE["no_data"])[0]


@register.filter
def status_icon(status: str) -> str:
    return STATUS_STYLE.get(status, STATUS_STYLE["no_data"])[1]


@register.filter
def percent(value) -> str:
    return "—" if value in (None, "") else f"{Decimal(str(value)):,.1f} %"

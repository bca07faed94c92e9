"""`{{ value|metric_value:metric }}`: a metric figure as the other pages show it — money as
¥1,234,567.00, ratios as a percentage with one decimal, days and scores with two decimals,
counts as whole numbers; "—" when there is no figure (a ratio over nothing)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from salesdesk.metrics.definitions import Unit
from salesdesk.sales.templatetags.sales_money import yuan

register = template.Library()


@register.filter
def metric_value(value, metric) -> str:
    if value is None:
        return "—"
    unit = metric.unit
    if unit == Unit.MONEY:
        return yuan(value)
    if unit == Unit.RATIO:
        return f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}%"
    if unit == Unit.COUNT:
        return number_format(Decimal(value).quantize(Decimal(1)), 0, force_grouping=True)
    return number_format(value, 2)

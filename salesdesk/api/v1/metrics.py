"""Metric layer API (issue 5, item 1): the metric definitions and one metric's figures over a
period, per rep, unit, month or day. Scoped exactly like the web page (both read
`salesdesk.metrics.selectors.metric_table`): a rep gets their own figures only. Unknown metric
404; a bad grouping or date 422.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from salesdesk.api.errors import errors, not_found
from salesdesk.metrics.definitions import METRICS
from salesdesk.metrics.selectors import metric_definitions, metric_table

router = Router(tags=["Metrics"])

MAX_DAYS = 3700  # about ten years


class MetricOut(Schema):
    key: str
    label: str
    description: str
    unit: str = Field(description="money, count, ratio (0.25 = 25 %), days or score")
    direction: str = Field(description="higher or lower (is better)")
    kind: str = Field(description="additive (sum of daily facts) or derived (ratio of sums)")


class ValuesParams(Schema):
    start: date | None = Field(None, description="First day (default: 1 January this year)")
    end: date | None = Field(None, description="Last day, included (default: today)")
    group_by: Literal["user", "unit", "month", "day"] = "user"


class ValueRowOut(Schema):
    id: int | None = Field(None, description="User id (user) or unit id (unit)")
    date: str | None = Field(None, description="The day, or the month's first day")
    label: str
    value: Decimal | None = Field(description="None: a ratio with nothing to divide by")


class MetricValuesOut(Schema):
    metric: str
    unit: str
    start: date
    end: date
    group_by: str
    rows: list[ValueRowOut]
    total: Decimal | None


@router.get("/metrics", response={200: list[MetricOut], **errors()}, summary="Metrics")
def metric_list(request: HttpRequest):
    return [
        {
            "key": m.key,
            "label": str(m.label),
            "description": str(m.description),
            "unit": m.unit,
            "direction": m.direction,
            "kind": m.kind,
        }
        for m in metric_definitions()
    ]


@router.get(
    "/metrics/{key}/values",
    response={200: MetricValuesOut, **errors(404, 422)},
    summary="A metric's figures over a period, per rep, unit, month or day",
)
def metric_values_list(request: HttpRequest, key: str, params: Query[ValuesParams]):
    if key not in METRICS:
        raise not_found()
    today = timezone.localdate()
    start = params.start or today.replace(month=1, day=1)
    end = params.end or today
    if start > end:
        raise ValidationError({"start": [_("The first day must not be after the last day.")]})
    if (end - start).days > MAX_DAYS:
        raise ValidationError({"end": [_("Choose a period of at most ten years.")]})
    table = metric_table(request.auth, key, start=start, end=end, group_by=params.group_by)
    dated = params.group_by in ("month", "day")
    return {
        "metric": key,
        "unit": table.metric.unit,
        "start": start,
        "end": end,
        "group_by": params.group_by,
        "rows": [
            {
                "id": None if dated else row.key,
                "date": row.key.isoformat() if dated else None,
                "label": row.label,
                "value": row.value,
            }
            for row in table.rows
        ],
        "total": table.total.value,
    }

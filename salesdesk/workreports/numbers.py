"""The figures attached to a work report (D49): the author's own metric-layer figures for the
report's period. Live while in draft, a snapshot (strings of exact decimals) once submitted."""

from __future__ import annotations

from decimal import Decimal

from salesdesk.metrics.definitions import get_metric
from salesdesk.metrics.selectors import metric_values

SNAPSHOT_METRICS = (
    "signed_amount",
    "contract_count",
    "payments_received",
    "won_deals",
    "won_amount",
    "new_customers",
    "activities",
)


def live_numbers(report) -> dict[str, str]:
    """{metric key: figure as a string} for the report's author and period (one query each)."""
    out: dict[str, str] = {}
    for key in SNAPSHOT_METRICS:
        value = metric_values(
            key, start=report.period_start, end=report.period_end, users=[report.owner_id]
        )[None]
        out[key] = str(value if value is not None else Decimal(0))
    return out


def report_numbers(report) -> dict[str, str]:
    """The snapshot of a submitted report, the live figures of a draft."""
    if report.is_submitted and report.numbers:
        return dict(report.numbers)
    return live_numbers(report)


def numbers_table(report) -> list[dict]:
    """Rows for display: key, label, unit and value (Decimal)."""
    numbers = report_numbers(report)
    rows = []
    for key in SNAPSHOT_METRICS:
        metric = get_metric(key)
        rows.append(
            {
                "key": key,
                "label": metric.label,
                "unit": metric.unit,
                "value": Decimal(numbers[key]) if key in numbers else None,
            }
        )
    return rows

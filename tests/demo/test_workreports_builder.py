"""Demo work reports: bounded, submitted, with snapshots equal to the metric layer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from salesdesk.demo.runner import build_demo
from salesdesk.metrics.selectors import metric_values
from salesdesk.workreports.models import WorkReport, WorkReportComment, WorkReportRead
from salesdesk.workreports.numbers import SNAPSHOT_METRICS


@pytest.mark.django_db
def test_small_demo_has_submitted_reports_with_metric_snapshots():
    build_demo(size="small", seed=2026, today=date(2026, 6, 15))
    reports = WorkReport.objects.all()
    owners = reports.values("owner").distinct().count()
    assert 0 < reports.count() <= owners * 12 and owners <= 24
    assert set(reports.values_list("status", flat=True)) == {"submitted"}
    assert set(reports.values_list("kind", flat=True)) == {"daily", "weekly"}
    assert reports.filter(period_start__lt=date(2026, 6, 1)).count() == 0
    assert WorkReportComment.objects.exists() and WorkReportRead.objects.exists()
    for report in reports.order_by("-period_end")[:5]:
        for key in SNAPSHOT_METRICS:
            expected = metric_values(
                key, start=report.period_start, end=report.period_end, users=[report.owner_id]
            )[None]
            assert Decimal(report.numbers[key]) == expected

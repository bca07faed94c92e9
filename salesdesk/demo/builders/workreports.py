"""Demo work reports (PRF-6, D49): for up to 24 reps, submitted daily reports for the working
days of the last two weeks (a few skipped, so the "not yet submitted" overview has rows) and
weekly reports for the last two ISO weeks, with the period's figures snapshotted from the metric
layer, some comments of their team lead and read marks. Bounded whatever the demo size: at most
24 × (10 + 2) reports. Runs after `metrics`, so the snapshots are the metric layer's figures."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register

MAX_REPS = 24

SUMMARIES = [
    "拜访 {n} 家客户，跟进两个报价。Visited {n} customers, followed up two quotes.",
    "完成合同评审，催收一笔回款。Contract review done, chased one payment.",
    "电话回访 {n} 位老客户，发现一个增购机会。Called {n} existing customers; one upsell lead.",
    "参加产品培训，整理客户需求。Product training; wrote up customer needs.",
]
PLANS = [
    "明天上门演示，准备报价单。Demo on site tomorrow, prepare the quote.",
    "推进华东项目到谈判阶段。Move the East project to negotiation.",
    "回访上周签约客户。Call back last week's new customers.",
]
COMMENTS = [
    "不错，继续跟进报价。Good, keep on the quote.",
    "回款要抓紧。Please chase the payment.",
    "下周一起拜访。Let's visit together next week.",
]


def reset_workreports(ctx: DemoContext) -> None:
    from salesdesk.workreports.models import WorkReport, WorkReportComment, WorkReportRead

    WorkReportRead.objects.using(ctx.using).all()._raw_delete(ctx.using)
    WorkReportComment.objects.using(ctx.using).all()._raw_delete(ctx.using)
    WorkReport.history.model.objects.using(ctx.using).all()._raw_delete(ctx.using)
    WorkReport.all_objects.using(ctx.using).all()._raw_delete(ctx.using)


def _numbers(ctx, rep_ids, start, end) -> dict[int, dict[str, str]]:
    """Per rep the snapshot figures of one period: one grouped query per metric."""
    from salesdesk.metrics.definitions import get_metric
    from salesdesk.metrics.selectors import metric_values
    from salesdesk.workreports.numbers import SNAPSHOT_METRICS

    out: dict[int, dict[str, str]] = {pk: {} for pk in rep_ids}
    for key in SNAPSHOT_METRICS:
        values = metric_values(key, start=start, end=end, users=rep_ids, group_by="user")
        zero = get_metric(key).compute({})  # what the metric layer answers without facts
        for pk in rep_ids:
            value = values.get(pk)
            out[pk][key] = str(value if value is not None else (zero or Decimal(0)))
    return out


@register("workreports", after=("metrics",), reset=reset_workreports)
def build_workreports(ctx: DemoContext) -> None:
    """Daily and weekly reports of the last two weeks, with comments and reads."""
    from salesdesk.core.workdays import is_working_day
    from salesdesk.org.models import User
    from salesdesk.workreports.models import (
        ReportKind,
        ReportStatus,
        WorkReport,
        WorkReportComment,
        WorkReportRead,
        period_for,
    )

    org = ctx.results.get("org")
    if org is None or not org.rep_ids:
        return
    rng = ctx.rng_for("workreports")
    reps = list(
        User.objects.using(ctx.using)
        .filter(pk__in=org.rep_ids[:MAX_REPS], unit__isnull=False)
        .order_by("id")
        .values_list("pk", "unit_id", "reports_to_id")
    )
    rep_ids = [pk for pk, _unit, _lead in reps]
    periods: list[tuple[str, object, object]] = []
    for back in range(1, 15):
        day = ctx.today - timedelta(days=back)
        if is_working_day(day):
            periods.append((ReportKind.DAILY, day, day))
    for back in (7, 14):
        start, end = period_for(ReportKind.WEEKLY, ctx.today - timedelta(days=back))
        periods.append((ReportKind.WEEKLY, start, end))
    tz = timezone.get_current_timezone()
    reports: list[WorkReport] = []
    for kind, start, end in periods:
        numbers = _numbers(ctx, rep_ids, start, end)
        submitted = timezone.make_aware(datetime.combine(end, time(18, 30)), tz)
        for pk, unit_id, _lead in reps:
            if kind == ReportKind.DAILY and rng.random() < 0.15:
                continue  # skipped days: the managers' "not yet submitted" overview
            n = rng.randrange(1, 6)
            reports.append(
                WorkReport(
                    owner_id=pk,
                    org_unit_id=unit_id,
                    kind=kind,
                    period_start=start,
                    period_end=end,
                    summary=rng.choice(SUMMARIES).format(n=n),
                    plan=rng.choice(PLANS),
                    status=ReportStatus.SUBMITTED,
                    submitted_at=submitted,
                    numbers=numbers[pk],
                    created_at=submitted,
                )
            )
    for report, pk in zip(reports, ctx.allocate_ids(WorkReport, len(reports)), strict=True):
        report.pk = pk
    ctx.bulk_insert(WorkReport, reports)
    leads = {pk: lead for pk, _unit, lead in reps}
    comments: list[WorkReportComment] = []
    reads: list[WorkReportRead] = []
    for report in reports:
        lead = leads.get(report.owner_id)
        if lead is None or rng.random() < 0.4:
            continue  # unread: the lead's inbox has some
        reads.append(WorkReportRead(report_id=report.pk, reader_id=lead))
        if rng.random() < 0.35:
            comments.append(
                WorkReportComment(report_id=report.pk, author_id=lead, text=rng.choice(COMMENTS))
            )
    ctx.bulk_insert(WorkReportComment, comments)
    ctx.bulk_insert(WorkReportRead, reads)

"""Reads for satisfaction and feedback (CUS-11), through the scoping function (ORG-2).

The dashboard's figures are single SQL aggregates (GROUP BY), never loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from salesdesk.customers.feedback.models import (
    OPEN_STATUSES,
    FeedbackTicket,
    SatisfactionKind,
    SatisfactionRecord,
    TicketStatus,
)
from salesdesk.org.scoping import visible_to

TICKET_SORTS = {
    "due": "due_at",
    "created": "created_at",
    "severity": "severity_rank",
    "status": "status",
    "title": "title",
}


def tickets_visible(user) -> QuerySet[FeedbackTicket]:
    return visible_to(FeedbackTicket.objects.all(), user)


def ticket_list(
    user,
    *,
    status: str = "",
    severity: str = "",
    type: str = "",
    owner_id: int | None = None,
    customer_id: int | None = None,
    overdue: bool = False,
    open_only: bool = False,
    sort: str = "due_at",
) -> QuerySet[FeedbackTicket]:
    from django.db.models import Case, IntegerField, Value, When

    qs = tickets_visible(user)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if severity:
        qs = qs.filter(severity=severity)
    if type:
        qs = qs.filter(type=type)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    if "severity_rank" in sort:
        qs = qs.annotate(
            severity_rank=Case(
                When(severity="critical", then=Value(4)),
                When(severity="high", then=Value(3)),
                When(severity="medium", then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    return qs.select_related("customer", "owner").order_by(sort, "id")


def satisfaction_visible(user) -> QuerySet[SatisfactionRecord]:
    return visible_to(SatisfactionRecord.objects.all(), user)


def satisfaction_list(user, *, customer_id: int | None = None, kind: str = ""):
    qs = satisfaction_visible(user)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("customer", "recorded_by", "contact").order_by("-recorded_at", "-id")


def _score_aggregates():
    """CSAT average, and NPS as % promoters (9–10) − % detractors (0–6), with counts."""
    return {
        "csat_avg": Avg("score", filter=Q(kind=SatisfactionKind.CSAT)),
        "csat_count": Count("id", filter=Q(kind=SatisfactionKind.CSAT)),
        "nps_count": Count("id", filter=Q(kind=SatisfactionKind.NPS)),
        "promoters": Count("id", filter=Q(kind=SatisfactionKind.NPS, score__gte=9)),
        "detractors": Count("id", filter=Q(kind=SatisfactionKind.NPS, score__lte=6)),
        "nps_avg": Avg("score", filter=Q(kind=SatisfactionKind.NPS)),
    }


def _finish(row: dict) -> dict:
    row["csat_avg"] = round(float(row["csat_avg"]), 2) if row["csat_avg"] is not None else None
    row["nps_avg"] = round(float(row["nps_avg"]), 2) if row["nps_avg"] is not None else None
    n = row["nps_count"]
    row["nps"] = round(100 * (row["promoters"] - row["detractors"]) / n) if n else None
    return row


@dataclass
class Dashboard:
    open: int
    overdue: int
    resolved_this_month: int
    by_level: list[dict]
    by_owner: list[dict]
    by_month: list[dict]


def dashboard(user, *, now: datetime | None = None, months: int = 12) -> Dashboard:
    """Open, overdue and this month's resolved tickets; satisfaction by customer level, by owner
    and by month (the last `months`). Four queries after the scope's id list."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    counts = tickets_visible(user).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        resolved=Count(
            "id",
            filter=Q(
                status__in=(TicketStatus.RESOLVED, TicketStatus.CLOSED),
                resolved_at__gte=month_start,
            ),
        ),
    )
    records = satisfaction_visible(user)
    by_level = [
        _finish(row)
        for row in records.values("customer__level")
        .annotate(**_score_aggregates())
        .order_by("customer__level")
    ]
    by_owner = [
        _finish(row)
        for row in records.values("customer__owner_id", "customer__owner__display_name")
        .annotate(**_score_aggregates())
        .order_by("customer__owner__display_name", "customer__owner_id")
    ]
    since = (month_start - timedelta(days=31 * (months - 1))).replace(day=1)
    by_month = [
        _finish(row)
        for row in records.filter(recorded_at__gte=since)
        .annotate(month=TruncMonth("recorded_at"))
        .values("month")
        .annotate(**_score_aggregates())
        .order_by("month")
    ]
    return Dashboard(
        open=counts["open"],
        overdue=counts["overdue"],
        resolved_this_month=counts["resolved"],
        by_level=by_level,
        by_owner=by_owner,
        by_month=by_month,
    )


def dashboard_rows(board) -> dict:
    """The dashboard as plain rows with labels (the API's answer and the page's chart data)."""
    from salesdesk.customers.models import CustomerLevel

    levels = dict(CustomerLevel.choices)

    def row(key, label, r):
        return {
            "key": str(key),
            "label": str(label),
            "csat_avg": r["csat_avg"],
            "csat_count": r["csat_count"],
            "nps": r["nps"],
            "nps_count": r["nps_count"],
        }

    return {
        "open": board.open,
        "overdue": board.overdue,
        "resolved_this_month": board.resolved_this_month,
        "by_level": [
            row(r["customer__level"], levels.get(r["customer__level"], ""), r)
            for r in board.by_level
        ],
        "by_owner": [
            row(r["customer__owner_id"], r["customer__owner__display_name"] or "—", r)
            for r in board.by_owner
        ],
        "by_month": [row(f"{r['month']:%Y-%m}", f"{r['month']:%Y-%m}", r) for r in board.by_month],
    }

"""Reads of work reports (PRF-6, D49), all through salesdesk.org.scoping.

Who sees a report: its author always; anyone whose data scope covers the author's reports
(`visible_to`: a team lead their subordinates', a manager or director their unit tree, an
administrator all) once it is submitted. Drafts are private to the author.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from salesdesk.org.models import DataScope, User
from salesdesk.org.scoping import visible_to
from salesdesk.workreports.models import (
    ReportKind,
    ReportStatus,
    WorkReport,
    WorkReportComment,
    WorkReportRead,
    period_for,
)

TABS = ("mine", "team", "unread")


def has_team(viewer: User) -> bool:
    """Whether the viewer can see other people's reports (team lead and above)."""
    return viewer.is_active and viewer.data_scope != DataScope.OWN


def reports_visible(viewer: User) -> QuerySet[WorkReport]:
    """Every report `viewer` may open: their own, and the submitted ones in their scope."""
    qs = visible_to(WorkReport.objects.all(), viewer)
    return qs.filter(Q(owner_id=viewer.pk) | Q(status=ReportStatus.SUBMITTED))


def report_detail(viewer: User, pk: int, *, lock: bool = False) -> WorkReport | None:
    qs = reports_visible(viewer).select_related("owner", "org_unit")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.filter(pk=pk).first()


def _team(viewer: User) -> QuerySet[WorkReport]:
    return reports_visible(viewer).exclude(owner_id=viewer.pk)


def _unread(viewer: User) -> QuerySet[WorkReport]:
    read = WorkReportRead.objects.filter(report_id=OuterRef("pk"), reader_id=viewer.pk)
    return _team(viewer).filter(~Exists(read))


def report_list(
    viewer: User,
    *,
    tab: str = "mine",
    kind: str = "",
    on: date | None = None,
    author: int | None = None,
) -> QuerySet[WorkReport]:
    """A tab of reports (mine / team / unread), filtered by kind, a day inside the period and
    the author; newest period first. Two queries per page (count + rows), whatever the size."""
    if tab == "team":
        qs = _team(viewer)
    elif tab == "unread":
        qs = _unread(viewer)
    else:
        qs = reports_visible(viewer).filter(owner_id=viewer.pk)
    if kind in ReportKind.values:
        qs = qs.filter(kind=kind)
    if on is not None:
        qs = qs.filter(period_start__lte=on, period_end__gte=on)
    if author:
        qs = qs.filter(owner_id=author)
    read = WorkReportRead.objects.filter(report_id=OuterRef("pk"), reader_id=viewer.pk)
    return (
        qs.select_related("owner", "org_unit")
        .annotate(
            comment_count=Count("comments", distinct=True),
            reader_count=Count("reads", distinct=True),
            read_by_me=Exists(read),
        )
        .order_by("-period_start", "-id")
    )


def _unread_until(viewer: User, until) -> QuerySet[WorkReport]:
    qs = _unread(viewer)
    return qs if until is None else qs.filter(submitted_at__lte=until)


def unread_count(viewer: User, *, until=None) -> int:
    """Submitted reports of the viewer's team they have not opened yet (0 for a rep, no query)."""
    if not has_team(viewer):
        return 0
    return _unread_until(viewer, until).count()


def unread_reports(viewer: User, *, limit: int, until=None) -> list[WorkReport]:
    if not has_team(viewer):
        return []
    qs = _unread_until(viewer, until).select_related("owner")
    return list(qs.order_by("submitted_at", "id")[:limit])


def report_comments(report: WorkReport) -> list[WorkReportComment]:
    return list(report.comments.select_related("author").order_by("created_at", "id"))


def report_reads(report: WorkReport) -> list[WorkReportRead]:
    return list(report.reads.select_related("reader").order_by("read_at", "id"))


@dataclass
class MissingRow:
    user: User
    daily_missing: bool
    weekly_missing: bool


@dataclass
class MissingOverview:
    day: date  # yesterday
    week_start: date  # last week's Monday
    week_end: date
    rows: list[MissingRow]  # only people with something missing


def team_members(viewer: User) -> QuerySet[User]:
    """The active sales people in the viewer's scope (reps and team leads), not the viewer."""
    return (
        visible_to(User.objects.all(), viewer)
        .filter(
            is_active=True,
            role__data_scope__in=(DataScope.OWN, DataScope.OWN_SUBORDINATES),
        )
        .exclude(pk=viewer.pk)
        .select_related("unit")
        .order_by("unit__path", "display_name", "id")
    )


def missing_overview(viewer: User, *, today: date, limit: int = 200) -> MissingOverview:
    """Who in the viewer's team has not submitted yesterday's daily or last week's weekly
    report (three queries)."""
    day = today - timedelta(days=1)
    week_start, week_end = period_for(ReportKind.WEEKLY, today - timedelta(days=7))
    if not has_team(viewer):
        return MissingOverview(day, week_start, week_end, [])
    members = list(team_members(viewer)[:limit])
    submitted = set(
        WorkReport.objects.filter(
            owner_id__in=[m.pk for m in members],
            status=ReportStatus.SUBMITTED,
        )
        .filter(
            Q(kind=ReportKind.DAILY, period_start=day)
            | Q(kind=ReportKind.WEEKLY, period_start=week_start)
        )
        .values_list("owner_id", "kind")
    )
    rows = [
        MissingRow(
            m,
            (m.pk, ReportKind.DAILY) not in submitted,
            (m.pk, ReportKind.WEEKLY) not in submitted,
        )
        for m in members
    ]
    return MissingOverview(
        day, week_start, week_end, [r for r in rows if r.daily_missing or r.weekly_missing]
    )

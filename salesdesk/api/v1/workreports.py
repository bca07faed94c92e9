"""Work reports API (PRF-6, D49): list (mine / team / unread), create, read (marks it read),
update, submit, comment, delete.

Transport only: reads through salesdesk.workreports.selectors (scoped by salesdesk.org.scoping,
another person's draft is invisible), writes through salesdesk.workreports.services, exactly as
the web pages. Out of scope 404, visible but not the author (or no delete permission) 403, a stale
`version` 409, bad input 422; nothing changes on any of these.
"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import errors, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UserRef
from salesdesk.org.models import User
from salesdesk.workreports import selectors, services
from salesdesk.workreports.models import WorkReport
from salesdesk.workreports.numbers import report_numbers

router = Router(tags=["Work reports"])


def _report(actor: User, pk: int) -> WorkReport:
    report = selectors.report_detail(actor, pk)
    if report is None:
        raise not_found()
    return report


class CommentOut(Schema):
    id: int
    author: UserRef
    text: str
    created_at: datetime


class ReadOut(Schema):
    reader: UserRef
    read_at: datetime


class WorkReportOut(Schema):
    id: int
    owner: UserRef
    kind: str
    period_start: date
    period_end: date
    period_label: str
    plan: str
    summary: str
    status: str
    submitted_at: datetime | None
    version: int
    created_at: datetime


class WorkReportDetailOut(WorkReportOut):
    numbers: dict[str, str] = Field(
        ..., description="The snapshot once submitted; the live figures of a draft."
    )
    comments: list[CommentOut]
    reads: list[ReadOut]


class WorkReportFilters(PageParams):
    tab: str = Field("mine", description="mine, team or unread.")
    kind: str = Field("", description="daily, weekly or monthly.")
    on: date | None = Field(None, description="Reports whose period contains this day.")
    author: int | None = None


class WorkReportIn(Schema):
    kind: str = Field(..., description="daily, weekly or monthly.")
    day: date | None = Field(None, description="Any day of the period (default today).")
    plan: str = ""
    summary: str = ""
    submit: bool = False


class WorkReportUpdateIn(Schema):
    version: int
    plan: str | None = None
    summary: str | None = None


class VersionIn(Schema):
    version: int | None = None


class CommentIn(Schema):
    text: str


def _detail(actor: User, report: WorkReport) -> dict:
    return {
        **{f: getattr(report, f) for f in WorkReportOut.model_fields if f != "owner"},
        "owner": report.owner,
        "numbers": report_numbers(report),
        "comments": selectors.report_comments(report),
        "reads": selectors.report_reads(report),
    }


@router.get(
    "/work-reports",
    response={200: page_of(WorkReportOut), **errors(422)},
    summary="My reports, my team's or the unread ones",
)
def workreport_list(request, filters: Query[WorkReportFilters]):
    tab = filters.tab if filters.tab in selectors.TABS else "mine"
    qs = selectors.report_list(
        request.auth, tab=tab, kind=filters.kind, on=filters.on, author=filters.author
    )
    return paginate(qs, filters)


@router.post(
    "/work-reports",
    response={201: WorkReportDetailOut, **errors(403, 422)},
    summary="Start (or submit) my report for a period",
)
def workreport_create(request, payload: WorkReportIn):
    actor = request.auth
    report = services.workreport_create(actor=actor, request=request, **payload.dict())
    return Status(201, _detail(actor, _report(actor, report.pk)))


@router.get(
    "/work-reports/{int:report_id}",
    response={200: WorkReportDetailOut, **errors(404)},
    summary="One report (marks it read when someone other than the author opens it)",
)
def workreport_detail(request, report_id: int):
    actor = request.auth
    report = _report(actor, report_id)
    services.workreport_mark_read(reader=actor, report=report)
    return _detail(actor, report)


@router.patch(
    "/work-reports/{int:report_id}",
    response={200: WorkReportDetailOut, **errors(403, 404, 409, 422)},
    summary="Edit the plan and summary (the author, until a manager commented)",
)
def workreport_update(request, report_id: int, payload: WorkReportUpdateIn):
    actor = request.auth
    report = _report(actor, report_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    services.workreport_update(
        actor=actor, report=report, expected_version=version, request=request, **changes
    )
    return _detail(actor, _report(actor, report_id))


@router.post(
    "/work-reports/{int:report_id}/submit",
    response={200: WorkReportDetailOut, **errors(403, 404, 409, 422)},
    summary="Submit a draft (snapshots the period's numbers)",
)
def workreport_submit(request, report_id: int, payload: VersionIn):
    actor = request.auth
    report = _report(actor, report_id)
    services.workreport_submit(
        actor=actor, report=report, expected_version=payload.version, request=request
    )
    return _detail(actor, _report(actor, report_id))


@router.post(
    "/work-reports/{int:report_id}/comments",
    response={201: CommentOut, **errors(404, 422)},
    summary="Comment on a submitted report",
)
def workreport_comment(request, report_id: int, payload: CommentIn):
    actor = request.auth
    report = _report(actor, report_id)
    comment = services.workreport_comment(
        actor=actor, report=report, text=payload.text, request=request
    )
    return Status(201, comment)


@router.delete(
    "/work-reports/{int:report_id}",
    response={204: None, **errors(403, 404)},
    summary="Move a report to the recycle bin (the delete permission, or the author's own draft)",
)
def workreport_delete(request, report_id: int):
    actor = request.auth
    report = _report(actor, report_id)
    try:
        services.workreport_delete(actor=actor, report=report, request=request)
    except WorkReport.DoesNotExist:
        raise not_found() from None
    return Status(204, None)

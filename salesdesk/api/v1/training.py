"""Training API (PRF-5): programs (CRUD), their sessions, invitations, attendance and scores,
the signed-in person's own training, and the effect of a program.

Transport only, exactly as the pages: reads through salesdesk.training.selectors (attendance
scoped by the person: a rep sees their own rows only), writes through salesdesk.training.services.
Missing permission 403 (checked before any lookup), unknown or out of scope 404, stale `version`
409, bad input 422; nothing changes on any of these.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UserRef
from salesdesk.metrics.definitions import METRICS
from salesdesk.org.models import User
from salesdesk.org.permissions import can_manage_training
from salesdesk.training import effect as fx
from salesdesk.training import selectors, services
from salesdesk.training.models import Attendance, TrainingProgram, TrainingSession

router = Router(tags=["Training"])


def _require_manager(actor: User) -> None:
    if not can_manage_training(actor):
        raise forbidden(_("You do not have permission to manage training."))


def _program(pk: int) -> TrainingProgram:
    program = selectors.program(pk)
    if program is None:
        raise not_found()
    return program


def _session(pk: int) -> TrainingSession:
    session = selectors.session(pk)
    if session is None:
        raise not_found()
    return session


def _scoped(call):
    try:
        return call()
    except services.PersonOutOfScope:
        raise not_found() from None


# ---- schemas ---------------------------------------------------------------------------------


class ProgramOut(Schema):
    id: int
    title: str
    topic: str
    description: str
    owner_unit_id: int | None
    status: str
    version: int
    created_at: datetime


class ProgramIn(Schema):
    title: str
    topic: str = ""
    description: str = ""
    owner_unit: int | None = Field(None, description="Org unit id; empty: company-wide.")
    status: str = Field("planned", description="planned, active, completed or archived.")


class ProgramUpdateIn(Schema):
    version: int
    title: str | None = None
    topic: str | None = None
    description: str | None = None
    owner_unit: int | None = None
    status: str | None = None


class ProgramFilters(PageParams):
    q: str = Field("", description="Search in title, topic and description.")
    status: str = ""
    sort: str = Field("-created", description="title, topic, status, first_session, created.")


class SessionOut(Schema):
    id: int
    program_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    trainer: UserRef | None
    trainer_name: str
    location: str
    online_link: str
    capacity: int | None
    version: int


class SessionIn(Schema):
    title: str
    starts_at: datetime
    ends_at: datetime
    trainer: int | None = None
    trainer_name: str = ""
    location: str = ""
    online_link: str = ""
    capacity: int | None = None


class SessionUpdateIn(Schema):
    version: int
    title: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    trainer: int | None = None
    trainer_name: str | None = None
    location: str | None = None
    online_link: str | None = None
    capacity: int | None = None


class AttendanceOut(Schema):
    id: int
    session_id: int
    user: UserRef
    status: str
    pre_score: Decimal | None
    post_score: Decimal | None
    feedback: str


class MyAttendanceOut(AttendanceOut):
    program_id: int
    program_title: str
    session_title: str
    starts_at: datetime


class InviteIn(Schema):
    users: list[int]


class InviteOut(Schema):
    invited: int
    already: int


class AttendanceRowIn(Schema):
    user: int
    status: str | None = Field(None, description="invited, attended, absent or excused.")
    pre_score: Decimal | None = Field(None, description="0–100, one decimal.")
    post_score: Decimal | None = Field(None, description="0–100, one decimal.")
    feedback: str | None = None
    clear_scores: bool = Field(False, description="Also clear scores sent as null.")


class AttendanceIn(Schema):
    rows: list[AttendanceRowIn]


class GroupOut(Schema):
    size: int
    before: Decimal | None
    after: Decimal | None
    change: Decimal | None


class WeekOut(Schema):
    offset: int = Field(..., description="−N … −1 before the training, +1 … +N after it.")
    trainees: Decimal | None
    peers: Decimal | None


class ScoresOut(Schema):
    pre_count: int
    pre_mean: Decimal | None
    post_count: int
    post_mean: Decimal | None
    paired_count: int
    improvement: Decimal | None


class EffectOut(Schema):
    program_id: int
    metric: str
    weeks: int
    complete_weeks: int
    first_session: date | None
    last_session: date | None
    trainees: GroupOut | None
    peers: GroupOut | None
    difference_in_differences: Decimal | None
    weekly: list[WeekOut]
    scores: ScoresOut
    caveats: list[str]


class EffectParams(Schema):
    metric: str = Field("signed_amount", description="A metric key of /api/v1/metrics.")
    weeks: int = Field(fx.DEFAULT_WEEKS, ge=1, le=fx.MAX_WEEKS)


def _session_out(s: TrainingSession) -> dict:
    return {
        **{f: getattr(s, f) for f in SessionOut.model_fields if f != "trainer"},
        "trainer": s.trainer,
    }


def _attendance_out(a: Attendance) -> dict:
    return {**{f: getattr(a, f) for f in AttendanceOut.model_fields if f != "user"}, "user": a.user}


# ---- programs --------------------------------------------------------------------------------


@router.get(
    "/training-programs",
    response={200: page_of(ProgramOut), **errors(422)},
    summary="Training programs (everyone signed in)",
)
def training_program_list(request, filters: Query[ProgramFilters]):
    qs = selectors.program_list(search=filters.q, status=filters.status, sort=filters.sort)
    return paginate(qs, filters)


@router.post(
    "/training-programs",
    response={201: ProgramOut, **errors(403, 422)},
    summary="Create a training program",
)
def training_program_create(request, payload: ProgramIn):
    actor = request.auth
    _require_manager(actor)
    program = services.program_create(actor=actor, request=request, **payload.dict())
    return Status(201, program)


@router.get(
    "/training-programs/{int:program_id}",
    response={200: ProgramOut, **errors(404)},
    summary="One training program",
)
def training_program_detail(request, program_id: int):
    return _program(program_id)


@router.patch(
    "/training-programs/{int:program_id}",
    response={200: ProgramOut, **errors(403, 404, 409, 422)},
    summary="Edit a training program",
)
def training_program_update(request, program_id: int, payload: ProgramUpdateIn):
    actor = request.auth
    _require_manager(actor)
    program = _program(program_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    return services.program_update(
        actor=actor, program=program, expected_version=version, request=request, **changes
    )


@router.delete(
    "/training-programs/{int:program_id}",
    response={204: None, **errors(403, 404)},
    summary="Move a training program to the recycle bin",
)
def training_program_delete(request, program_id: int):
    actor = request.auth
    _require_manager(actor)
    program = _program(program_id)
    try:
        services.program_delete(actor=actor, program=program, request=request)
    except TrainingProgram.DoesNotExist:
        raise not_found() from None
    return Status(204, None)


@router.get(
    "/training-programs/{int:program_id}/effect",
    response={200: EffectOut, **errors(404, 422)},
    summary="Before/after effect on a metric against untrained peers (difference in differences)",
)
def training_program_effect(request, program_id: int, params: Query[EffectParams]):
    actor = request.auth
    program = _program(program_id)
    if params.metric not in METRICS:
        raise ValidationError({"metric": [_("Select a known metric.")]})
    report = selectors.program_effect(actor, program, metric=params.metric, weeks=params.weeks)
    e = report.effect
    return {
        "program_id": program.pk,
        "metric": params.metric,
        "weeks": params.weeks,
        "complete_weeks": report.complete_weeks,
        "first_session": report.first_session,
        "last_session": report.last_session,
        "trainees": e.trainees if e else None,
        "peers": e.peers if e else None,
        "difference_in_differences": e.did if e else None,
        "weekly": [{"offset": k, "trainees": t, "peers": p} for k, t, p in (e.weekly if e else [])],
        "scores": report.scores,
        "caveats": report.caveats,
    }


# ---- sessions --------------------------------------------------------------------------------


@router.get(
    "/training-programs/{int:program_id}/sessions",
    response={200: list[SessionOut], **errors(404)},
    summary="The sessions of a program",
)
def training_session_list(request, program_id: int):
    program = _program(program_id)
    return [_session_out(s) for s in selectors.program_sessions(program)]


@router.post(
    "/training-programs/{int:program_id}/sessions",
    response={201: SessionOut, **errors(403, 404, 422)},
    summary="Add a session to a program",
)
def training_session_create(request, program_id: int, payload: SessionIn):
    actor = request.auth
    _require_manager(actor)
    program = _program(program_id)
    session = services.session_create(
        actor=actor, program=program, request=request, **payload.dict()
    )
    return Status(201, _session_out(session))


@router.get(
    "/training-sessions/{int:session_id}",
    response={200: SessionOut, **errors(404)},
    summary="One session",
)
def training_session_detail(request, session_id: int):
    return _session_out(_session(session_id))


@router.patch(
    "/training-sessions/{int:session_id}",
    response={200: SessionOut, **errors(403, 404, 409, 422)},
    summary="Edit a session",
)
def training_session_update(request, session_id: int, payload: SessionUpdateIn):
    actor = request.auth
    _require_manager(actor)
    session = _session(session_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    saved = services.session_update(
        actor=actor, session=session, expected_version=version, request=request, **changes
    )
    return _session_out(saved)


@router.delete(
    "/training-sessions/{int:session_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Delete a session nobody attended yet",
)
def training_session_delete(request, session_id: int):
    actor = request.auth
    _require_manager(actor)
    services.session_delete(actor=actor, session=_session(session_id), request=request)
    return Status(204, None)


# ---- attendance ------------------------------------------------------------------------------


@router.get(
    "/training-sessions/{int:session_id}/attendance",
    response={200: list[AttendanceOut], **errors(404)},
    summary="Attendance and scores of a session (yours; your scope's)",
)
def training_attendance_list(request, session_id: int):
    session = _session(session_id)
    return [_attendance_out(a) for a in selectors.session_attendance(request.auth, session)]


@router.post(
    "/training-sessions/{int:session_id}/invitations",
    response={200: InviteOut, **errors(403, 404, 422)},
    summary="Invite people in your scope to a session",
)
def training_invite(request, session_id: int, payload: InviteIn):
    actor = request.auth
    _require_manager(actor)
    session = _session(session_id)
    return _scoped(
        lambda: services.attendance_invite(
            actor=actor, session=session, user_ids=payload.users, request=request
        )
    )


@router.post(
    "/training-sessions/{int:session_id}/attendance",
    response={200: list[AttendanceOut], **errors(403, 404, 422)},
    summary="Record attendance, scores and feedback (all rows or none)",
)
def training_attendance_record(request, session_id: int, payload: AttendanceIn):
    actor = request.auth
    _require_manager(actor)
    session = _session(session_id)
    rows = [
        services.AttendanceRow(
            user_id=r.user,
            status=r.status,
            pre_score=r.pre_score,
            post_score=r.post_score,
            feedback=r.feedback,
            clear_scores=r.clear_scores,
        )
        for r in payload.rows
    ]
    _scoped(
        lambda: services.attendance_record(actor=actor, session=session, rows=rows, request=request)
    )
    ids = {r.user_id for r in rows}
    return [
        _attendance_out(a) for a in selectors.session_attendance(actor, session) if a.user_id in ids
    ]


@router.get(
    "/training/mine",
    response={200: list[MyAttendanceOut], **errors()},
    summary="My invitations, sessions and scores",
)
def training_mine(request):
    actor = request.auth
    return [
        {
            **_attendance_out(a),
            "user": actor,
            "program_id": a.session.program_id,
            "program_title": a.session.program.title,
            "session_title": a.session.title,
            "starts_at": a.session.starts_at,
        }
        for a in selectors.my_attendance(actor)
    ]

"""Performance API (PRF-1..3): KPI schemes, scorecards and leaderboards.

Transport only: reads through salesdesk.performance.selectors (scoped by salesdesk.org.scoping),
writes through salesdesk.performance.services, exactly as the web pages. Answers: KPI scheme
writes without the configure permission 403; scorecard writes without the "evaluate" permission
403 (checked before any record is looked up); a scorecard out of scope (or not shown to the
caller: a rep's own draft, another rep's scorecard) 404; visible but not changeable 403; a stale
`version` 409; bad input 422; nothing changes on any of these.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import ApiError, errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UserRef
from salesdesk.metrics.definitions import METRICS
from salesdesk.org.models import User
from salesdesk.org.permissions import can_configure, can_evaluate
from salesdesk.performance import periods, selectors, services
from salesdesk.performance.models import KpiScheme, Scorecard

router = Router(tags=["Performance"])


def _require_configure(actor: User) -> None:
    if not can_configure(actor):
        raise forbidden(_("You do not have permission to change KPI schemes."))


def _require_evaluator(actor: User) -> None:
    if not can_evaluate(actor):
        raise forbidden(_("You do not have permission to evaluate performance."))


# ---- KPI schemes -----------------------------------------------------------------------------


class SchemeMetric(Schema):
    metric: str = Field(..., description="A metric key, e.g. signed_amount.")
    weight: Decimal = Field(..., description="Percent; the weights add up to 100.")
    normalisation: str = Field("target", description="target or peer (min–max).")
    target: Decimal | None = Field(None, description="Per person, for normalisation=target.")


class SchemeOut(Schema):
    id: int
    name: str
    role: int = Field(..., alias="role_id")
    tier_id: int | None
    period_kind: str
    metrics: list[SchemeMetric]
    cap: Decimal
    grade_bands: dict[str, Decimal]
    is_active: bool
    version: int


class SchemeIn(Schema):
    name: str
    role: int
    tier_id: int | None = None
    period_kind: str = Field("month", description="month, quarter or year.")
    metrics: list[SchemeMetric]
    cap: Decimal = Decimal(120)
    grade_bands: dict[str, Decimal] = Field(..., description="Lowest totals of S, A, B and C.")
    is_active: bool = True


class SchemeUpdateIn(Schema):
    version: int
    name: str | None = None
    role: int | None = None
    tier_id: int | None = None
    period_kind: str | None = None
    metrics: list[SchemeMetric] | None = None
    cap: Decimal | None = None
    grade_bands: dict[str, Decimal] | None = None
    is_active: bool | None = None


def _scheme(pk: int) -> KpiScheme:
    scheme = selectors.kpi_scheme(pk)
    if scheme is None:
        raise not_found()
    return scheme


def _scheme_fields(data: dict) -> dict:
    if data.get("metrics") is not None:
        data["metrics"] = [
            {k: (None if v is None else str(v)) for k, v in m.items()} for m in data["metrics"]
        ]
    if data.get("grade_bands") is not None:
        data["grade_bands"] = {k: str(v) for k, v in data["grade_bands"].items()}
    return data


@router.get("/kpi-schemes", response={200: list[SchemeOut], **errors()}, summary="KPI schemes")
def kpi_scheme_list(request):
    return list(selectors.kpi_schemes())


@router.post(
    "/kpi-schemes",
    response={201: SchemeOut, **errors(403, 422)},
    summary="Create a KPI scheme (needs the configure permission)",
)
def kpi_scheme_create(request, payload: SchemeIn):
    actor = request.auth
    _require_configure(actor)
    scheme = services.kpi_scheme_create(
        actor=actor, request=request, **_scheme_fields(payload.dict())
    )
    return Status(201, _scheme(scheme.pk))


@router.get(
    "/kpi-schemes/{int:scheme_id}",
    response={200: SchemeOut, **errors(404)},
    summary="One KPI scheme",
)
def kpi_scheme_detail(request, scheme_id: int):
    return _scheme(scheme_id)


@router.patch(
    "/kpi-schemes/{int:scheme_id}",
    response={200: SchemeOut, **errors(403, 404, 409, 422)},
    summary="Change a KPI scheme (optimistic locking on version)",
)
def kpi_scheme_update(request, scheme_id: int, payload: SchemeUpdateIn):
    actor = request.auth
    _require_configure(actor)
    scheme = _scheme(scheme_id)
    data = _scheme_fields(payload.dict(exclude_unset=True))
    version = data.pop("version")
    services.kpi_scheme_update(
        actor=actor, scheme=scheme, expected_version=version, request=request, **data
    )
    return _scheme(scheme_id)


@router.delete(
    "/kpi-schemes/{int:scheme_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a KPI scheme to the recycle bin",
)
def kpi_scheme_delete(request, scheme_id: int):
    actor = request.auth
    _require_configure(actor)
    services.kpi_scheme_delete(actor=actor, scheme=_scheme(scheme_id), request=request)
    return Status(204, None)


# ---- scorecards ------------------------------------------------------------------------------


class UnitRef(Schema):
    id: int
    name: str


class ScorecardLine(Schema):
    metric: str
    weight: Decimal
    normalisation: str
    actual: Decimal | None
    target: Decimal | None
    score: Decimal
    weighted: Decimal


class ScorecardOut(Schema):
    id: int
    scheme: int = Field(..., alias="scheme_id")
    subject_kind: str
    person: UserRef | None
    team: UnitRef | None = Field(None, alias="subject_unit")
    org_unit: UnitRef
    period_start: date
    period_end: date
    status: str
    lines: list[ScorecardLine]
    total_score: Decimal
    grade: str
    rank: int | None
    ranked_of: int
    feedback: str
    computed_at: datetime
    published_at: datetime | None
    locked_at: datetime | None
    version: int

    @staticmethod
    def resolve_person(obj):
        return obj.owner if obj.subject_kind == "user" else None


class ScorecardFilters(PageParams):
    scheme: int | None = None
    period_start: date | None = None
    status: str = Field("", description="draft, published or locked.")
    kind: str = Field("", description="user or unit.")
    person: int | None = Field(None, description="One person's history.")


class ComputeIn(Schema):
    scheme: int
    day: date = Field(..., description="Any day of the period to evaluate.")
    publish: bool = Field(False, description="Publish the drafts of the period instead.")


class ComputeOut(Schema):
    period_start: date
    period_end: date
    created: int
    recomputed: int
    frozen: int
    published: int


class VersionIn(Schema):
    version: int | None = None


class FeedbackIn(Schema):
    version: int | None = None
    feedback: str


def _card(actor: User, pk: int) -> Scorecard:
    card = selectors.scorecard_detail(actor, pk)
    if card is None:
        raise not_found()
    return card


@router.get(
    "/scorecards",
    response={200: page_of(ScorecardOut), **errors(422)},
    summary="Scorecards I can see (a rep: their own published ones)",
)
def scorecard_list(request, filters: Query[ScorecardFilters]):
    qs = selectors.scorecard_list(
        request.auth,
        scheme=filters.scheme,
        period_start=filters.period_start,
        status=filters.status or None,
        kind=filters.kind or None,
        person=filters.person,
    )
    return paginate(qs, filters)


@router.get(
    "/scorecards/{int:card_id}",
    response={200: ScorecardOut, **errors(404)},
    summary="One scorecard",
)
def scorecard_detail(request, card_id: int):
    return _card(request.auth, card_id)


@router.post(
    "/scorecards/compute",
    response={200: ComputeOut, **errors(403, 404, 422)},
    summary="Compute (or publish) the scorecards of a period in my scope",
)
def scorecards_compute(request, payload: ComputeIn):
    actor = request.auth
    _require_evaluator(actor)
    scheme = selectors.kpi_scheme(payload.scheme)
    if scheme is None:
        raise not_found()
    start, end = periods.bounds(scheme.period_kind, payload.day)
    out = {"period_start": start, "period_end": end, "created": 0, "recomputed": 0, "frozen": 0}
    if payload.publish:
        out["published"] = services.scorecards_publish(actor=actor, scheme=scheme, day=payload.day)
        return out
    result = services.scorecards_compute(
        actor=actor, scheme=scheme, day=payload.day, request=request
    )
    return {
        **out,
        "created": result.created,
        "recomputed": result.recomputed,
        "frozen": result.frozen,
        "published": 0,
    }


def _card_write(request, card_id: int, service, **kwargs):
    actor = request.auth
    _require_evaluator(actor)
    card = _card(actor, card_id)
    service(actor=actor, scorecard=card, request=request, **kwargs)
    return _card(actor, card_id)


@router.post(
    "/scorecards/{int:card_id}/publish",
    response={200: ScorecardOut, **errors(403, 404, 409, 422)},
    summary="Publish a draft scorecard (its figures are frozen)",
)
def scorecard_publish(request, card_id: int, payload: VersionIn):
    return _card_write(
        request, card_id, services.scorecard_publish, expected_version=payload.version
    )


@router.post(
    "/scorecards/{int:card_id}/lock",
    response={200: ScorecardOut, **errors(403, 404, 409, 422)},
    summary="Lock a published scorecard",
)
def scorecard_lock(request, card_id: int, payload: VersionIn):
    return _card_write(request, card_id, services.scorecard_lock, expected_version=payload.version)


@router.patch(
    "/scorecards/{int:card_id}/feedback",
    response={200: ScorecardOut, **errors(403, 404, 409, 422)},
    summary="The manager's feedback (until the scorecard is locked)",
)
def scorecard_feedback(request, card_id: int, payload: FeedbackIn):
    return _card_write(
        request,
        card_id,
        services.scorecard_feedback,
        feedback=payload.feedback,
        expected_version=payload.version,
    )


# ---- leaderboard -----------------------------------------------------------------------------


class BoardRowOut(Schema):
    id: int = Field(..., alias="key")
    name: str = Field(..., alias="label")
    unit: str
    value: Decimal | None
    rank: int | None
    previous_rank: int | None
    movement: int | None
    is_new: bool


class BoardOut(Schema):
    metric: str
    period: str
    kind: str
    label: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    scope: UnitRef | None
    rows: list[BoardRowOut]


class BoardFilters(Schema):
    metric: str = Field("signed_amount", description="A metric key.")
    period: str = Field("month", description="week or month.")
    kind: str = Field("reps", description="reps or teams.")
    day: date | None = Field(None, description="Any day of the period; default today.")


@router.get(
    "/leaderboard",
    response={200: BoardOut, **errors(422)},
    summary="The ranking of my people or teams by a metric, with the movement",
)
def leaderboard(request, filters: Query[BoardFilters]):
    if (
        filters.metric not in METRICS
        or filters.period not in (periods.WEEK, periods.MONTH)
        or filters.kind not in (selectors.REPS, selectors.TEAMS)
    ):
        raise ApiError(422, "validation_error", _("Select a known metric, period and kind."))
    board = selectors.leaderboard(
        request.auth,
        metric=filters.metric,
        period=filters.period,
        day=filters.day or timezone.localdate(),
        kind=filters.kind,
    )
    return {
        "metric": board.metric.key,
        "period": board.period,
        "kind": board.kind,
        "label": board.label,
        "start": board.start,
        "end": board.end,
        "previous_start": board.previous_start,
        "previous_end": board.previous_end,
        "scope": board.root,
        "rows": board.rows,
    }

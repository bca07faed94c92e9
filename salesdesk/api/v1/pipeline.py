"""Sales funnel API (FUN-2, FUN-3): pipelines and stages (read for everyone, write with the
configure permission), opportunities (list, create, detail, update, delete), stage moves, win,
lose, reopen and the stage events of a deal.

Reads go through salesdesk.pipeline.selectors (scoped); writes through salesdesk.pipeline.services.
Answers: out of scope 404; missing function permission 403 (checked first); a stale `version` 409
`conflict`; bad input 422; nothing changes on any of these.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UnitRef, UserRef
from salesdesk.customers.models import Customer
from salesdesk.org.models import FunctionPermission, User
from salesdesk.org.permissions import can_configure
from salesdesk.org.selectors import users_visible
from salesdesk.pipeline import selectors, services
from salesdesk.pipeline.models import Opportunity, Pipeline, Stage

router = Router(tags=["Sales funnel"])


def _require_configure(actor: User) -> None:
    if not can_configure(actor):
        raise forbidden(_("You do not have permission to configure pipelines."))


# --- schemas -----------------------------------------------------------------------------------


class StageOut(Schema):
    id: int
    pipeline_id: int
    name: str
    name_en: str
    display_name: str
    order: int
    probability: int
    stale_days: int | None
    is_won: bool
    is_after_sales: bool
    is_archived: bool


class PipelineOut(Schema):
    id: int
    name: str
    name_en: str
    display_name: str
    product_line_id: int | None
    is_default: bool
    is_archived: bool
    version: int
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj: Pipeline) -> list:
        return sorted(obj.stages.all(), key=lambda s: (s.order, s.id))


class PipelineIn(Schema):
    name: str
    name_en: str = ""
    product_line: int | None = None
    is_default: bool = False


class PipelineUpdateIn(Schema):
    version: int
    name: str | None = None
    name_en: str | None = None
    is_default: bool | None = None
    is_archived: bool | None = None


class StageIn(Schema):
    name: str
    name_en: str = ""
    probability: int = Field(0, ge=0, le=100)
    stale_days: int | None = Field(None, ge=0)
    is_won: bool = False
    is_after_sales: bool = False


class StageUpdateIn(Schema):
    name: str | None = None
    name_en: str | None = None
    probability: int | None = Field(None, ge=0, le=100)
    stale_days: int | None = Field(None, ge=0)
    is_archived: bool | None = Field(None, description="Archive (or restore) the stage.")
    move_to: int | None = Field(
        None, description="Archiving a stage with open deals: move them here."
    )


class StageOrderIn(Schema):
    stage_ids: list[int] = Field(description="Every stage id of the pipeline, in the new order.")


class Ref(Schema):
    id: int
    name: str


class StageRef(Schema):
    id: int
    display_name: str
    probability: int


class LineItemOut(Schema):
    product_id: int
    quantity: Decimal
    unit_price: Decimal


class LineItemIn(Schema):
    product: int
    quantity: Decimal = Field(Decimal("1"), gt=0)
    unit_price: Decimal | None = Field(None, ge=0, description="Default: the product's list price.")


class OpportunityOut(Schema):
    id: int
    title: str
    customer: Ref
    contact_id: int | None
    pipeline_id: int
    stage: StageRef
    status: str
    amount: Decimal
    expected_close_date: date | None
    product_line_id: int | None
    competitors: str
    channel_id: int | None
    partner_id: int | None
    next_step: str
    next_activity_at: datetime | None
    reason_id: int | None
    reason_note: str
    closed_at: datetime | None
    stage_entered_at: datetime
    owner: UserRef
    org_unit: UnitRef
    version: int
    created_at: datetime
    updated_at: datetime


class OpportunityDetailOut(OpportunityOut):
    products: list[LineItemOut]

    @staticmethod
    def resolve_products(obj: Opportunity) -> list:
        return list(obj.line_items.all())


class OpportunityFilters(PageParams):
    view: str = Field("all", description="mine, subordinates or all.")
    pipeline: int | None = None
    stage: int | None = None
    owner: int | None = None
    unit: int | None = Field(None, description="This org unit and its sub-units.")
    product_line: int | None = None
    close_month: str | None = Field(None, description="YYYY-MM: expected close in this month.")
    status: str | None = Field(None, description="open, won or lost.")
    q: str | None = Field(None, description="Title or customer name contains.")
    sort: str = Field(
        selectors.DEFAULT_SORT,
        description="created, amount, title or stage_entered; a leading '-' sorts descending.",
    )


class OpportunityCreateIn(Schema):
    customer: int
    title: str
    pipeline: int | None = Field(None, description="Default: the default pipeline.")
    stage: int | None = Field(None, description="Default: the pipeline's first stage.")
    owner: int | None = Field(None, description="Default: you.")
    contact: int | None = None
    amount: Decimal | None = Field(None, ge=0, description="Default: the sum of the products.")
    expected_close_date: date | None = None
    product_line: int | None = None
    competitors: str = ""
    channel: int | None = None
    partner: int | None = None
    next_step: str = ""
    next_activity_at: datetime | None = None
    products: list[LineItemIn] = []


class OpportunityUpdateIn(Schema):
    version: int = Field(description="The version you read; a stale one answers 409.")
    title: str | None = None
    contact: int | None = None
    amount: Decimal | None = Field(None, ge=0)
    expected_close_date: date | None = None
    product_line: int | None = None
    competitors: str | None = None
    channel: int | None = None
    partner: int | None = None
    next_step: str | None = None
    next_activity_at: datetime | None = None
    products: list[LineItemIn] | None = Field(None, description="Replaces the product lines.")


class MoveIn(Schema):
    version: int
    stage: int
    reason: int | None = Field(None, description="Moving into the won stage: the won reason.")
    reason_note: str = Field("", max_length=300)


class CloseIn(Schema):
    version: int
    reason: int | None = None
    reason_note: str = Field("", max_length=300)


class ReopenIn(Schema):
    version: int
    stage: int | None = None


class StageEventOut(Schema):
    id: int
    kind: str
    from_stage_id: int | None
    to_stage_id: int | None
    at: datetime
    actor_id: int | None
    seconds_in_stage: int | None
    cycle_seconds: int | None


_NULLABLE = {
    "contact",
    "expected_close_date",
    "product_line",
    "channel",
    "partner",
    "next_activity_at",
}


def _opportunity(actor: User, pk: int) -> Opportunity:
    return selectors.opportunity_detail(actor, pk)


def _products(items) -> list[dict]:
    return [i if isinstance(i, dict) else i.dict() for i in items]


# --- pipelines and stages ----------------------------------------------------------------------


@router.get("/pipelines", response={200: list[PipelineOut], **errors()}, summary="Pipelines")
def pipeline_list(request):
    return list(Pipeline.objects.prefetch_related("stages").order_by("sort_order", "id"))


@router.get(
    "/pipelines/{int:pipeline_id}",
    response={200: PipelineOut, **errors(404)},
    summary="One pipeline with its stages",
)
def pipeline_detail(request, pipeline_id: int):
    pipeline = Pipeline.objects.prefetch_related("stages").filter(pk=pipeline_id).first()
    if pipeline is None:
        raise not_found()
    return pipeline


@router.post(
    "/pipelines",
    response={201: PipelineOut, **errors(403, 422)},
    summary="Create a pipeline (configure permission)",
)
def pipeline_create(request, payload: PipelineIn):
    actor = request.auth
    _require_configure(actor)
    pipeline = services.pipeline_create(actor=actor, **payload.dict())
    return Status(201, Pipeline.objects.prefetch_related("stages").get(pk=pipeline.pk))


@router.patch(
    "/pipelines/{int:pipeline_id}",
    response={200: PipelineOut, **errors(403, 404, 409, 422)},
    summary="Rename, make default, archive or restore a pipeline",
)
def pipeline_update(request, pipeline_id: int, payload: PipelineUpdateIn):
    actor = request.auth
    _require_configure(actor)
    pipeline = Pipeline.objects.filter(pk=pipeline_id).first()
    if pipeline is None:
        raise not_found()
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    archived = changes.pop("is_archived", None)
    if changes or archived is None:
        pipeline = services.pipeline_update(
            actor=actor, pipeline=pipeline, expected_version=version, **changes
        )
    if archived is not None and archived != pipeline.is_archived:
        services.pipeline_archive(actor=actor, pipeline=pipeline, archived=archived)
    return Pipeline.objects.prefetch_related("stages").get(pk=pipeline_id)


@router.post(
    "/pipelines/{int:pipeline_id}/stages",
    response={201: StageOut, **errors(403, 404, 422)},
    summary="Add a stage (configure permission)",
)
def stage_create(request, pipeline_id: int, payload: StageIn):
    actor = request.auth
    _require_configure(actor)
    pipeline = Pipeline.objects.filter(pk=pipeline_id).first()
    if pipeline is None:
        raise not_found()
    return Status(201, services.stage_create(actor=actor, pipeline=pipeline, **payload.dict()))


@router.put(
    "/pipelines/{int:pipeline_id}/stage-order",
    response={200: list[StageOut], **errors(403, 404, 422)},
    summary="Reorder the stages of a pipeline",
)
def stage_reorder(request, pipeline_id: int, payload: StageOrderIn):
    actor = request.auth
    _require_configure(actor)
    pipeline = Pipeline.objects.filter(pk=pipeline_id).first()
    if pipeline is None:
        raise not_found()
    return services.stage_reorder(actor=actor, pipeline=pipeline, stage_ids=payload.stage_ids)


@router.patch(
    "/stages/{int:stage_id}",
    response={200: StageOut, **errors(403, 404, 422)},
    summary="Rename a stage, change its probability or threshold, archive or restore it",
)
def stage_update(request, stage_id: int, payload: StageUpdateIn):
    actor = request.auth
    _require_configure(actor)
    stage = Stage.objects.filter(pk=stage_id).first()
    if stage is None:
        raise not_found()
    changes = payload.dict(exclude_unset=True)
    archived = changes.pop("is_archived", None)
    move_to = changes.pop("move_to", None)
    if changes:
        stage = services.stage_update(actor=actor, stage=stage, **changes)
    if archived is not None:
        target = Stage.objects.filter(pk=move_to).first() if move_to else None
        stage = services.stage_archive(actor=actor, stage=stage, move_to=target, archived=archived)
    return Stage.objects.get(pk=stage_id)


@router.delete(
    "/stages/{int:stage_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Delete a stage that never held a deal",
)
def stage_delete(request, stage_id: int):
    actor = request.auth
    _require_configure(actor)
    stage = Stage.objects.filter(pk=stage_id).first()
    if stage is None:
        raise not_found()
    services.stage_delete(actor=actor, stage=stage)
    return Status(204, None)


# --- opportunities -----------------------------------------------------------------------------


@router.get(
    "/opportunities",
    response={200: page_of(OpportunityOut), **errors(422)},
    summary="Opportunities I can see (views, filters, sort)",
)
def opportunity_list(request, filters: Query[OpportunityFilters]):
    actor = request.auth
    data = filters.dict()
    if data["view"] not in selectors.VIEWS:
        raise ValidationError({"view": _("Select a valid choice.")})
    chosen = {k: data[k] for k in selectors.FILTER_KEYS if data.get(k) not in (None, "")}
    qs = selectors.opportunity_list(actor, view=data["view"], filters=chosen, sort=data["sort"])
    return paginate(qs, filters)


@router.post(
    "/opportunities",
    response={201: OpportunityDetailOut, **errors(403, 422)},
    summary="Create an opportunity",
)
def opportunity_create(request, payload: OpportunityCreateIn):
    actor = request.auth
    data = payload.dict()
    customer = Customer.objects.visible_to(actor).filter(pk=data.pop("customer")).first()
    if customer is None:
        raise ValidationError({"customer": _("Select a valid customer.")})
    pipeline_id, stage_id, owner_id = data.pop("pipeline"), data.pop("stage"), data.pop("owner")
    pipeline = Pipeline.objects.filter(pk=pipeline_id).first() if pipeline_id else None
    if pipeline_id and pipeline is None:
        raise ValidationError({"pipeline": _("Select a valid pipeline.")})
    stage = Stage.objects.filter(pk=stage_id).first() if stage_id else None
    if stage_id and stage is None:
        raise ValidationError({"stage": _("Select a stage of this pipeline.")})
    owner = None
    if owner_id is not None:
        owner = users_visible(actor).filter(pk=owner_id).first()
        if owner is None:
            raise ValidationError({"owner": _("Select a valid user.")})
    products = _products(data.pop("products"))
    opp = services.opportunity_create(
        actor=actor,
        customer=customer,
        pipeline=pipeline,
        stage=stage,
        owner=owner,
        products=products,
        request=request,
        **data,
    )
    return Status(201, _opportunity(actor, opp.pk))


@router.get(
    "/opportunities/{int:opportunity_id}",
    response={200: OpportunityDetailOut, **errors(404)},
    summary="One opportunity with its products",
)
def opportunity_detail(request, opportunity_id: int):
    return _opportunity(request.auth, opportunity_id)


@router.patch(
    "/opportunities/{int:opportunity_id}",
    response={200: OpportunityDetailOut, **errors(403, 404, 409, 422)},
    summary="Edit an opportunity (409 conflict on a stale version)",
)
def opportunity_update(request, opportunity_id: int, payload: OpportunityUpdateIn):
    actor = request.auth
    opp = _opportunity(actor, opportunity_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    products = changes.pop("products", None)
    for field, value in list(changes.items()):
        if value is None and field not in _NULLABLE:
            raise ValidationError({field: _("This field cannot be empty.")})
    services.opportunity_update(
        actor=actor,
        opportunity=opp,
        expected_version=version,
        products=_products(products) if products is not None else None,
        request=request,
        **changes,
    )
    return _opportunity(actor, opportunity_id)


@router.delete(
    "/opportunities/{int:opportunity_id}",
    response={204: None, **errors(403, 404)},
    summary="Move an opportunity to the recycle bin",
)
def opportunity_delete(request, opportunity_id: int):
    actor = request.auth
    if not actor.has_function(FunctionPermission.DELETE):
        raise forbidden(_("You do not have permission to delete records."))
    opp = _opportunity(actor, opportunity_id)
    services.opportunity_delete(actor=actor, opportunity=opp, request=request)
    return Status(204, None)


@router.post(
    "/opportunities/{int:opportunity_id}/move",
    response={200: OpportunityDetailOut, **errors(403, 404, 409, 422)},
    summary="Move a deal to another stage (into the won stage: a win)",
)
def opportunity_move(request, opportunity_id: int, payload: MoveIn):
    actor = request.auth
    opp = _opportunity(actor, opportunity_id)
    services.opportunity_move_stage(
        opportunity=opp,
        stage=payload.stage,
        actor=actor,
        expected_version=payload.version,
        reason=payload.reason,
        reason_note=payload.reason_note,
        request=request,
    )
    return _opportunity(actor, opportunity_id)


@router.post(
    "/opportunities/{int:opportunity_id}/win",
    response={200: OpportunityDetailOut, **errors(403, 404, 409, 422)},
    summary="Mark a deal won",
)
def opportunity_win(request, opportunity_id: int, payload: CloseIn):
    actor = request.auth
    opp = _opportunity(actor, opportunity_id)
    services.opportunity_win(
        actor=actor,
        opportunity=opp,
        expected_version=payload.version,
        reason=payload.reason,
        reason_note=payload.reason_note,
        request=request,
    )
    return _opportunity(actor, opportunity_id)


@router.post(
    "/opportunities/{int:opportunity_id}/lose",
    response={200: OpportunityDetailOut, **errors(403, 404, 409, 422)},
    summary="Mark a deal lost",
)
def opportunity_lose(request, opportunity_id: int, payload: CloseIn):
    actor = request.auth
    opp = _opportunity(actor, opportunity_id)
    services.opportunity_lose(
        actor=actor,
        opportunity=opp,
        expected_version=payload.version,
        reason=payload.reason,
        reason_note=payload.reason_note,
        request=request,
    )
    return _opportunity(actor, opportunity_id)


@router.post(
    "/opportunities/{int:opportunity_id}/reopen",
    response={200: OpportunityDetailOut, **errors(403, 404, 409, 422)},
    summary="Reopen a won or lost deal",
)
def opportunity_reopen(request, opportunity_id: int, payload: ReopenIn):
    actor = request.auth
    opp = _opportunity(actor, opportunity_id)
    services.opportunity_reopen(
        actor=actor,
        opportunity=opp,
        expected_version=payload.version,
        stage=payload.stage,
        request=request,
    )
    return _opportunity(actor, opportunity_id)


@router.get(
    "/opportunities/{int:opportunity_id}/stage-events",
    response={200: list[StageEventOut], **errors(404)},
    summary="The stage history of a deal, oldest first",
)
def opportunity_stage_events(request, opportunity_id: int):
    opp = _opportunity(request.auth, opportunity_id)
    return list(opp.stage_events.order_by("at", "id"))


# --- analysis: funnel and time metrics (FUN-5) ---------------------------------------------------


class PeriodParams(Schema):
    date_from: date | None = Field(None, description="First day (its month counts whole).")
    date_to: date | None = Field(None, description="Last day (its month counts whole).")


class FunnelStageOut(Schema):
    stage_id: int
    stage: str
    open_count: int
    open_amount: Decimal
    entered: int
    conversion: float | None = Field(description="% of this stage's entries reaching the next")


class FigureOut(Schema):
    count: int = Field(description="Durations behind the figure")
    mean_days: float | None
    median_days: float | None = Field(description="Median of the durations in whole days")
    above_company_mean: bool = False


class TimeRowOut(Schema):
    id: int = Field(description="User id (reps), unit id (teams), 0 (company)")
    name: str
    stages: dict[int, FigureOut] = Field(description="Time in stage, by stage id")
    lead_conversion: FigureOut
    sales_cycle: FigureOut
    total_sales_time: FigureOut


class TimeMetricsOut(Schema):
    pipeline_id: int
    company: TimeRowOut
    reps: list[TimeRowOut]
    teams: list[TimeRowOut]


class DurationOut(Schema):
    event_id: int
    opportunity_id: int
    title: str
    customer_id: int
    owner: UserRef
    org_unit_id: int
    kind: str
    from_stage_id: int | None
    to_stage_id: int | None
    at: datetime
    seconds: int
    days: float


class DurationFilters(PageParams, PeriodParams):
    metric: str = Field(description="stage, lead, cycle or total")
    stage: int | None = Field(None, description="Stage id (required for metric=stage)")
    owner: int | None = Field(None, description="Rep (user id)")
    unit: int | None = Field(None, description="Team (org unit id)")


def _pipeline_or_404(pipeline_id: int) -> Pipeline:
    pipeline = Pipeline.objects.filter(pk=pipeline_id).first()
    if pipeline is None:
        raise not_found()
    return pipeline


@router.get(
    "/pipelines/{int:pipeline_id}/funnel",
    response={200: list[FunnelStageOut], **errors(404)},
    summary="Funnel: open deals and amount per stage, entries and conversion in the period",
)
def pipeline_funnel(request, pipeline_id: int, filters: Query[PeriodParams]):
    from salesdesk.pipeline.metrics import funnel

    rows = funnel(
        request.auth,
        _pipeline_or_404(pipeline_id),
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return [
        {
            "stage_id": r.stage.pk,
            "stage": r.stage.display_name,
            "open_count": r.open_count,
            "open_amount": r.open_amount,
            "entered": r.entered,
            "conversion": r.conversion,
        }
        for r in rows
    ]


def _figure(figure, above: bool = False) -> dict:
    if figure is None:
        return {"count": 0, "mean_days": None, "median_days": None}
    return {
        "count": figure.count,
        "mean_days": figure.days,
        "median_days": figure.median,
        "above_company_mean": above,
    }


def _time_row(row) -> dict:
    return {
        "id": row.key,
        "name": row.name,
        "stages": {
            stage_id: _figure(cell, row.above.get(stage_id, False))
            for stage_id, cell in row.cells.items()
            if cell.count
        },
        "lead_conversion": _figure(row.deal.get("lead"), row.deal_above.get("lead", False)),
        "sales_cycle": _figure(row.deal.get("cycle"), row.deal_above.get("cycle", False)),
        "total_sales_time": _figure(row.deal.get("total"), row.deal_above.get("total", False)),
    }


@router.get(
    "/pipelines/{int:pipeline_id}/time-metrics",
    response={200: TimeMetricsOut, **errors(404)},
    summary="Time metrics: mean and median per stage, lead conversion, cycle and total time",
)
def pipeline_time_metrics(request, pipeline_id: int, filters: Query[PeriodParams]):
    from salesdesk.pipeline.metrics import time_metrics

    pipeline = _pipeline_or_404(pipeline_id)
    metrics = time_metrics(
        request.auth, pipeline, date_from=filters.date_from, date_to=filters.date_to
    )
    company = _time_row(metrics.company)
    company["name"] = _("Company")
    return {
        "pipeline_id": pipeline.pk,
        "company": company,
        "reps": [_time_row(r) for r in metrics.reps],
        "teams": [_time_row(r) for r in metrics.teams],
    }


@router.get(
    "/pipelines/{int:pipeline_id}/time-metrics/deals",
    response={200: page_of(DurationOut), **errors(404, 422)},
    summary="The durations behind one time-metric figure, longest first",
)
def pipeline_time_metric_deals(request, pipeline_id: int, filters: Query[DurationFilters]):
    from salesdesk.pipeline.metrics import Metric, deals_behind

    pipeline = _pipeline_or_404(pipeline_id)
    if filters.metric not in Metric.values:
        raise ValidationError({"metric": [_("Select a valid choice.")]})
    stage = None
    if filters.stage is not None:
        stage = Stage.objects.filter(pk=filters.stage, pipeline=pipeline).first()
        if stage is None:
            raise ValidationError({"stage": [_("Select a stage of this pipeline.")]})
    if filters.metric == Metric.STAGE and stage is None:
        raise ValidationError({"stage": [_("Select a stage of this pipeline.")]})
    qs = deals_behind(
        request.auth,
        pipeline,
        metric=filters.metric,
        stage=stage,
        owner_id=filters.owner,
        unit_id=filters.unit,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    page = paginate(qs, filters)
    page["items"] = [
        {
            "event_id": e.pk,
            "opportunity_id": e.opportunity_id,
            "title": e.opportunity.title,
            "customer_id": e.opportunity.customer_id,
            "owner": e.owner,
            "org_unit_id": e.org_unit_id,
            "kind": e.kind,
            "from_stage_id": e.from_stage_id,
            "to_stage_id": e.to_stage_id,
            "at": e.at,
            "seconds": e.duration,
            "days": round(e.duration / 86400, 1),
        }
        for e in page["items"]
    ]
    return page

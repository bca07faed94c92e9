"""Segments API (CUS-3): saved segments, their persona and their customers.

- GET/POST /segments; GET/PATCH/DELETE /segments/{id}; GET /segments/{id}/persona (the numbers of
  the persona page); GET /segments/{id}/customers (paginated).
- A segment the caller cannot open (someone else's private one, or deleted): 404. Changing a
  segment one may open but did not write (a shared one): 403. A stale `version`: 409. Bad
  criteria: 422 with one message per criteria key. Nothing changes on any of these.
- Every count is within the caller's data scope (`visible_to`): the same shared segment shows a
  rep only the rep's customers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UserRef
from salesdesk.api.v1.customers import CustomerOut
from salesdesk.customers.segments import selectors, services
from salesdesk.customers.segments.criteria import ALL_KEYS
from salesdesk.customers.segments.models import Segment
from salesdesk.org.models import User

router = Router(tags=["Segments"])

CRITERIA_HELP = (
    "Criteria object; every key optional: "
    + ", ".join(ALL_KEYS)
    + ". Lists hold choice values (levels A–D, industries, …), names (provinces, cities, "
    "regions) or tag ids (tags_any, tags_all); *_min/*_max are inclusive bounds; *_days are "
    "1–3650; rfm_*_min 1–5. Unknown keys are refused."
)


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    visibility: str
    criteria: dict[str, Any]
    owner: UserRef
    version: int
    created_at: datetime
    updated_at: datetime


class SegmentFilters(PageParams):
    q: str | None = Field(None, description="Name or description contains.")
    mine: bool = Field(False, description="Only the segments I wrote.")
    sort: str = Field("name", description="name or updated; a leading '-' sorts descending.")


class SegmentCreateIn(Schema):
    name: str
    description: str = ""
    visibility: str = Field("private", description="private or shared.")
    criteria: dict[str, Any] = Field({}, description=CRITERIA_HELP)


class SegmentUpdateIn(Schema):
    version: int = Field(description="The version you read; a stale one answers 409.")
    name: str | None = None
    description: str | None = None
    visibility: str | None = None
    criteria: dict[str, Any] | None = Field(None, description=CRITERIA_HELP)


class BarOut(Schema):
    key: str
    label: str
    count: int
    share: float = Field(description="Percent of the segment.")


class DistributionOut(Schema):
    key: str
    label: str
    bars: list[BarOut]


class TagBarOut(BarOut):
    category: str


class NeedOut(Schema):
    customer_id: int
    customer_name: str
    needs: str


class ScoreOut(Schema):
    score: int
    count: int
    share: float


class RfmOut(Schema):
    r: list[ScoreOut]
    f: list[ScoreOut]
    m: list[ScoreOut]
    grid: list[list[int]] = Field(description="[R score, F score, customers] cells.")


class TypicalPartOut(Schema):
    field: str
    field_label: str
    key: str
    label: str
    share: float


class TypicalOut(Schema):
    parts: list[TypicalPartOut]
    sentence: str


class PersonaOut(Schema):
    size: int
    total_customers: int = Field(description="Customers you can see.")
    size_share: float
    value: Decimal
    total_value: Decimal
    value_share: float
    avg_value: Decimal
    median_value: Decimal
    avg_count: float
    buyers: int
    distributions: list[DistributionOut]
    tags: list[TagBarOut]
    need_tags: list[TagBarOut]
    needs: list[NeedOut]
    rfm: RfmOut
    typical: TypicalOut


class SegmentCustomerParams(PageParams):
    sort: str = Field("-created_at", description="As for /customers: name, purchase_value …")


def _visible(actor: User, pk: int) -> Segment:
    segment = selectors.segments_visible(actor).filter(pk=pk).first()
    if segment is None:
        raise not_found()
    return segment


def _manageable(actor: User, pk: int) -> Segment:
    segment = _visible(actor, pk)
    if not selectors.can_manage(actor, segment):
        raise forbidden(_("Only the segment's author may change it."))
    return segment


@router.get(
    "/segments",
    response={200: page_of(SegmentOut), **errors(422)},
    summary="Segments I can open (mine and shared ones)",
)
def segment_list(request, filters: Query[SegmentFilters]):
    if filters.sort not in selectors.SORTS:
        raise ValidationError({"sort": _("Select a valid choice.")})
    qs = selectors.segment_list(
        request.auth, q=filters.q or "", mine=filters.mine, sort=filters.sort
    )
    return paginate(qs, filters)


@router.post(
    "/segments", response={201: SegmentOut, **errors(403, 422)}, summary="Create a segment"
)
def segment_create(request, payload: SegmentCreateIn):
    actor = request.auth
    segment = services.segment_create(actor=actor, request=request, **payload.dict())
    return Status(201, _visible(actor, segment.pk))


@router.get(
    "/segments/{int:segment_id}", response={200: SegmentOut, **errors(404)}, summary="A segment"
)
def segment_detail(request, segment_id: int):
    return _visible(request.auth, segment_id)


@router.patch(
    "/segments/{int:segment_id}",
    response={200: SegmentOut, **errors(403, 404, 409, 422)},
    summary="Edit a segment (its author; 409 on a stale version)",
)
def segment_update(request, segment_id: int, payload: SegmentUpdateIn):
    actor = request.auth
    segment = _manageable(actor, segment_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    for field, value in list(changes.items()):
        if value is None:
            raise ValidationError({field: _("This field cannot be empty.")})
    services.segment_update(
        actor=actor, segment=segment, expected_version=version, request=request, **changes
    )
    return _visible(actor, segment_id)


@router.delete(
    "/segments/{int:segment_id}",
    response={204: None, **errors(403, 404)},
    summary="Move a segment to the recycle bin (its author)",
)
def segment_delete(request, segment_id: int):
    actor = request.auth
    segment = _manageable(actor, segment_id)
    services.segment_delete(actor=actor, segment=segment, request=request)
    return Status(204, None)


@router.get(
    "/segments/{int:segment_id}/persona",
    response={200: PersonaOut, **errors(404)},
    summary="The persona of a segment: size, value share, distributions, typical profile",
)
def segment_persona(request, segment_id: int):
    actor = request.auth
    segment = _visible(actor, segment_id)
    return selectors.persona(actor, segment.criteria)


@router.get(
    "/segments/{int:segment_id}/customers",
    response={200: page_of(CustomerOut), **errors(404, 422)},
    summary="The customers of a segment that I can see",
)
def segment_customer_list(request, segment_id: int, params: Query[SegmentCustomerParams]):
    from salesdesk.customers import selectors as customer_selectors

    actor = request.auth
    segment = _visible(actor, segment_id)
    order = customer_selectors.SORTS.get(params.sort)
    if order is None:
        raise ValidationError({"sort": _("Select a valid choice.")})
    qs = (
        selectors.segment_customers(actor, segment.criteria)
        .select_related("owner", "org_unit")
        .prefetch_related("tags")
        .order_by(*order)
    )
    return paginate(qs, params)

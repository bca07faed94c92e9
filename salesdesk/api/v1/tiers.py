"""Sales tiers API (ORG-4): tier definitions, memberships (who is in which tier when) and the
monthly tier review with its proposals.

Transport only: reads through salesdesk.tiers.selectors (scoped by salesdesk.org.scoping), writes
through salesdesk.tiers.services, exactly as the web pages. Answers: tier writes without the
configure permission 403; assignments, reviews and decisions without the "evaluate" permission
403 (checked before any record is looked up); a person or proposal out of scope 404; a stale
`version` 409; bad input 422; nothing changes on any of these.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UserRef
from salesdesk.org.models import User
from salesdesk.org.permissions import can_configure, can_evaluate
from salesdesk.tiers import selectors, services
from salesdesk.tiers.models import ProposalStatus, Tier

router = Router(tags=["Sales tiers"])


def _require_configure(actor: User) -> None:
    if not can_configure(actor):
        raise forbidden(_("You do not have permission to change sales tiers."))


def _require_evaluator(actor: User) -> None:
    if not can_evaluate(actor):
        raise forbidden(_("You do not have permission to assign sales tiers."))


# ---- tiers -----------------------------------------------------------------------------------


class Criterion(Schema):
    metric: str = Field(..., description="A metric key, e.g. signed_amount.")
    window_months: int = Field(..., description="Trailing months up to the reviewed month's end.")
    min: Decimal = Field(..., description="The lowest figure that meets the criterion.")


class TierOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    rank: int
    criteria: list[Criterion]
    customer_quota: int
    target_multiplier: Decimal
    commission_rate: Decimal
    is_active: bool
    version: int


class TierIn(Schema):
    code: str
    name: str
    name_en: str = ""
    rank: int
    criteria: list[Criterion] = []
    customer_quota: int = Field(0, description="Customers a person may own; 0: no limit.")
    target_multiplier: Decimal = Decimal(1)
    commission_rate: Decimal = Field(Decimal(0), description="Percent.")
    is_active: bool = True


class TierUpdateIn(Schema):
    version: int
    code: str | None = None
    name: str | None = None
    name_en: str | None = None
    rank: int | None = None
    criteria: list[Criterion] | None = None
    customer_quota: int | None = None
    target_multiplier: Decimal | None = None
    commission_rate: Decimal | None = None
    is_active: bool | None = None


def _tier(pk: int) -> Tier:
    tier = selectors.tier_detail(pk)
    if tier is None:
        raise not_found()
    return tier


def _tier_fields(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("criteria") is not None:
        data["criteria"] = [{**c, "min": str(c["min"])} for c in data["criteria"]]
    return {k: v for k, v in data.items() if v is not None}


@router.get("/tiers", response={200: list[TierOut], **errors()}, summary="Sales tiers")
def tier_list(request):
    return list(selectors.tier_list())


@router.post(
    "/tiers",
    response={201: TierOut, **errors(403, 422)},
    summary="Create a sales tier (needs the configure permission)",
)
def tier_create(request, payload: TierIn):
    actor = request.auth
    _require_configure(actor)
    tier = services.tier_create(actor=actor, request=request, **_tier_fields(payload.dict()))
    return Status(201, _tier(tier.pk))


@router.get("/tiers/{int:tier_id}", response={200: TierOut, **errors(404)}, summary="One tier")
def tier_detail(request, tier_id: int):
    return _tier(tier_id)


@router.patch(
    "/tiers/{int:tier_id}",
    response={200: TierOut, **errors(403, 404, 409, 422)},
    summary="Change a sales tier (optimistic locking on version)",
)
def tier_update(request, tier_id: int, payload: TierUpdateIn):
    actor = request.auth
    _require_configure(actor)
    tier = _tier(tier_id)
    data = _tier_fields(payload.dict(exclude_unset=True))
    version = data.pop("version")
    services.tier_update(actor=actor, tier=tier, expected_version=version, request=request, **data)
    return _tier(tier_id)


@router.delete(
    "/tiers/{int:tier_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a sales tier to the recycle bin (refused while people are in it)",
)
def tier_delete(request, tier_id: int):
    actor = request.auth
    _require_configure(actor)
    services.tier_delete(actor=actor, tier=_tier(tier_id), request=request)
    return Status(204, None)


# ---- memberships -----------------------------------------------------------------------------


class TierRef(Schema):
    id: int
    code: str
    name: str


class MembershipOut(Schema):
    id: int
    user: UserRef
    tier: TierRef
    valid_from: date
    valid_to: date | None = Field(None, description="Exclusive; null while current.")
    note: str
    created_by: UserRef | None


class MembershipFilters(PageParams):
    user: int | None = Field(None, description="One person's history.")
    current: bool = Field(False, description="Only the current memberships.")


class AssignIn(Schema):
    user: int
    tier: int
    valid_from: date
    note: str = ""


@router.get(
    "/tier-memberships",
    response={200: page_of(MembershipOut), **errors(422)},
    summary="Tier memberships of the people I can see (history included)",
)
def tier_membership_list(request, filters: Query[MembershipFilters]):
    qs = selectors.memberships(request.auth, user_id=filters.user, current_only=filters.current)
    return paginate(qs.order_by("user_id", "-valid_from", "id"), filters)


@router.post(
    "/tier-memberships",
    response={201: MembershipOut, **errors(403, 404, 422)},
    summary="Put a person in a tier from a day (closes their current tier that day)",
)
def tier_membership_create(request, payload: AssignIn):
    actor = request.auth
    _require_evaluator(actor)
    person = selectors.people_in_scope(actor).filter(pk=payload.user).first()
    if person is None:
        raise not_found()
    tier = selectors.tier_detail(payload.tier)
    if tier is None:
        raise ValidationError({"tier": [_("Select an active tier.")]})
    membership = services.tier_assign(
        actor=actor,
        user=person,
        tier=tier,
        valid_from=payload.valid_from,
        note=payload.note,
        request=request,
    )
    return Status(201, membership)


# ---- reviews ---------------------------------------------------------------------------------


class ReviewOut(Schema):
    id: int
    period_start: date
    period_end: date
    effective_from: date
    computed_at: datetime


class ReasonOut(Schema):
    tier: str
    metric: str
    window_months: int
    actual: Decimal | None
    min: Decimal
    met: bool


class ProposalOut(Schema):
    id: int
    review: int = Field(..., alias="review_id")
    user: UserRef
    current_tier: TierRef | None
    proposed_tier: TierRef
    direction: str
    reasons: list[ReasonOut]
    status: str
    decided_by: UserRef | None
    decided_at: datetime | None


class ComputeIn(Schema):
    day: date = Field(..., description="Any day of the month to review.")


class ComputeOut(Schema):
    review: ReviewOut
    created: int
    refreshed: int
    withdrawn: int
    kept: int


class ProposalFilters(PageParams):
    status: str = Field("", description="proposed, confirmed or rejected.")


class DecideIn(Schema):
    proposals: list[int] = Field(..., description="Proposal ids; all or nothing.")


class DecideOut(Schema):
    decided: int


def _review(pk: int):
    review = selectors.review_detail(pk)
    if review is None:
        raise not_found()
    return review


@router.get(
    "/tier-reviews",
    response={200: page_of(ReviewOut), **errors(403, 422)},
    summary="Tier reviews (evaluators)",
)
def tier_review_list(request, filters: Query[PageParams]):
    _require_evaluator(request.auth)
    return paginate(selectors.reviews(), filters)


@router.post(
    "/tier-reviews/compute",
    response={200: ComputeOut, **errors(403, 422)},
    summary="Compute (or recompute, idempotent) the tier review of a month",
)
def tier_review_compute(request, payload: ComputeIn):
    actor = request.auth
    _require_evaluator(actor)
    result = services.review_compute(actor=actor, day=payload.day, request=request)
    return {
        "review": result.review,
        "created": result.created,
        "refreshed": result.refreshed,
        "withdrawn": result.withdrawn,
        "kept": result.kept,
    }


@router.get(
    "/tier-reviews/{int:review_id}/proposals",
    response={200: page_of(ProposalOut), **errors(403, 404, 422)},
    summary="The proposals of a review for the people in my scope",
)
def tier_proposal_list(request, review_id: int, filters: Query[ProposalFilters]):
    actor = request.auth
    _require_evaluator(actor)
    review = _review(review_id)
    status = filters.status if filters.status in ProposalStatus.values else None
    return paginate(selectors.proposals(actor, review=review, status=status), filters)


def _decide(request, payload: DecideIn, service) -> dict:
    actor = request.auth
    _require_evaluator(actor)
    return {"decided": service(actor=actor, proposal_ids=payload.proposals, request=request)}


@router.post(
    "/tier-proposals/confirm",
    response={200: DecideOut, **errors(403, 404, 422)},
    summary="Confirm proposals: each person gets the proposed tier from the review's effect date",
)
def tier_proposals_confirm(request, payload: DecideIn):
    return _decide(request, payload, services.proposals_confirm)


@router.post(
    "/tier-proposals/reject",
    response={200: DecideOut, **errors(403, 404, 422)},
    summary="Reject proposals (who and when are recorded)",
)
def tier_proposals_reject(request, payload: DecideIn):
    return _decide(request, payload, services.proposals_reject)

"""Handover (CUS-7) and merge (CUS-5) API. Transport only: salesdesk.customers.handover.

- GET /handovers, GET /handovers/{id}: the handovers the caller may see (transfer permission;
  their own and those of reps in their scope); others get an empty list / 404.
- POST /handovers/preview: who would get how many customers, without changing anything.
- POST /handovers: hand over all or selected customers of a rep to one or several reps.
- POST /customers/{id}/merge: fold the duplicate `source` into customer {id}.
A missing permission answers 403 before anything is looked up; bad input 422; nothing changes.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UserRef
from salesdesk.customers.handover import selectors, services
from salesdesk.customers.handover.models import Handover
from salesdesk.customers.models import Customer
from salesdesk.org.models import FunctionPermission, User
from salesdesk.org.selectors import users_visible

router = Router(tags=["Handover and merge"])


def _require_transfer(actor: User) -> None:
    if not actor.has_function(FunctionPermission.TRANSFER):
        raise forbidden(_("You do not have permission to transfer customers."))


def _user(actor: User, pk: int, field: str) -> User:
    user = users_visible(actor).filter(pk=pk).first()
    if user is None:
        raise ValidationError({field: [_("Select a valid user.")]})
    return user


class CustomerRef(Schema):
    id: int
    name: str


class HandoverOut(Schema):
    id: int
    created_at: datetime
    actor: UserRef
    from_user: UserRef
    source: str
    strategy: str
    reason: str
    note: str
    customer_count: int
    receivers: dict[str, int]
    moved: dict[str, int]


class HandoverItemOut(Schema):
    customer: CustomerRef | None = Field(
        None, description="Empty when the customer is no longer in your scope."
    )
    from_user: UserRef
    to_user: UserRef
    moved: dict[str, int]


class HandoverDetailOut(HandoverOut):
    items: list[HandoverItemOut]


class HandoverFilter(PageParams):
    source: str | None = Field(None, description="handover or transfer")
    from_user: int | None = None


class HandoverIn(Schema):
    from_user: int
    to_users: list[int] = Field(..., min_length=1, max_length=services.MAX_TARGETS)
    customer_ids: list[int] | None = Field(
        None, description="The customers to hand over; omit for all of the rep's customers."
    )
    strategy: str = Field("one", description="one (all to one rep) or even (balanced)")
    reason: str = Field("", max_length=services.REASON_MAX)
    note: str = ""


class ReceiverOut(Schema):
    user: UserRef
    current: int
    receives: int
    after: int


class AttachmentCountOut(Schema):
    key: str
    label: str
    count: int


class HandoverPreviewOut(Schema):
    customer_count: int
    receivers: list[ReceiverOut]
    attachments: list[AttachmentCountOut]


class MergeIn(Schema):
    source: int = Field(..., description="The duplicate to fold into this customer.")
    field_choices: dict[str, str] = Field(
        default_factory=dict,
        description='{field: "source" | "target"}; fields not named keep this customer\'s value.',
    )


class MergeOut(Schema):
    id: int
    created_at: datetime
    source: CustomerRef
    target: CustomerRef
    field_choices: dict
    moved: dict[str, int]

    @staticmethod
    def resolve_source(obj) -> dict:
        return {"id": obj.source_id, "name": obj.source_name}


def _detail(actor: User, handover: Handover) -> dict:
    items = selectors.handover_items(actor, handover)
    out = HandoverOut.from_orm(handover).dict()
    out["items"] = [
        {
            "customer": {"id": i.customer_id, "name": i.customer.name}
            if i.customer_visible
            else None,
            "from_user": i.from_user,
            "to_user": i.to_user,
            "moved": i.moved,
        }
        for i in items
    ]
    return out


@router.get(
    "/handovers",
    response={200: page_of(HandoverOut), **errors()},
    summary="List handovers",
)
def handover_list(request, filters: Query[HandoverFilter]):
    qs = selectors.handovers_visible(request.auth, source=filters.source)
    if filters.from_user:
        qs = qs.filter(from_user_id=filters.from_user)
    return paginate(qs.order_by("-created_at", "-id"), filters)


@router.get(
    "/handovers/{int:handover_id}",
    response={200: HandoverDetailOut, **errors(404)},
    summary="Get a handover with its customers",
)
def handover_get(request, handover_id: int):
    handover = selectors.handovers_visible(request.auth).filter(pk=handover_id).first()
    if handover is None:
        raise not_found()
    return _detail(request.auth, handover)


def _parse(actor: User, payload: HandoverIn) -> dict:
    return {
        "from_user": _user(actor, payload.from_user, "from_user"),
        "to_users": [_user(actor, pk, "to_users") for pk in payload.to_users],
        "customer_ids": payload.customer_ids,
        "strategy": payload.strategy,
    }


@router.post(
    "/handovers/preview",
    response={200: HandoverPreviewOut, **errors(403, 422)},
    summary="Preview a handover (changes nothing)",
)
def handover_preview(request, payload: HandoverIn):
    actor = request.auth
    _require_transfer(actor)
    return services.handover_preview(actor=actor, **_parse(actor, payload))


@router.post(
    "/handovers",
    response={201: HandoverDetailOut, **errors(403, 422)},
    summary="Hand over customers of a rep to one or several reps",
)
def handover_create(request, payload: HandoverIn):
    actor = request.auth
    _require_transfer(actor)
    handover = services.handover_create(
        actor=actor,
        reason=payload.reason,
        note=payload.note,
        request=request,
        **_parse(actor, payload),
    )
    handover = selectors.handovers_visible(actor).get(pk=handover.pk)
    return Status(201, _detail(actor, handover))


@router.post(
    "/customers/{int:customer_id}/merge",
    response={201: MergeOut, **errors(403, 404, 422)},
    summary="Merge a duplicate customer into this one",
)
def customer_merge(request, customer_id: int, payload: MergeIn):
    actor = request.auth
    if not actor.has_function(FunctionPermission.DELETE):
        raise forbidden(_("You do not have permission to merge customers."))
    target = Customer.objects.visible_to(actor).filter(pk=customer_id).first()
    if target is None:
        raise not_found()
    source = Customer.objects.visible_to(actor).filter(pk=payload.source).first()
    if source is None:
        raise ValidationError({"source": [_("Select a valid customer.")]})
    merge = services.customer_merge(
        actor=actor,
        source=source,
        target=target,
        field_choices=payload.field_choices,
        request=request,
    )
    return Status(201, merge)

"""Sales API (SAL-1, SAL-2): product lines, products, price lists and price quotes; contracts
with their lines and status actions; approval chains.

Transport only: reads through the selectors (contracts scoped by salesdesk.org.scoping; the
catalogue is readable by every active user), writes through the services. Answers as elsewhere:
a missing function permission 403 (checked before any record is looked up), out of scope 404, a
stale `version` 409, bad input 422 with the field's message; nothing changes on any of these.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UserRef
from salesdesk.customers.selectors import customers_visible
from salesdesk.org.models import FunctionPermission, User
from salesdesk.org.permissions import can_configure
from salesdesk.org.selectors import users_visible
from salesdesk.pipeline.models import Opportunity
from salesdesk.sales import selectors
from salesdesk.sales import services as catalogue
from salesdesk.sales.contracts import selectors as contract_selectors
from salesdesk.sales.contracts import services as contracts
from salesdesk.sales.models import (
    ApprovalChain,
    Channel,
    Contract,
    Partner,
    PriceList,
    Product,
    ProductLine,
)

router = Router(tags=["Sales"])


def _require_configure(actor: User) -> None:
    if not can_configure(actor):
        raise forbidden(_("You do not have permission to change the product catalogue."))


def _require_delete(actor: User) -> None:
    if not actor.has_function(FunctionPermission.DELETE):
        raise forbidden(_("You do not have permission to delete records."))


def _no_nulls(changes: dict, nullable: tuple[str, ...] = ()) -> None:
    for field, value in changes.items():
        if value is None and field not in nullable:
            raise ValidationError({field: [_("This field cannot be empty.")]})


# --- product lines ----------------------------------------------------------------------------


class ProductLineOut(Schema):
    id: int
    code: str
    name: str
    description: str
    is_active: bool
    sort_order: int
    version: int


class ProductLineIn(Schema):
    code: str
    name: str
    description: str = ""
    is_active: bool = True
    sort_order: int = Field(0, ge=0)


class ProductLineUpdateIn(Schema):
    version: int
    code: str | None = None
    name: str | None = None
    description: str | None = None
    is_active: bool | None = None
    sort_order: int | None = Field(None, ge=0)


@router.get(
    "/product-lines",
    response={200: page_of(ProductLineOut), **errors(422)},
    summary="Product lines",
)
def product_line_list(request, params: Query[PageParams]):
    return paginate(selectors.product_lines(request.auth), params)


@router.post(
    "/product-lines",
    response={201: ProductLineOut, **errors(403, 422)},
    summary="Create a product line (needs the configure permission)",
)
def product_line_create(request, payload: ProductLineIn):
    actor = request.auth
    _require_configure(actor)
    return Status(
        201, catalogue.product_line_create(actor=actor, request=request, **payload.dict())
    )


def _line(pk: int) -> ProductLine:
    line = ProductLine.objects.filter(pk=pk).first()
    if line is None:
        raise not_found()
    return line


@router.patch(
    "/product-lines/{int:line_id}",
    response={200: ProductLineOut, **errors(403, 404, 409, 422)},
    summary="Edit a product line (409 on a stale version)",
)
def product_line_update(request, line_id: int, payload: ProductLineUpdateIn):
    actor = request.auth
    _require_configure(actor)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    _no_nulls(changes)
    return catalogue.product_line_update(
        actor=actor, line=_line(line_id), expected_version=version, request=request, **changes
    )


@router.delete(
    "/product-lines/{int:line_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a product line without products to the recycle bin",
)
def product_line_delete(request, line_id: int):
    actor = request.auth
    _require_configure(actor)
    _require_delete(actor)
    catalogue.product_line_delete(actor=actor, line=_line(line_id), request=request)
    return Status(204, None)


# --- products ---------------------------------------------------------------------------------


class ProductLineRef(Schema):
    id: int
    code: str
    name: str


class ProductOut(Schema):
    id: int
    code: str
    name: str
    product_line: ProductLineRef
    unit: str
    list_price: Decimal
    description: str
    is_active: bool
    version: int


class ProductFilters(PageParams):
    q: str = Field("", description="Code or name contains.")
    product_line: int | None = None
    active: bool | None = None
    sort: str = Field("code", description="code, name or list_price; '-' for descending.")


class ProductIn(Schema):
    product_line: int
    code: str
    name: str
    unit: str = "件"
    list_price: Decimal = Decimal("0")
    description: str = ""
    is_active: bool = True


class ProductUpdateIn(Schema):
    version: int
    product_line: int | None = None
    code: str | None = None
    name: str | None = None
    unit: str | None = None
    list_price: Decimal | None = None
    description: str | None = None
    is_active: bool | None = None


def _product(actor: User, pk: int) -> Product:
    product = selectors.product_list(actor).filter(pk=pk).first()
    if product is None:
        raise not_found()
    return product


def _line_field(data: dict) -> None:
    if "product_line" in data:
        line = ProductLine.objects.filter(pk=data["product_line"]).first()
        if line is None:
            raise ValidationError({"product_line": [_("Select a product line.")]})
        data["product_line"] = line


@router.get("/products", response={200: page_of(ProductOut), **errors(422)}, summary="Products")
def product_list(request, filters: Query[ProductFilters]):
    qs = selectors.product_list(
        request.auth,
        q=filters.q,
        product_line=filters.product_line,
        active=filters.active,
        sort=filters.sort,
    )
    return paginate(qs, filters)


@router.post(
    "/products",
    response={201: ProductOut, **errors(403, 422)},
    summary="Create a product (needs the configure permission)",
)
def product_create(request, payload: ProductIn):
    actor = request.auth
    _require_configure(actor)
    data = payload.dict()
    _line_field(data)
    product = catalogue.product_create(actor=actor, request=request, **data)
    return Status(201, _product(actor, product.pk))


@router.get(
    "/products/{int:product_id}", response={200: ProductOut, **errors(404)}, summary="One product"
)
def product_detail(request, product_id: int):
    return _product(request.auth, product_id)


@router.patch(
    "/products/{int:product_id}",
    response={200: ProductOut, **errors(403, 404, 409, 422)},
    summary="Edit a product (409 on a stale version)",
)
def product_update(request, product_id: int, payload: ProductUpdateIn):
    actor = request.auth
    _require_configure(actor)
    product = _product(actor, product_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    _no_nulls(changes)
    _line_field(changes)
    catalogue.product_update(
        actor=actor, product=product, expected_version=version, request=request, **changes
    )
    return _product(actor, product_id)


@router.delete(
    "/products/{int:product_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a product to the recycle bin",
)
def product_delete(request, product_id: int):
    actor = request.auth
    _require_configure(actor)
    _require_delete(actor)
    catalogue.product_delete(actor=actor, product=_product(actor, product_id), request=request)
    return Status(204, None)


# --- price lists --------------------------------------------------------------------------------


class ChannelRef(Schema):
    id: int
    code: str
    name: str
    type: str


class PriceListItemOut(Schema):
    product_id: int
    product_code: str
    product_name: str
    price: Decimal

    @staticmethod
    def resolve_product_code(obj) -> str:
        return obj.product.code

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name


class PriceListOut(Schema):
    id: int
    name: str
    valid_from: date
    valid_until: date | None
    channel: ChannelRef | None
    customer_level: str
    is_active: bool
    notes: str
    version: int
    items: list[PriceListItemOut]

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.all())


class PriceListItemIn(Schema):
    product: int
    price: Decimal


class PriceListIn(Schema):
    name: str
    valid_from: date
    valid_until: date | None = None
    channel: int | None = None
    customer_level: str = Field("", description="A, B, C, D or empty for every level.")
    is_active: bool = True
    notes: str = ""
    items: list[PriceListItemIn] = []


class PriceListUpdateIn(Schema):
    version: int
    name: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    channel: int | None = None
    customer_level: str | None = None
    is_active: bool | None = None
    notes: str | None = None
    items: list[PriceListItemIn] | None = Field(None, description="Replaces every item.")


class PriceListFilters(PageParams):
    on: date | None = Field(None, description="Only lists valid on this day.")


def _price_list(actor: User, pk: int) -> PriceList:
    price_list = (
        selectors.price_lists(actor).filter(pk=pk).prefetch_related("items__product").first()
    )
    if price_list is None:
        raise not_found()
    return price_list


def _channel_field(data: dict) -> None:
    if data.get("channel") is not None:
        channel = Channel.objects.filter(pk=data["channel"]).first()
        if channel is None:
            raise ValidationError({"channel": [_("Select a valid channel.")]})
        data["channel"] = channel


@router.get(
    "/price-lists",
    response={200: page_of(PriceListOut), **errors(422)},
    summary="Price lists, newest first",
)
def price_list_list(request, filters: Query[PriceListFilters]):
    qs = selectors.price_lists(request.auth, on=filters.on).prefetch_related("items__product")
    return paginate(qs, filters)


@router.post(
    "/price-lists",
    response={201: PriceListOut, **errors(403, 422)},
    summary="Create a price list with its items (needs the configure permission)",
)
def price_list_create(request, payload: PriceListIn):
    actor = request.auth
    _require_configure(actor)
    data = payload.dict()
    items = data.pop("items")
    _channel_field(data)
    price_list = catalogue.price_list_create(actor=actor, items=items, request=request, **data)
    return Status(201, _price_list(actor, price_list.pk))


@router.get(
    "/price-lists/{int:price_list_id}",
    response={200: PriceListOut, **errors(404)},
    summary="One price list",
)
def price_list_detail(request, price_list_id: int):
    return _price_list(request.auth, price_list_id)


@router.patch(
    "/price-lists/{int:price_list_id}",
    response={200: PriceListOut, **errors(403, 404, 409, 422)},
    summary="Edit a price list; `items` replaces every item (409 on a stale version)",
)
def price_list_update(request, price_list_id: int, payload: PriceListUpdateIn):
    actor = request.auth
    _require_configure(actor)
    price_list = _price_list(actor, price_list_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    items = changes.pop("items", None)
    _no_nulls(changes, nullable=("valid_until", "channel"))
    _channel_field(changes)
    catalogue.price_list_update(
        actor=actor,
        price_list=price_list,
        expected_version=version,
        items=items,
        request=request,
        **changes,
    )
    return _price_list(actor, price_list_id)


@router.delete(
    "/price-lists/{int:price_list_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a price list to the recycle bin",
)
def price_list_delete(request, price_list_id: int):
    actor = request.auth
    _require_configure(actor)
    _require_delete(actor)
    catalogue.price_list_delete(
        actor=actor, price_list=_price_list(actor, price_list_id), request=request
    )
    return Status(204, None)


class PriceQuoteOut(Schema):
    product: int
    customer: int | None
    channel: int | None
    on: date
    price: Decimal


class PriceQuoteParams(Schema):
    product: int
    customer: int | None = None
    channel: int | None = None
    on: date | None = None


@router.get(
    "/prices",
    response={200: PriceQuoteOut, **errors(404, 422)},
    summary="The unit price of a product for a customer and channel on a day",
)
def price_quote(request, params: Query[PriceQuoteParams]):
    actor = request.auth
    product = _product(actor, params.product)
    customer = None
    if params.customer is not None:
        customer = customers_visible(actor).filter(pk=params.customer).first()
        if customer is None:
            raise not_found()
    channel = None
    if params.channel is not None:
        channel = Channel.objects.filter(pk=params.channel).first()
        if channel is None:
            raise not_found()
    on = params.on or timezone.localdate()
    price = selectors.price_for(product, customer=customer, channel=channel, on=on)
    return {
        "product": product.pk,
        "customer": params.customer,
        "channel": params.channel,
        "on": on,
        "price": price,
    }


# --- contracts ------------------------------------------------------------------------------------


class CustomerRef(Schema):
    id: int
    name: str


class ContractLineOut(Schema):
    id: int
    position: int
    product_id: int
    product_code: str
    product_name: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    amount: Decimal

    @staticmethod
    def resolve_product_code(obj) -> str:
        return obj.product.code

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name


class ContractEventOut(Schema):
    kind: str
    step: int | None
    from_status: str
    to_status: str
    actor: UserRef | None
    at: datetime
    comment: str


class ContractOut(Schema):
    id: int
    number: str
    title: str
    status: str
    customer: CustomerRef
    owner: UserRef
    channel_id: int | None
    partner_id: int | None
    signed_on: date | None
    start_on: date | None
    end_on: date | None
    total_amount: Decimal
    notes: str
    version: int
    created_at: datetime


class ContractDetailOut(ContractOut):
    lines: list[ContractLineOut]
    events: list[ContractEventOut]
    pending_step: int | None
    can_decide: bool

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_events(obj) -> list:
        return list(obj.events.all())

    @staticmethod
    def resolve_pending_step(obj) -> int | None:
        approval = getattr(obj, "_pending", None)
        return approval.current_step + 1 if approval else None

    @staticmethod
    def resolve_can_decide(obj) -> bool:
        return bool(getattr(obj, "_can_decide", False))


class ContractFilters(PageParams):
    view: str = Field("all", description="mine, subordinates, all or to_approve.")
    q: str = Field("", description="Number, title or customer name contains.")
    status: str = ""
    owner: int | None = None
    customer: int | None = None
    signed_from: date | None = None
    signed_to: date | None = None
    sort: str = Field("-created_at", description="created_at, number, total_amount, signed_on.")


class ContractLineIn(Schema):
    product: int
    quantity: Decimal = Decimal("1")
    unit_price: Decimal | None = Field(None, description="Empty: the price list's price.")
    discount_percent: Decimal = Decimal("0")
    description: str = ""


class ContractIn(Schema):
    customer: int
    title: str
    lines: list[ContractLineIn]
    owner: int | None = None
    channel: int | None = None
    partner: int | None = None
    signed_on: date | None = None
    start_on: date | None = None
    end_on: date | None = None
    notes: str = ""
    opportunity: int | None = Field(
        None, description="The won opportunity of this customer the contract comes from."
    )


class ContractUpdateIn(Schema):
    version: int
    title: str | None = None
    signed_on: date | None = None
    start_on: date | None = None
    end_on: date | None = None
    channel: int | None = None
    partner: int | None = None
    notes: str | None = None
    lines: list[ContractLineIn] | None = Field(None, description="Replaces every line (drafts).")


class CommentIn(Schema):
    comment: str = ""


class ReasonIn(Schema):
    reason: str


def _contract(actor: User, pk: int) -> Contract:
    contract = contract_selectors.contract_detail(actor, pk)
    if contract is None:
        raise not_found()
    contract._pending = contract_selectors.pending_approval(contract)
    contract._can_decide = contracts.may_decide(actor, contract._pending)
    return contract


def _refs(data: dict) -> None:
    _channel_field(data)
    if data.get("partner") is not None:
        partner = Partner.objects.filter(pk=data["partner"]).first()
        if partner is None:
            raise ValidationError({"partner": [_("Select a valid partner.")]})
        data["partner"] = partner


@router.get(
    "/contracts",
    response={200: page_of(ContractOut), **errors(422)},
    summary="Contracts I can see",
)
def contract_list(request, filters: Query[ContractFilters]):
    qs = contract_selectors.contract_list(
        request.auth,
        view=filters.view,
        q=filters.q,
        status=filters.status,
        owner=filters.owner,
        customer=filters.customer,
        signed_from=filters.signed_from,
        signed_to=filters.signed_to,
        sort=filters.sort,
    )
    return paginate(qs, filters)


@router.post(
    "/contracts",
    response={201: ContractDetailOut, **errors(403, 404, 422)},
    summary="Create a draft contract with its lines (a number is assigned)",
)
def contract_create(request, payload: ContractIn):
    actor = request.auth
    data = payload.dict()
    customer = customers_visible(actor).filter(pk=data.pop("customer")).first()
    if customer is None:
        raise not_found()
    owner_id = data.pop("owner")
    owner = None
    if owner_id is not None:
        owner = users_visible(actor).filter(pk=owner_id).first()
        if owner is None:
            raise ValidationError({"owner": [_("Select a valid user.")]})
    opportunity_id = data.pop("opportunity")
    opportunity = None
    if opportunity_id is not None:
        opportunity = Opportunity.objects.visible_to(actor).filter(pk=opportunity_id).first()
        if opportunity is None:
            raise ValidationError({"opportunity": [_("Select an opportunity you can see.")]})
    _refs(data)
    contract = contracts.contract_create(
        actor=actor,
        customer=customer,
        owner=owner,
        opportunity=opportunity,
        request=request,
        **data,
    )
    return Status(201, _contract(actor, contract.pk))


@router.get(
    "/contracts/{int:contract_id}",
    response={200: ContractDetailOut, **errors(404)},
    summary="One contract with its lines and history",
)
def contract_detail(request, contract_id: int):
    return _contract(request.auth, contract_id)


@router.patch(
    "/contracts/{int:contract_id}",
    response={200: ContractDetailOut, **errors(403, 404, 409, 422)},
    summary="Edit a contract (not while in approval); `lines` replaces the lines of a draft",
)
def contract_update(request, contract_id: int, payload: ContractUpdateIn):
    actor = request.auth
    contract = _contract(actor, contract_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    lines = changes.pop("lines", None)
    _no_nulls(changes, nullable=("signed_on", "start_on", "end_on", "channel", "partner"))
    _refs(changes)
    contracts.contract_update(
        actor=actor,
        contract=contract,
        expected_version=version,
        lines=lines,
        request=request,
        **changes,
    )
    return _contract(actor, contract_id)


@router.delete(
    "/contracts/{int:contract_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a draft contract to the recycle bin",
)
def contract_delete(request, contract_id: int):
    actor = request.auth
    _require_delete(actor)
    contract = _contract(actor, contract_id)
    try:
        contracts.contract_delete(actor=actor, contract=contract, request=request)
    except Contract.DoesNotExist:
        raise forbidden(_("You may view this contract but not change it.")) from None
    return Status(204, None)


def _action(request, contract_id: int, service, **kwargs):
    actor = request.auth
    contract = _contract(actor, contract_id)
    service(actor=actor, contract=contract, request=request, **kwargs)
    return _contract(actor, contract_id)


@router.post(
    "/contracts/{int:contract_id}/submit",
    response={200: ContractDetailOut, **errors(403, 404, 422)},
    summary="Submit a draft for approval (active at once when no chain applies)",
)
def contract_submit(request, contract_id: int, payload: CommentIn):
    return _action(request, contract_id, contracts.contract_submit, comment=payload.comment)


@router.post(
    "/contracts/{int:contract_id}/approve",
    response={200: ContractDetailOut, **errors(403, 404, 422)},
    summary="Approve the current step (the approver of the step only)",
)
def contract_approve(request, contract_id: int, payload: CommentIn):
    return _action(request, contract_id, contracts.contract_approve, comment=payload.comment)


@router.post(
    "/contracts/{int:contract_id}/reject",
    response={200: ContractDetailOut, **errors(403, 404, 422)},
    summary="Reject the current step with a reason; the contract goes back to draft",
)
def contract_reject(request, contract_id: int, payload: ReasonIn):
    return _action(request, contract_id, contracts.contract_reject, reason=payload.reason)


@router.post(
    "/contracts/{int:contract_id}/recall",
    response={200: ContractDetailOut, **errors(403, 404, 422)},
    summary="Recall a pending contract (the submitter only)",
)
def contract_recall(request, contract_id: int, payload: CommentIn):
    return _action(request, contract_id, contracts.contract_recall, comment=payload.comment)


@router.post(
    "/contracts/{int:contract_id}/complete",
    response={200: ContractDetailOut, **errors(403, 404, 422)},
    summary="Complete an active contract (needs the approve permission)",
)
def contract_complete(request, contract_id: int, payload: CommentIn):
    actor = request.auth
    if not actor.has_function(FunctionPermission.APPROVE):
        raise forbidden(_("You do not have permission to complete or void contracts."))
    return _action(request, contract_id, contracts.contract_complete, comment=payload.comment)


@router.post(
    "/contracts/{int:contract_id}/void",
    response={200: ContractDetailOut, **errors(403, 404, 422)},
    summary="Void a draft or active contract with a reason (needs the approve permission)",
)
def contract_void(request, contract_id: int, payload: ReasonIn):
    actor = request.auth
    if not actor.has_function(FunctionPermission.APPROVE):
        raise forbidden(_("You do not have permission to complete or void contracts."))
    return _action(request, contract_id, contracts.contract_void, reason=payload.reason)


# --- approval chains ------------------------------------------------------------------------------


class ApprovalStepOut(Schema):
    position: int
    kind: str
    role_id: int | None


class ApprovalChainOut(Schema):
    id: int
    name: str
    min_amount: Decimal
    is_active: bool
    version: int
    steps: list[ApprovalStepOut]

    @staticmethod
    def resolve_steps(obj) -> list:
        return list(obj.steps.all())


class ApprovalStepIn(Schema):
    kind: str = Field("role", description="role or manager (the owner's manager).")
    role: int | None = None


class ApprovalChainIn(Schema):
    name: str
    min_amount: Decimal
    is_active: bool = True
    steps: list[ApprovalStepIn]


class ApprovalChainUpdateIn(Schema):
    version: int
    name: str | None = None
    min_amount: Decimal | None = None
    is_active: bool | None = None
    steps: list[ApprovalStepIn] | None = None


def _chains():
    return ApprovalChain.objects.prefetch_related("steps").order_by("min_amount", "id")


def _chain(pk: int) -> ApprovalChain:
    chain = _chains().filter(pk=pk).first()
    if chain is None:
        raise not_found()
    return chain


@router.get(
    "/approval-chains",
    response={200: list[ApprovalChainOut], **errors(403)},
    summary="Approval chains by amount threshold (needs the configure permission)",
)
def approval_chain_list(request):
    _require_configure(request.auth)
    return list(_chains())


@router.post(
    "/approval-chains",
    response={201: ApprovalChainOut, **errors(403, 422)},
    summary="Create an approval chain",
)
def approval_chain_create(request, payload: ApprovalChainIn):
    actor = request.auth
    _require_configure(actor)
    data = payload.dict()
    chain = contracts.approval_chain_create(actor=actor, request=request, **data)
    return Status(201, _chain(chain.pk))


@router.patch(
    "/approval-chains/{int:chain_id}",
    response={200: ApprovalChainOut, **errors(403, 404, 409, 422)},
    summary="Edit an approval chain (pending approvals keep their steps)",
)
def approval_chain_update(request, chain_id: int, payload: ApprovalChainUpdateIn):
    actor = request.auth
    _require_configure(actor)
    chain = _chain(chain_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    steps = changes.pop("steps", None)
    _no_nulls(changes)
    contracts.approval_chain_update(
        actor=actor, chain=chain, expected_version=version, steps=steps, request=request, **changes
    )
    return _chain(chain_id)


@router.delete(
    "/approval-chains/{int:chain_id}",
    response={204: None, **errors(403, 404)},
    summary="Delete an approval chain",
)
def approval_chain_delete(request, chain_id: int):
    actor = request.auth
    _require_configure(actor)
    contracts.approval_chain_delete(actor=actor, chain=_chain(chain_id), request=request)
    return Status(204, None)


# --- receivables (SAL-3) --------------------------------------------------------------------------


class InstalmentOut(Schema):
    id: int
    contract_id: int
    contract_number: str
    customer: CustomerRef
    position: int
    due_on: date
    amount: Decimal
    paid_amount: Decimal
    outstanding: Decimal

    @staticmethod
    def resolve_contract_number(obj) -> str:
        return obj.contract.number

    @staticmethod
    def resolve_customer(obj):
        return obj.contract.customer


class ReceivableFilters(PageParams):
    bucket: str = Field("open", description="due_soon, overdue, open, paid or all.")
    owner: int | None = None
    customer: int | None = None


class ReceivableTotalsOut(Schema):
    planned: Decimal
    received: Decimal
    outstanding: Decimal
    overdue: Decimal


class InstalmentIn(Schema):
    due_on: date
    amount: Decimal


class PaymentPlanIn(Schema):
    instalments: list[InstalmentIn] | None = Field(
        None, description="Explicit instalments; they must add up to the contract total."
    )
    count: int | None = Field(None, ge=1, le=60, description="Or: this many equal instalments…")
    first_due: date | None = Field(None, description="…the first due on this day…")
    months: int = Field(1, ge=1, le=12, description="…this many months apart.")
    notes: str = ""


class PaymentPlanOut(Schema):
    contract_id: int
    version: int
    instalments: list[InstalmentOut]


class PaymentIn(Schema):
    instalment: int
    amount: Decimal
    received_on: date
    method: str = "transfer"
    reference: str = ""


class PaymentOut(Schema):
    id: int
    contract_id: int
    instalment_id: int
    received_on: date
    amount: Decimal
    method: str
    reference: str
    recorded_by: UserRef


@router.get(
    "/receivables",
    response={200: page_of(InstalmentOut), **errors(422)},
    summary="Instalments of the contracts I can see, by bucket (due soon, overdue …)",
)
def receivable_list(request, filters: Query[ReceivableFilters]):
    from salesdesk.sales.receivables import selectors as receivable_selectors

    qs = receivable_selectors.receivables(
        request.auth, bucket=filters.bucket, owner=filters.owner, customer=filters.customer
    )
    return paginate(qs, filters)


@router.get(
    "/receivables/totals",
    response={200: ReceivableTotalsOut, **errors()},
    summary="Planned, received, outstanding and overdue amounts I can see",
)
def receivable_totals(request):
    from salesdesk.sales.receivables import selectors as receivable_selectors

    return receivable_selectors.totals(request.auth)


def _plan_out(actor: User, contract_id: int) -> dict:
    from salesdesk.sales.models import PaymentPlan
    from salesdesk.sales.receivables import selectors as receivable_selectors

    plan = PaymentPlan.objects.get(contract_id=contract_id)
    instalments = list(
        receivable_selectors.instalments_visible(actor)
        .filter(contract_id=contract_id)
        .select_related("contract__customer")
        .order_by("position")
    )
    return {"contract_id": contract_id, "version": plan.version, "instalments": instalments}


@router.put(
    "/contracts/{int:contract_id}/payment-plan",
    response={200: PaymentPlanOut, **errors(403, 404, 422)},
    summary="Set the payment plan of an active contract (explicit or equal instalments)",
)
def payment_plan_set(request, contract_id: int, payload: PaymentPlanIn):
    from salesdesk.sales.receivables import services as receivable_services

    actor = request.auth
    contract = _contract(actor, contract_id)
    if payload.instalments is not None:
        instalments = [i.dict() for i in payload.instalments]
    elif payload.count and payload.first_due:
        instalments = receivable_services.equal_instalments(
            contract.total_amount,
            count=payload.count,
            first_due=payload.first_due,
            months=payload.months,
        )
    else:
        raise ValidationError(
            {"instalments": [_("Give the instalments, or their count and first due date.")]}
        )
    receivable_services.payment_plan_set(
        actor=actor,
        contract=contract,
        instalments=instalments,
        notes=payload.notes,
        request=request,
    )
    return _plan_out(actor, contract_id)


@router.get(
    "/contracts/{int:contract_id}/payments",
    response={200: page_of(PaymentOut), **errors(404, 422)},
    summary="Payments received on a contract",
)
def payment_list(request, contract_id: int, params: Query[PageParams]):
    from salesdesk.sales.receivables import selectors as receivable_selectors

    actor = request.auth
    _contract(actor, contract_id)
    return paginate(receivable_selectors.payments_of(actor, contract_id), params)


@router.post(
    "/contracts/{int:contract_id}/payments",
    response={201: PaymentOut, **errors(403, 404, 422)},
    summary="Record a payment received against one instalment",
)
def payment_create(request, contract_id: int, payload: PaymentIn):
    from salesdesk.sales.models import Instalment
    from salesdesk.sales.receivables import services as receivable_services

    actor = request.auth
    contract = _contract(actor, contract_id)
    instalment = Instalment.objects.filter(pk=payload.instalment, contract=contract).first()
    if instalment is None:
        raise ValidationError({"instalment": [_("Select an instalment of this contract.")]})
    data = payload.dict()
    data.pop("instalment")
    payment = receivable_services.payment_record(
        actor=actor, instalment=instalment, request=request, **data
    )
    return Status(201, payment)


# --- channels and partners (SAL-5) ----------------------------------------------------------


class ChannelOut(Schema):
    id: int
    code: str
    name: str
    type: str
    is_active: bool
    version: int


class ChannelIn(Schema):
    code: str
    name: str
    type: str = Field(description="direct, online, distributor, agent or ecommerce.")
    is_active: bool = True


class ChannelUpdateIn(Schema):
    version: int
    code: str | None = None
    name: str | None = None
    type: str | None = None
    is_active: bool | None = None


class PartnerOut(Schema):
    id: int
    name: str
    channel: ChannelRef
    region: str
    contact_name: str
    phone: str
    email: str
    manager_id: int | None
    is_active: bool
    version: int


class PartnerIn(Schema):
    name: str
    channel: int
    region: str = ""
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    manager: int | None = None
    is_active: bool = True


class PartnerUpdateIn(Schema):
    version: int
    name: str | None = None
    channel: int | None = None
    region: str | None = None
    contact_name: str | None = None
    phone: str | None = None
    email: str | None = None
    manager: int | None = None
    is_active: bool | None = None


class PartnerFilters(PageParams):
    q: str = ""
    channel: int | None = None


class PartnerPerformanceOut(Schema):
    partner_id: int
    name: str
    contracts: int
    revenue: Decimal


class ChannelPerformanceOut(Schema):
    channel_id: int | None
    name: str
    type: str
    contracts: int
    revenue: Decimal
    average: Decimal
    partners: list[PartnerPerformanceOut]


class PerformanceParams(Schema):
    start: date | None = Field(None, description="Signed on or after.")
    end: date | None = Field(None, description="Signed on or before.")


def _channel(pk: int) -> Channel:
    channel = Channel.objects.filter(pk=pk).first()
    if channel is None:
        raise not_found()
    return channel


def _partner(pk: int) -> Partner:
    partner = Partner.objects.select_related("channel").filter(pk=pk).first()
    if partner is None:
        raise not_found()
    return partner


def _partner_refs(data: dict) -> None:
    _channel_field(data)
    if "manager" in data:
        manager_id = data.pop("manager")
        data["manager"] = None
        if manager_id is not None:
            data["manager"] = User.objects.filter(pk=manager_id, is_active=True).first()
            if data["manager"] is None:
                raise ValidationError({"manager": [_("Select a valid user.")]})


@router.get("/channels", response={200: page_of(ChannelOut), **errors(422)}, summary="Channels")
def channel_list(request, params: Query[PageParams]):
    return paginate(selectors.channels(request.auth), params)


@router.get(
    "/channels/performance",
    response={200: list[ChannelPerformanceOut], **errors(422)},
    summary="Contracts and revenue per channel and partner (over the contracts I can see)",
)
def channel_performance(request, params: Query[PerformanceParams]):
    return selectors.channel_performance(request.auth, start=params.start, end=params.end)


@router.post(
    "/channels",
    response={201: ChannelOut, **errors(403, 422)},
    summary="Create a channel (needs the configure permission)",
)
def channel_create(request, payload: ChannelIn):
    actor = request.auth
    _require_configure(actor)
    return Status(201, catalogue.channel_create(actor=actor, request=request, **payload.dict()))


@router.patch(
    "/channels/{int:channel_id}",
    response={200: ChannelOut, **errors(403, 404, 409, 422)},
    summary="Edit a channel (409 on a stale version)",
)
def channel_update(request, channel_id: int, payload: ChannelUpdateIn):
    actor = request.auth
    _require_configure(actor)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    _no_nulls(changes)
    return catalogue.channel_update(
        actor=actor,
        channel=_channel(channel_id),
        expected_version=version,
        request=request,
        **changes,
    )


@router.delete(
    "/channels/{int:channel_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a channel without partners to the recycle bin",
)
def channel_delete(request, channel_id: int):
    actor = request.auth
    _require_configure(actor)
    _require_delete(actor)
    catalogue.channel_delete(actor=actor, channel=_channel(channel_id), request=request)
    return Status(204, None)


@router.get("/partners", response={200: page_of(PartnerOut), **errors(422)}, summary="Partners")
def partner_list(request, filters: Query[PartnerFilters]):
    qs = selectors.partners(request.auth)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q[:100])
    if filters.channel:
        qs = qs.filter(channel_id=filters.channel)
    return paginate(qs, filters)


@router.post(
    "/partners",
    response={201: PartnerOut, **errors(403, 422)},
    summary="Create a partner (needs the configure permission)",
)
def partner_create(request, payload: PartnerIn):
    actor = request.auth
    _require_configure(actor)
    data = payload.dict()
    _partner_refs(data)
    partner = catalogue.partner_create(actor=actor, request=request, **data)
    return Status(201, _partner(partner.pk))


@router.patch(
    "/partners/{int:partner_id}",
    response={200: PartnerOut, **errors(403, 404, 409, 422)},
    summary="Edit a partner (409 on a stale version)",
)
def partner_update(request, partner_id: int, payload: PartnerUpdateIn):
    actor = request.auth
    _require_configure(actor)
    partner = _partner(partner_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    _no_nulls(changes, nullable=("manager",))
    _partner_refs(changes)
    catalogue.partner_update(
        actor=actor, partner=partner, expected_version=version, request=request, **changes
    )
    return _partner(partner_id)


@router.delete(
    "/partners/{int:partner_id}",
    response={204: None, **errors(403, 404)},
    summary="Move a partner to the recycle bin",
)
def partner_delete(request, partner_id: int):
    actor = request.auth
    _require_configure(actor)
    _require_delete(actor)
    catalogue.partner_delete(actor=actor, partner=_partner(partner_id), request=request)
    return Status(204, None)


# --- returns (SAL-4) ------------------------------------------------------------------------


class SalesReturnOut(Schema):
    id: int
    contract_id: int
    line_id: int
    product_id: int
    quantity: Decimal
    amount: Decimal
    returned_on: date
    reason: str
    recorded_by: UserRef


class SalesReturnIn(Schema):
    line: int
    quantity: Decimal
    reason: str
    returned_on: date


class ReturnRateOut(Schema):
    key: int
    name: str
    sold: Decimal
    returned: Decimal
    rate: Decimal | None = Field(description="Returned / sold, in percent.")


class ReturnRateParams(Schema):
    by: str = Field("product", description="product, customer or rep.")


@router.get(
    "/returns",
    response={200: page_of(SalesReturnOut), **errors(422)},
    summary="Returns on the contracts I can see",
)
def sales_return_list(request, params: Query[PageParams]):
    from salesdesk.sales.returns.selectors import returns_visible

    return paginate(returns_visible(request.auth), params)


@router.get(
    "/returns/rates",
    response={200: list[ReturnRateOut], **errors(422)},
    summary="Return rate by product, customer or rep",
)
def return_rate_list(request, params: Query[ReturnRateParams]):
    from salesdesk.sales.returns.selectors import GROUPS, return_rates

    if params.by not in GROUPS:
        raise ValidationError({"by": [_("Choose product, customer or rep.")]})
    return return_rates(request.auth, by=params.by)


@router.post(
    "/contracts/{int:contract_id}/returns",
    response={201: SalesReturnOut, **errors(403, 404, 422)},
    summary="Record a return against a line of an active or completed contract",
)
def sales_return_create(request, contract_id: int, payload: SalesReturnIn):
    from salesdesk.sales.models import ContractLine
    from salesdesk.sales.returns.services import sales_return_record

    actor = request.auth
    contract = _contract(actor, contract_id)
    line = ContractLine.objects.filter(pk=payload.line, contract=contract).first()
    if line is None:
        raise ValidationError({"line": [_("Select a line of this contract.")]})
    record = sales_return_record(
        actor=actor,
        line=line,
        quantity=payload.quantity,
        reason=payload.reason,
        returned_on=payload.returned_on,
        request=request,
    )
    return Status(201, record)

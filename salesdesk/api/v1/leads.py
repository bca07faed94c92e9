"""Leads API (FUN-1): leads (list, create, detail, update, delete), claim from the lead pool,
assign, status changes and one-step conversion; lead assignment rules (configure permission).

Reads go through salesdesk.pipeline.leads.selectors (scoped like the UI: own scope plus the
claimable pool); writes through salesdesk.pipeline.leads.services. Answers: out of reach 404;
missing function permission 403; a stale `version` 409; bad input or a duplicate 422.
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
from salesdesk.customers.models import Customer
from salesdesk.org.models import FunctionPermission, OrgUnit, User
from salesdesk.org.permissions import can_configure
from salesdesk.org.selectors import users_visible
from salesdesk.pipeline.leads import selectors, services
from salesdesk.pipeline.leads.models import Lead, LeadAssignmentRule, LeadStatus
from salesdesk.pipeline.models import Pipeline
from salesdesk.sales.models import Channel, ProductLine

router = Router(tags=["Leads"])


def _lead(actor: User, pk: int) -> Lead:
    lead = (
        selectors.leads_visible(actor)
        .select_related("owner", "org_unit", "product_line", "channel")
        .filter(pk=pk)
        .first()
    )
    if lead is None:
        raise not_found()
    return lead


class LeadOut(Schema):
    id: int
    name: str
    contact_name: str
    phone: str
    email: str
    province: str
    city: str
    industry: str
    source: str
    channel_id: int | None
    product_line_id: int | None
    status: str
    disqualify_reason: str
    notes: str
    owner: UserRef | None
    org_unit_id: int
    in_pool: bool
    assigned_at: datetime | None
    converted_at: datetime | None
    converted_customer_id: int | None
    converted_contact_id: int | None
    converted_opportunity_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class LeadFilters(PageParams):
    view: str = Field("mine", description="mine, pool or all.")
    status: str | None = None
    source: str | None = None
    owner: int | None = None
    product_line: int | None = None
    q: str | None = Field(None, description="Name, contact or phone contains.")


class LeadIn(Schema):
    name: str
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    province: str = ""
    city: str = ""
    industry: str = ""
    source: str = "other"
    channel: int | None = None
    product_line: int | None = None
    notes: str = ""
    assign: str = Field("me", description="me, rules (assignment rules, else pool) or pool.")
    owner: int | None = Field(None, description="Assign to this user (needs transfer).")
    allow_duplicate: bool = False


class LeadUpdateIn(Schema):
    version: int
    name: str | None = None
    contact_name: str | None = None
    phone: str | None = None
    email: str | None = None
    province: str | None = None
    city: str | None = None
    industry: str | None = None
    source: str | None = None
    channel: int | None = None
    product_line: int | None = None
    notes: str | None = None
    status: str | None = Field(None, description="contacted, qualified, disqualified or new.")
    disqualify_reason: str | None = None


class AssignIn(Schema):
    leads: list[int]
    owner: int | None = Field(None, description="Empty: back to the lead pool.")


class AssignOut(Schema):
    assigned: int


class ConvertIn(Schema):
    version: int
    customer: int | None = Field(None, description="Use this existing customer.")
    allow_duplicate: bool = False
    create_opportunity: bool = True
    pipeline: int | None = None
    title: str = ""
    amount: Decimal | None = Field(None, ge=0)
    expected_close_date: date | None = None


class ConvertOut(Schema):
    lead_id: int
    customer_id: int
    customer_created: bool
    contact_id: int | None
    opportunity_id: int | None


class RuleOut(Schema):
    id: int
    name: str
    order: int
    is_active: bool
    province: str
    product_line_id: int | None
    target_user_id: int | None
    target_unit_id: int | None


class RuleIn(Schema):
    name: str
    order: int = Field(0, ge=0)
    is_active: bool = True
    province: str = ""
    product_line: int | None = None
    target_user: int | None = None
    target_unit: int | None = None


def _refs(data: dict) -> dict:
    if data.get("channel") is not None:
        data["channel"] = Channel.objects.filter(pk=data["channel"]).first()
        if data["channel"] is None:
            raise ValidationError({"channel": _("Select a valid choice.")})
    if data.get("product_line") is not None:
        data["product_line"] = ProductLine.objects.filter(pk=data["product_line"]).first()
        if data["product_line"] is None:
            raise ValidationError({"product_line": _("Select a valid choice.")})
    return data


@router.get("/leads", response={200: page_of(LeadOut), **errors(422)}, summary="Leads")
def lead_list(request, filters: Query[LeadFilters]):
    actor = request.auth
    data = filters.dict()
    if data["view"] not in ("mine", "pool", "all"):
        raise ValidationError({"view": _("Select a valid choice.")})
    qs = selectors.lead_list(
        actor,
        view=data["view"],
        status=data["status"] or "",
        source=data["source"] or "",
        owner_id=data["owner"],
        product_line_id=data["product_line"],
        q=data["q"] or "",
    ).order_by("-created_at", "-id")
    return paginate(qs, filters)


@router.post("/leads", response={201: LeadOut, **errors(403, 422)}, summary="Create a lead")
def lead_create(request, payload: LeadIn):
    actor = request.auth
    data = _refs(payload.dict())
    assign, owner_id = data.pop("assign"), data.pop("owner")
    allow = data.pop("allow_duplicate")
    if assign not in ("me", "rules", "pool"):
        raise ValidationError({"assign": _("Select a valid choice.")})
    owner = None
    if owner_id is not None:
        owner = users_visible(actor).filter(pk=owner_id).first()
        if owner is None:
            raise ValidationError({"owner": _("Select a valid user.")})
    lead = services.lead_create(
        actor=actor, assign=assign, owner=owner, allow_duplicate=allow, request=request, **data
    )
    return Status(201, _lead(actor, lead.pk))


@router.get("/leads/{int:lead_id}", response={200: LeadOut, **errors(404)}, summary="A lead")
def lead_detail(request, lead_id: int):
    return _lead(request.auth, lead_id)


@router.patch(
    "/leads/{int:lead_id}",
    response={200: LeadOut, **errors(403, 404, 409, 422)},
    summary="Change a lead (fields and status)",
)
def lead_update(request, lead_id: int, payload: LeadUpdateIn):
    actor = request.auth
    lead = _lead(actor, lead_id)
    changes = _refs(payload.dict(exclude_unset=True))
    version = changes.pop("version")
    status = changes.pop("status", None)
    reason = changes.pop("disqualify_reason", "") or ""
    for field, value in list(changes.items()):
        if value is None and field not in ("channel", "product_line"):
            raise ValidationError({field: _("This field cannot be empty.")})
    if changes:
        lead = services.lead_update(
            actor=actor, lead=lead, expected_version=version, request=request, **changes
        )
        version = lead.version
    if status is not None:
        if status not in LeadStatus.values:
            raise ValidationError({"status": _("Select a valid choice.")})
        services.lead_set_status(
            actor=actor,
            lead=lead,
            status=status,
            reason=reason,
            expected_version=version,
            request=request,
        )
    return _lead(actor, lead_id)


@router.delete(
    "/leads/{int:lead_id}",
    response={204: None, **errors(403, 404)},
    summary="Move a lead to the recycle bin",
)
def lead_delete(request, lead_id: int):
    actor = request.auth
    if not actor.has_function(FunctionPermission.DELETE):
        raise forbidden(_("You do not have permission to delete records."))
    services.lead_delete(actor=actor, lead=_lead(actor, lead_id), request=request)
    return Status(204, None)


@router.post(
    "/leads/{int:lead_id}/claim",
    response={200: LeadOut, **errors(404, 422)},
    summary="Claim a lead from the lead pool",
)
def lead_claim(request, lead_id: int):
    actor = request.auth
    services.lead_claim(actor=actor, lead=_lead(actor, lead_id), request=request)
    return _lead(actor, lead_id)


@router.post("/leads/assign", response={200: AssignOut, **errors(403, 422)}, summary="Assign leads")
def lead_assign(request, payload: AssignIn):
    actor = request.auth
    if not (
        actor.has_function(FunctionPermission.TRANSFER)
        or actor.has_function(FunctionPermission.POOL_ADMIN)
    ):
        raise forbidden(_("You do not have permission to assign leads."))
    owner = None
    if payload.owner is not None:
        owner = users_visible(actor).filter(pk=payload.owner).first()
        if owner is None:
            raise ValidationError({"owner": _("Select a valid user.")})
    count = services.lead_assign(actor=actor, leads=payload.leads, owner=owner, request=request)
    return {"assigned": count}


@router.post(
    "/leads/{int:lead_id}/convert",
    response={200: ConvertOut, **errors(403, 404, 409, 422)},
    summary="Convert a lead into a customer, contact and opportunity",
)
def lead_convert(request, lead_id: int, payload: ConvertIn):
    actor = request.auth
    lead = _lead(actor, lead_id)
    customer = None
    if payload.customer is not None:
        customer = Customer.objects.visible_to(actor).filter(pk=payload.customer).first()
        if customer is None:
            raise ValidationError({"customer": _("Select a valid customer.")})
    pipeline = None
    if payload.pipeline is not None:
        pipeline = Pipeline.objects.filter(pk=payload.pipeline, is_archived=False).first()
        if pipeline is None:
            raise ValidationError({"pipeline": _("Select a valid pipeline.")})
    result = services.lead_convert(
        actor=actor,
        lead=lead,
        expected_version=payload.version,
        customer=customer,
        allow_duplicate=payload.allow_duplicate,
        create_opportunity=payload.create_opportunity,
        pipeline=pipeline,
        title=payload.title,
        amount=payload.amount,
        expected_close_date=payload.expected_close_date,
        request=request,
    )
    return {
        "lead_id": result.lead.pk,
        "customer_id": result.customer.pk,
        "customer_created": result.customer_created,
        "contact_id": result.contact.pk if result.contact else None,
        "opportunity_id": result.opportunity.pk if result.opportunity else None,
    }


# --- assignment rules ---------------------------------------------------------------------------


def _rule_refs(actor: User, data: dict) -> dict:
    data = _refs(data)
    if data.get("target_user") is not None:
        data["target_user"] = users_visible(actor).filter(pk=data["target_user"]).first()
        if data["target_user"] is None:
            raise ValidationError({"target_user": _("Select a valid user.")})
    if data.get("target_unit") is not None:
        data["target_unit"] = OrgUnit.objects.filter(pk=data["target_unit"]).first()
        if data["target_unit"] is None:
            raise ValidationError({"target_unit": _("Select a valid org unit.")})
    return data


@router.get(
    "/lead-rules", response={200: list[RuleOut], **errors(403)}, summary="Lead assignment rules"
)
def lead_rule_list(request):
    if not can_configure(request.auth):
        raise forbidden()
    return list(selectors.assignment_rules())


@router.post(
    "/lead-rules",
    response={201: RuleOut, **errors(403, 422)},
    summary="Create a lead assignment rule",
)
def lead_rule_create(request, payload: RuleIn):
    actor = request.auth
    if not can_configure(actor):
        raise forbidden()
    rule = services.assignment_rule_create(actor=actor, **_rule_refs(actor, payload.dict()))
    return Status(201, rule)


@router.put(
    "/lead-rules/{int:rule_id}",
    response={200: RuleOut, **errors(403, 404, 422)},
    summary="Change a lead assignment rule",
)
def lead_rule_update(request, rule_id: int, payload: RuleIn):
    actor = request.auth
    if not can_configure(actor):
        raise forbidden()
    rule = LeadAssignmentRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise not_found()
    return services.assignment_rule_update(
        actor=actor, rule=rule, **_rule_refs(actor, payload.dict())
    )


@router.delete(
    "/lead-rules/{int:rule_id}",
    response={204: None, **errors(403, 404)},
    summary="Delete a lead assignment rule",
)
def lead_rule_delete(request, rule_id: int):
    actor = request.auth
    if not can_configure(actor):
        raise forbidden()
    rule = LeadAssignmentRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise not_found()
    services.assignment_rule_delete(actor=actor, rule=rule)
    return Status(204, None)

"""Customer service API (CUS-9, CUS-10, CUS-11): return visits and their rules, care reminders
and greeting templates, satisfaction records, feedback tickets and the feedback dashboard.

Transport only: reads through the selectors (scoped by salesdesk.org.scoping), writes through the
services. Answers as in the customers API: out of scope 404; a missing function permission
(configure, delete) 403, checked before any record is looked up; a stale `version` 409
`conflict`; bad input 422 with the field's message. Nothing changes on any of these.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UserRef
from salesdesk.customers import selectors as customer_selectors
from salesdesk.customers.care import selectors as care_selectors
from salesdesk.customers.care import services as care_services
from salesdesk.customers.care.models import CareReminder, GreetingTemplate
from salesdesk.customers.feedback import selectors as feedback_selectors
from salesdesk.customers.feedback import services as feedback_services
from salesdesk.customers.models import Contact, Customer
from salesdesk.customers.visits import selectors as visit_selectors
from salesdesk.customers.visits import services as visit_services
from salesdesk.customers.visits.models import VisitPolicy
from salesdesk.org.models import FunctionPermission, User
from salesdesk.org.permissions import can_configure
from salesdesk.org.selectors import users_visible

router = Router(tags=["Customer service"])


def _customer(actor: User, pk: int) -> Customer:
    customer = customer_selectors.customers_visible(actor).filter(pk=pk).first()
    if customer is None:
        raise not_found()
    return customer


def _require_configure(actor: User) -> None:
    if not can_configure(actor):
        raise forbidden(_("You do not have permission to change settings."))


class CustomerRef(Schema):
    id: int
    name: str
    level: str


# --- return visits --------------------------------------------------------------------------


class ReturnVisitOut(Schema):
    id: int
    customer: CustomerRef
    visitor: UserRef
    kind: str
    visited_at: datetime
    summary: str
    satisfaction: int | None
    next_due: date | None


class ReturnVisitFilters(PageParams):
    customer: int | None = Field(None, description="Only this customer's visits.")
    level: str = Field("", description="Customer level A–D.")
    owner: int | None = Field(None, description="Customers of this owner.")


class ReturnVisitIn(Schema):
    customer: int
    kind: str = Field(description="phone, on_site or online.")
    summary: str
    visited_at: datetime | None = None
    satisfaction: int | None = Field(None, description="CSAT 1–5.")


@router.get(
    "/return-visits",
    response={200: page_of(ReturnVisitOut), **errors(422)},
    summary="Return visits I can see, newest first",
)
def return_visit_list(request, filters: Query[ReturnVisitFilters]):
    qs = visit_selectors.visits_done(request.auth, level=filters.level, owner_id=filters.owner)
    if filters.customer is not None:
        qs = qs.filter(customer_id=filters.customer)
    return paginate(qs, filters)


@router.post(
    "/return-visits",
    response={201: ReturnVisitOut, **errors(403, 404, 422)},
    summary="Record a return visit (moves the customer's next visit date)",
)
def return_visit_create(request, payload: ReturnVisitIn):
    actor = request.auth
    customer = _customer(actor, payload.customer)
    visit = visit_services.return_visit_create(
        actor=actor,
        customer=customer,
        kind=payload.kind,
        summary=payload.summary,
        visited_at=payload.visited_at,
        satisfaction=payload.satisfaction,
        request=request,
    )
    return Status(201, visit_selectors.visits_done(actor).get(pk=visit.pk))


class VisitPolicyOut(Schema):
    id: int
    level: str
    interval_days: int | None


class VisitPolicyIn(Schema):
    interval_days: int | None = Field(description="Days between visits; null: no visits.")


@router.get(
    "/visit-policies",
    response={200: list[VisitPolicyOut], **errors()},
    summary="Return-visit interval per customer level",
)
def visit_policy_list(request):
    return visit_selectors.policies()


@router.patch(
    "/visit-policies/{int:policy_id}",
    response={200: VisitPolicyOut, **errors(403, 404, 422)},
    summary="Change a level's visit interval (needs the configure permission)",
)
def visit_policy_update(request, policy_id: int, payload: VisitPolicyIn):
    actor = request.auth
    _require_configure(actor)
    policy = VisitPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise not_found()
    return visit_services.visit_policy_update(
        actor=actor, policy=policy, interval_days=payload.interval_days, request=request
    )


# --- care -----------------------------------------------------------------------------------


class CareReminderOut(Schema):
    id: int
    customer: CustomerRef
    contact_id: int | None
    contact_name: str
    occasion: str
    occasion_label: str
    date: date
    years: int | None
    status: str
    greeting: str

    @staticmethod
    def resolve_contact_name(obj) -> str:
        return obj.contact.name if obj.contact_id else ""

    @staticmethod
    def resolve_occasion_label(obj) -> str:
        return str(obj.get_occasion_display())


class CareFilters(PageParams):
    bucket: str = Field("upcoming", description="upcoming, today, overdue or done.")
    occasion: str = ""
    owner: int | None = None


@router.get(
    "/care-reminders",
    response={200: page_of(CareReminderOut), **errors(422)},
    summary="Care reminders of customers I can see",
)
def care_reminder_list(request, filters: Query[CareFilters]):
    qs = care_selectors.reminders(
        request.auth, bucket=filters.bucket, occasion=filters.occasion, owner_id=filters.owner
    )
    return paginate(qs, filters)


@router.post(
    "/care-reminders/{int:reminder_id}/sent",
    response={200: CareReminderOut, **errors(403, 404, 422)},
    summary="Mark a care reminder as sent",
)
def care_reminder_mark_sent(request, reminder_id: int):
    actor = request.auth
    reminder = care_services.care_reminder_mark_sent(
        actor=actor, reminder=_visible_reminder(actor, reminder_id), request=request
    )
    return _visible_reminder(actor, reminder.pk)


@router.post(
    "/care-reminders/{int:reminder_id}/skip",
    response={200: CareReminderOut, **errors(403, 404, 422)},
    summary="Skip a care reminder",
)
def care_reminder_skip(request, reminder_id: int):
    actor = request.auth
    reminder = care_services.care_reminder_skip(
        actor=actor, reminder=_visible_reminder(actor, reminder_id), request=request
    )
    return _visible_reminder(actor, reminder.pk)


def _visible_reminder(actor: User, pk: int) -> CareReminder:
    from salesdesk.org.scoping import visible_to

    reminder = (
        visible_to(CareReminder.objects.filter(pk=pk), actor)
        .select_related("customer", "contact")
        .first()
    )
    if reminder is None:
        raise not_found()
    return reminder


class GreetingTemplateOut(Schema):
    id: int
    occasion: str
    language: str
    subject: str
    body: str


class GreetingTemplateIn(Schema):
    subject: str
    body: str = Field(description="Placeholders: {contact}, {customer}, {sender}, {years}.")


@router.get(
    "/greeting-templates",
    response={200: list[GreetingTemplateOut], **errors()},
    summary="Greeting templates (per occasion and language)",
)
def greeting_template_list(request):
    return list(GreetingTemplate.objects.order_by("occasion", "language"))


@router.patch(
    "/greeting-templates/{int:template_id}",
    response={200: GreetingTemplateOut, **errors(403, 404, 422)},
    summary="Change a greeting template (needs the configure permission)",
)
def greeting_template_update(request, template_id: int, payload: GreetingTemplateIn):
    actor = request.auth
    _require_configure(actor)
    template = GreetingTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise not_found()
    return care_services.greeting_template_update(
        actor=actor,
        template=template,
        subject=payload.subject,
        body=payload.body,
        request=request,
    )


# --- satisfaction ---------------------------------------------------------------------------


class SatisfactionOut(Schema):
    id: int
    customer: CustomerRef
    contact_id: int | None
    kind: str
    score: int
    comment: str
    recorded_by: UserRef
    recorded_at: datetime
    visit_id: int | None


class SatisfactionFilters(PageParams):
    customer: int | None = None
    kind: str = Field("", description="csat or nps.")


class SatisfactionIn(Schema):
    customer: int
    kind: str = Field(description="csat (1–5) or nps (0–10).")
    score: int
    comment: str = ""
    contact: int | None = None
    recorded_at: datetime | None = None


@router.get(
    "/satisfaction",
    response={200: page_of(SatisfactionOut), **errors(422)},
    summary="Satisfaction records I can see, newest first",
)
def satisfaction_list(request, filters: Query[SatisfactionFilters]):
    qs = feedback_selectors.satisfaction_list(
        request.auth, customer_id=filters.customer, kind=filters.kind
    )
    return paginate(qs, filters)


@router.post(
    "/satisfaction",
    response={201: SatisfactionOut, **errors(403, 404, 422)},
    summary="Record a CSAT or NPS score",
)
def satisfaction_create(request, payload: SatisfactionIn):
    from django.core.exceptions import ValidationError

    actor = request.auth
    customer = _customer(actor, payload.customer)
    contact = None
    if payload.contact is not None:
        contact = Contact.objects.filter(pk=payload.contact, customer_id=customer.pk).first()
        if contact is None:
            raise ValidationError({"contact": [_("Select a contact of this customer.")]})
    record = feedback_services.satisfaction_record_create(
        actor=actor,
        customer=customer,
        kind=payload.kind,
        score=payload.score,
        comment=payload.comment,
        contact=contact,
        recorded_at=payload.recorded_at,
        request=request,
    )
    return Status(201, feedback_selectors.satisfaction_list(actor).get(pk=record.pk))


# --- feedback tickets -----------------------------------------------------------------------


class TicketOut(Schema):
    id: int
    customer: CustomerRef
    owner: UserRef
    type: str
    severity: str
    title: str
    description: str
    due_at: datetime
    status: str
    resolution: str
    resolved_at: datetime | None
    overdue: bool
    version: int
    created_at: datetime

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue


class TicketFilters(PageParams):
    status: str = Field("", description="open, in_progress, resolved or closed.")
    severity: str = ""
    type: str = ""
    owner: int | None = None
    customer: int | None = None
    overdue: bool = False
    sort: str = Field("due", description="due, created, severity, status or title; - for desc.")


class TicketCreateIn(Schema):
    customer: int
    type: str = Field(description="complaint, suggestion, inquiry or praise.")
    severity: str = Field("medium", description="low, medium, high or critical.")
    title: str
    description: str = ""
    owner: int | None = Field(None, description="Default: the customer's owner.")
    due_at: datetime | None = Field(None, description="Default: by severity (1/3/7/14 days).")


class TicketUpdateIn(Schema):
    version: int
    type: str | None = None
    severity: str | None = None
    title: str | None = None
    description: str | None = None
    due_at: datetime | None = None
    status: str | None = None
    resolution: str | None = None
    owner: int | None = None


def _ticket(actor: User, pk: int):
    ticket = feedback_selectors.ticket_list(actor).filter(pk=pk).first()
    if ticket is None:
        raise not_found()
    return ticket


def _user(actor: User, pk: int | None, field: str = "owner") -> User | None:
    from django.core.exceptions import ValidationError

    if pk is None:
        return None
    user = users_visible(actor).filter(pk=pk).first()
    if user is None:
        raise ValidationError({field: [_("Select a valid user.")]})
    return user


@router.get(
    "/feedback-tickets",
    response={200: page_of(TicketOut), **errors(422)},
    summary="Feedback tickets I can see",
)
def feedback_ticket_list(request, filters: Query[TicketFilters]):
    from salesdesk.customers.feedback.selectors import TICKET_SORTS

    key = filters.sort.lstrip("-")
    order = TICKET_SORTS.get(key, "due_at")
    if filters.sort.startswith("-"):
        order = "-" + order
    qs = feedback_selectors.ticket_list(
        request.auth,
        status=filters.status,
        severity=filters.severity,
        type=filters.type,
        owner_id=filters.owner,
        customer_id=filters.customer,
        overdue=filters.overdue,
        sort=order,
    )
    return paginate(qs, filters)


@router.post(
    "/feedback-tickets",
    response={201: TicketOut, **errors(403, 404, 422)},
    summary="Open a feedback ticket",
)
def feedback_ticket_create(request, payload: TicketCreateIn):
    actor = request.auth
    customer = _customer(actor, payload.customer)
    ticket = feedback_services.feedback_ticket_create(
        actor=actor,
        customer=customer,
        type=payload.type,
        severity=payload.severity,
        title=payload.title,
        description=payload.description,
        owner=_user(actor, payload.owner),
        due_at=payload.due_at,
        request=request,
    )
    return Status(201, _ticket(actor, ticket.pk))


@router.get(
    "/feedback-tickets/{int:ticket_id}",
    response={200: TicketOut, **errors(404)},
    summary="One feedback ticket",
)
def feedback_ticket_get(request, ticket_id: int):
    return _ticket(request.auth, ticket_id)


@router.patch(
    "/feedback-tickets/{int:ticket_id}",
    response={200: TicketOut, **errors(403, 404, 409, 422)},
    summary="Edit a ticket, change its status or owner (409 on a stale version)",
)
def feedback_ticket_update(request, ticket_id: int, payload: TicketUpdateIn):
    from django.core.exceptions import ValidationError

    actor = request.auth
    ticket = _ticket(actor, ticket_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    owner = _user(actor, changes.pop("owner", None))
    for field, value in changes.items():
        if value is None:
            raise ValidationError({field: [_("This field cannot be empty.")]})
    feedback_services.feedback_ticket_update(
        actor=actor,
        ticket=ticket,
        expected_version=version,
        owner=owner,
        request=request,
        **changes,
    )
    return _ticket(actor, ticket_id)


@router.delete(
    "/feedback-tickets/{int:ticket_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a ticket to the recycle bin",
)
def feedback_ticket_delete(request, ticket_id: int):
    actor = request.auth
    if not actor.has_function(FunctionPermission.DELETE):
        raise forbidden(_("You do not have permission to delete records."))
    ticket = _ticket(actor, ticket_id)
    feedback_services.feedback_ticket_delete(actor=actor, ticket=ticket, request=request)
    return Status(204, None)


class ScoreRow(Schema):
    key: str
    label: str
    csat_avg: float | None
    csat_count: int
    nps: int | None
    nps_count: int


class DashboardOut(Schema):
    open: int
    overdue: int
    resolved_this_month: int
    by_level: list[ScoreRow]
    by_owner: list[ScoreRow]
    by_month: list[ScoreRow]


@router.get(
    "/feedback/dashboard",
    response={200: DashboardOut, **errors()},
    summary="Open, overdue and resolved tickets; satisfaction by level, owner and month",
)
def feedback_dashboard(request):
    return feedback_selectors.dashboard_rows(feedback_selectors.dashboard(request.auth))

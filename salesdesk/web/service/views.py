"""Return visits, care and feedback pages (CUS-9, CUS-10, CUS-11), their settings pages and the
service tab of the customer 360 page.

Transport only: reads through the selectors (scoped), writes through the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesdesk.customers.care import selectors as care_selectors
from salesdesk.customers.care import services as care_services
from salesdesk.customers.care.models import CareReminder, GreetingLanguage, Occasion
from salesdesk.customers.feedback import selectors as feedback_selectors
from salesdesk.customers.feedback import services as feedback_services
from salesdesk.customers.feedback.models import (
    FeedbackTicket,
    Severity,
    TicketStatus,
    TicketType,
)
from salesdesk.customers.models import Customer, CustomerLevel
from salesdesk.customers.visits import selectors as visit_selectors
from salesdesk.customers.visits import services as visit_services
from salesdesk.customers.visits.models import VisitPolicy
from salesdesk.org.models import FunctionPermission
from salesdesk.org.scoping import editable_by, visible_to
from salesdesk.org.selectors import users_visible
from salesdesk.web.access import can_configure, require
from salesdesk.web.forms import apply_service_error, save_through_service
from salesdesk.web.pagination import paginate, query_without
from salesdesk.web.service.forms import (
    GreetingTemplateForm,
    ReturnVisitForm,
    SatisfactionForm,
    TicketCreateForm,
    TicketEditForm,
    VisitPolicyForm,
)

VISIT_TABS = {
    "due": gettext_lazy("Due soon"),
    "overdue": gettext_lazy("Overdue"),
    "done": gettext_lazy("Done"),
}
CARE_TABS = {
    "today": gettext_lazy("Today"),
    "upcoming": gettext_lazy("Upcoming"),
    "overdue": gettext_lazy("Overdue"),
    "done": gettext_lazy("Done"),
}
TICKET_SORTS = {
    "due": gettext_lazy("Due"),
    "severity": gettext_lazy("Severity"),
    "status": gettext_lazy("Status"),
    "title": gettext_lazy("Title"),
    "created": gettext_lazy("Created"),
}


def _tabs(tabs: dict, current: str) -> list[dict]:
    return [{"key": k, "label": v, "active": k == current} for k, v in tabs.items()]


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _owners(user) -> list:
    """The owners a viewer may filter by (only worth showing when there is more than one)."""
    owners = list(users_visible(user, include_inactive=False).order_by("username")[:500])
    return owners if len(owners) > 1 else []


def _editable_customer(user, pk: int) -> Customer:
    customer = editable_by(Customer.objects.all(), user).filter(pk=pk).first()
    if customer is None:
        if visible_to(Customer.objects.filter(pk=pk), user).exists():
            raise PermissionDenied
        raise Http404
    return customer


def _errors_to_messages(request, exc) -> None:
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(exc) or _("You do not have permission to do this."))


def _back(request, fallback: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# ---- return visits ---------------------------------------------------------------------------


@login_required
def return_visit_list(request):
    user = request.user
    tab = request.GET.get("tab", "due")
    if tab not in VISIT_TABS:
        tab = "due"
    level = request.GET.get("level", "")
    if level not in CustomerLevel.values:
        level = ""
    owner_id = _int(request.GET.get("owner"))
    if tab == "done":
        qs = visit_selectors.visits_done(user, level=level, owner_id=owner_id)
    else:
        qs = visit_selectors.customers_due(user, bucket=tab, level=level, owner_id=owner_id)
    page = paginate(request, qs)
    context = {
        "tab": tab,
        "tabs": _tabs(VISIT_TABS, tab),
        "page": page,
        "rows": page.object_list,
        "level": level,
        "owner_id": owner_id,
        "levels": CustomerLevel.choices,
        "owners": _owners(user),
        "page_query": query_without(request, "page"),
        "filter_query": query_without(request, "page", "tab"),
        "today": timezone.localdate(),
        "due_soon_days": visit_selectors.due_soon_days(),
    }
    return render(request, "service/visits.html", context)


@login_required
def return_visit_create(request, pk: int):
    customer = _editable_customer(request.user, pk)
    form = ReturnVisitForm(
        request.POST or None,
        initial={"kind": "phone", "visited_at": timezone.localtime().replace(second=0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            visit_services.return_visit_create(
                actor=request.user,
                customer=customer,
                kind=form.cleaned_data["kind"],
                summary=form.cleaned_data["summary"],
                visited_at=form.cleaned_data.get("visited_at"),
                satisfaction=form.cleaned_data.get("satisfaction"),
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request, _("Return visit to “%(name)s” recorded.") % {"name": customer.name}
            )
            return redirect(
                _back(request, reverse("web:customer_detail", args=[customer.pk]) + "?tab=service")
            )
    return render(
        request,
        "service/visit_form.html",
        {"form": form, "customer": customer, "next": request.GET.get("next", "")},
    )


# ---- care ------------------------------------------------------------------------------------


@login_required
def care_list(request):
    user = request.user
    tab = request.GET.get("tab", "today")
    if tab not in CARE_TABS:
        tab = "today"
    occasion = request.GET.get("occasion", "")
    if occasion not in Occasion.values:
        occasion = ""
    owner_id = _int(request.GET.get("owner"))
    language = request.GET.get("lang", "")
    if language not in GreetingLanguage.values:
        language = ""
    qs = care_selectors.reminders(user, bucket=tab, occasion=occasion, owner_id=owner_id)
    page = paginate(request, qs)
    templates = care_selectors.templates()
    rows = []
    for reminder in page.object_list:
        owner = reminder.customer.owner
        lang = language or care_services.greeting_language_code(
            getattr(owner, "language", "") if owner else ""
        )
        subject, body = care_services.render_greeting(
            templates.get((reminder.occasion, lang)),
            contact=reminder.contact.name if reminder.contact_id else reminder.customer.name,
            customer=reminder.customer.name,
            sender=owner.name if owner else "",
            years=reminder.years,
        )
        rows.append({"reminder": reminder, "subject": subject, "body": body})
    context = {
        "tab": tab,
        "tabs": _tabs(CARE_TABS, tab),
        "page": page,
        "rows": rows,
        "occasion": occasion,
        "occasions": Occasion.choices,
        "owner_id": owner_id,
        "owners": _owners(user),
        "language": language,
        "languages": GreetingLanguage.choices,
        "page_query": query_without(request, "page"),
        "filter_query": query_without(request, "page", "tab"),
        "today": timezone.localdate(),
    }
    return render(request, "service/care.html", context)


def _care_action(request, pk: int, service, done: str):
    reminder = visible_to(CareReminder.objects.all(), request.user).filter(pk=pk).first()
    if reminder is None:
        raise Http404
    try:
        service(actor=request.user, reminder=reminder, request=request)
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, done)
    return redirect(_back(request, reverse("web:care_list")))


@require_POST
@login_required
def care_mark_sent(request, pk: int):
    return _care_action(request, pk, care_services.care_reminder_mark_sent, _("Marked as sent."))


@require_POST
@login_required
def care_skip(request, pk: int):
    return _care_action(request, pk, care_services.care_reminder_skip, _("Reminder skipped."))


# ---- feedback --------------------------------------------------------------------------------


@login_required
def feedback_list(request):
    user = request.user
    params = request.GET
    status = params.get("status", "")
    status = status if status in [*TicketStatus.values, "active"] else ""
    severity = params.get("severity", "") if params.get("severity") in Severity.values else ""
    type_ = params.get("type", "") if params.get("type") in TicketType.values else ""
    owner_id = _int(params.get("owner"))
    overdue = params.get("overdue") == "1"
    sort = params.get("sort", "due")
    key = sort.lstrip("-")
    if key not in TICKET_SORTS:
        sort, key = "due", "due"
    descending = sort.startswith("-")
    order = ("-" if descending else "") + feedback_selectors.TICKET_SORTS[key]
    qs = feedback_selectors.ticket_list(
        user,
        status="" if status == "active" else status,
        open_only=status == "active",
        severity=severity,
        type=type_,
        owner_id=owner_id,
        overdue=overdue,
        sort=order,
    )
    page = paginate(request, qs)
    sort_columns = {
        k: {
            "key": k,
            "label": label,
            "active": k == key,
            "descending": descending and k == key,
            "next": f"-{k}" if (k == key and not descending) else k,
        }
        for k, label in TICKET_SORTS.items()
    }
    context = {
        "page": page,
        "tickets": page.object_list,
        "status": status,
        "severity": severity,
        "type": type_,
        "owner_id": owner_id,
        "overdue": overdue,
        "statuses": TicketStatus.choices,
        "severities": Severity.choices,
        "types": TicketType.choices,
        "owners": _owners(user),
        "sort_columns": sort_columns,
        "sort_query": query_without(request, "sort", "page"),
        "page_query": query_without(request, "page"),
        "is_filtered": bool(status or severity or type_ or owner_id or overdue),
        "now": timezone.now(),
    }
    return render(request, "service/feedback_list.html", context)


@login_required
def feedback_create(request, pk: int):
    customer = _editable_customer(request.user, pk)
    form = TicketCreateForm(
        request.POST or None, actor=request.user, initial={"severity": "medium"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = feedback_services.feedback_ticket_create(
                actor=request.user,
                customer=customer,
                type=data["type"],
                severity=data["severity"],
                title=data["title"],
                description=data.get("description", ""),
                owner=data.get("owner"),
                due_at=data.get("due_at"),
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Ticket “%(title)s” opened.") % {"title": ticket.title})
            return redirect("web:feedback_detail", ticket.pk)
    return render(request, "service/ticket_form.html", {"form": form, "customer": customer})


def _visible_ticket(user, pk: int) -> FeedbackTicket:
    ticket = feedback_selectors.ticket_list(user).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


EDIT_FIELDS = ("status", "type", "severity", "due_at", "title", "description", "resolution")


@login_required
def feedback_detail(request, pk: int):
    from salesdesk.web.history import field_history

    user = request.user
    ticket = _visible_ticket(user, pk)
    editable = editable_by(FeedbackTicket.objects.filter(pk=pk), user).exists()
    initial = {f: getattr(ticket, f) for f in EDIT_FIELDS}
    initial["due_at"] = timezone.localtime(ticket.due_at).replace(second=0, microsecond=0)
    initial.update(version=ticket.version, owner=ticket.owner)
    form = TicketEditForm(request.POST or None, actor=user, initial=initial)
    conflict = None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            changes = {f: data[f] for f in EDIT_FIELDS if data[f] != getattr(ticket, f)}
            owner = data["owner"] if data["owner"].pk != ticket.owner_id else None
            if not changes and owner is None:
                messages.info(request, _("Nothing was changed."))
                return redirect("web:feedback_detail", ticket.pk)
            saved, conflict = save_through_service(
                form,
                lambda: feedback_services.feedback_ticket_update(
                    actor=user,
                    ticket=ticket,
                    expected_version=data["version"],
                    owner=owner,
                    request=request,
                    **changes,
                ),
            )
            if saved:
                messages.success(request, _("Ticket saved."))
                return redirect("web:feedback_detail", ticket.pk)
    context = {
        "ticket": ticket,
        "form": form,
        "conflict": conflict,
        "editable": editable,
        "can_delete": editable and user.has_function(FunctionPermission.DELETE),
        "history": field_history(ticket),
        "now": timezone.now(),
    }
    return render(request, "service/ticket_detail.html", context, status=409 if conflict else 200)


@require_POST
@login_required
def feedback_delete(request, pk: int):
    ticket = _visible_ticket(request.user, pk)
    try:
        feedback_services.feedback_ticket_delete(actor=request.user, ticket=ticket, request=request)
    except FeedbackTicket.DoesNotExist:
        raise PermissionDenied from None
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
        return redirect("web:feedback_detail", ticket.pk)
    messages.success(
        request, _("Ticket “%(title)s” moved to the recycle bin.") % {"title": ticket.title}
    )
    return redirect("web:feedback_list")


@login_required
def feedback_dashboard(request):
    board = feedback_selectors.dashboard_rows(feedback_selectors.dashboard(request.user))
    chart = {
        "labels": {
            "csat": _("Average CSAT"),
            "nps": _("NPS"),
            "level": _("By customer level"),
            "month": _("By month"),
        },
        "by_level": board["by_level"],
        "by_month": board["by_month"],
    }
    return render(request, "service/dashboard.html", {"board": board, "chart": chart})


@login_required
def satisfaction_create(request, pk: int):
    customer = _editable_customer(request.user, pk)
    form = SatisfactionForm(request.POST or None, initial={"kind": "csat"})
    if request.method == "POST" and form.is_valid():
        try:
            feedback_services.satisfaction_record_create(
                actor=request.user,
                customer=customer,
                kind=form.cleaned_data["kind"],
                score=form.cleaned_data["score"],
                comment=form.cleaned_data.get("comment", ""),
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Satisfaction recorded."))
            return redirect(reverse("web:customer_detail", args=[customer.pk]) + "?tab=service")
    return render(request, "service/satisfaction_form.html", {"form": form, "customer": customer})


# ---- customer 360: the service tab -----------------------------------------------------------


def customer_service_context(user, customer) -> dict:
    """Visits, satisfaction and tickets of one customer (for customers/detail.html)."""
    return {
        "service_visits": list(visit_selectors.visits_of(user, customer)[:20]),
        "service_scores": list(
            feedback_selectors.satisfaction_list(user, customer_id=customer.pk)[:20]
        ),
        "service_tickets": list(
            feedback_selectors.ticket_list(user, customer_id=customer.pk, sort="-created_at")[:20]
        ),
    }


# ---- settings --------------------------------------------------------------------------------


@require(can_configure)
def visit_policy_list(request):
    policies = list(VisitPolicy.objects.order_by("level"))
    errors: dict[int, list[str]] = {}
    if request.method == "POST":
        policy = next((p for p in policies if p.pk == _int(request.POST.get("policy"))), None)
        if policy is None:
            raise Http404
        form = VisitPolicyForm(request.POST)
        if form.is_valid():
            try:
                visit_services.visit_policy_update(
                    actor=request.user,
                    policy=policy,
                    interval_days=form.cleaned_data["interval_days"],
                    request=request,
                )
            except (ValidationError, PermissionDenied) as exc:
                errors[policy.pk] = list(getattr(exc, "messages", [str(exc)]))
            else:
                messages.success(
                    request,
                    _("Return visit rule for level %(level)s saved.") % {"level": policy.level},
                )
                return redirect("web:visit_policy_list")
        else:
            errors[policy.pk] = [m for ms in form.errors.values() for m in ms]
    rows = [{"policy": p, "errors": errors.get(p.pk, [])} for p in policies]
    return render(
        request,
        "service/visit_policies.html",
        {"rows": rows, "levels": dict(CustomerLevel.choices)},
        status=422 if errors else 200,
    )


@require(can_configure)
def greeting_template_list(request):
    templates = list(care_selectors.templates().values())
    templates.sort(key=lambda t: (Occasion.values.index(t.occasion), t.language))
    errors: dict[int, dict] = {}
    posted = None
    if request.method == "POST":
        template = next((t for t in templates if t.pk == _int(request.POST.get("template"))), None)
        if template is None:
            raise Http404
        form = GreetingTemplateForm(request.POST)
        posted = template.pk
        if form.is_valid():
            try:
                care_services.greeting_template_update(
                    actor=request.user,
                    template=template,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    request=request,
                )
            except (ValidationError, PermissionDenied) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Greeting template saved."))
                return redirect("web:greeting_template_list")
        errors[template.pk] = form
    rows = [
        {
            "template": t,
            "form": errors.get(t.pk)
            or GreetingTemplateForm(initial={"subject": t.subject, "body": t.body}),
            "open": t.pk == posted,
        }
        for t in templates
    ]
    return render(
        request,
        "service/greeting_templates.html",
        {"rows": rows, "occasions": dict(Occasion.choices)},
        status=422 if errors else 200,
    )

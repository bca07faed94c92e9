"""Commission pages (PRF-4): statements (Targets & performance → Commissions) and commission
plans (Settings).

Transport only: reads through salesdesk.commissions.selectors (scoped: a rep sees their own
statements, a team lead their people's; another rep's statement answers 404), writes through
its services. Computing, locking and plans need the "manage commissions" permission.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesdesk.commissions import selectors, services
from salesdesk.commissions.models import PeriodKind, StatementStatus
from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent
from salesdesk.imports.exporters import csv_bytes, xlsx_bytes
from salesdesk.org.models import DataScope, FunctionPermission, Role
from salesdesk.org.permissions import can_manage_commissions
from salesdesk.web.access import require
from salesdesk.web.commissions.forms import CommissionPlanForm
from salesdesk.web.forms import errors_to_messages
from salesdesk.web.pagination import paginate, query_without
from salesdesk.web.records import RecordPages


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


# ---- plans (Settings) ------------------------------------------------------------------------


@require(can_manage_commissions)
def plan_list(request):
    return render(request, "commissions/plans.html", {"plans": list(selectors.plans())})


PLANS = RecordPages(
    form=CommissionPlanForm,
    template="commissions/plan_form.html",
    name="plan",
    url="web:commission_plan",
    get=selectors.plan,
    create=services.commission_plan_create,
    update=lambda record, **kw: services.commission_plan_update(plan=record, **kw),
    delete=lambda record, **kw: services.commission_plan_delete(plan=record, **kw),
    created=gettext_lazy("Commission plan “%(name)s” created."),
    saved=gettext_lazy("Commission plan saved."),
    initial={"is_active": True, "add_tier_rate": True, "base_rate": 0},
)


@require(can_manage_commissions)
def plan_create(request):
    return PLANS.create_view(request)


@require(can_manage_commissions)
def plan_edit(request, pk: int):
    return PLANS.edit_view(request, pk)


@require_POST
@require(can_manage_commissions)
def plan_delete(request, pk: int):
    return PLANS.delete_view(request, pk)


# ---- statements ------------------------------------------------------------------------------


@login_required
def statement_list(request):
    user = request.user
    filters = {
        "plan": _int(request.GET.get("plan")),
        "period_start": _day(request.GET.get("period")),
        "person": _int(request.GET.get("person")),
        "status": request.GET.get("status")
        if request.GET.get("status") in StatementStatus.values
        else None,
    }
    sort = request.GET.get("sort") if request.GET.get("sort") in selectors.SORTS else "period"
    qs = selectors.statement_list(user, sort=sort, **filters)
    page = paginate(request, qs)
    manager = can_manage_commissions(user)
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    context = {
        "page": page,
        "statements": page.object_list,
        "totals": selectors.statement_totals(qs),
        "filters": filters,
        "sort": sort,
        "plans": list(selectors.plans(active=True)) if manager else [],
        "all_plans": list(selectors.plans()),
        "period_choices": selectors.statement_periods(user),
        "people": selectors.statement_people(user),
        "statuses": StatementStatus.choices,
        "period_kinds": PeriodKind.choices,
        "page_query": query_without(request, "page"),
        "sort_query": query_without(request, "page", "sort"),
        "is_filtered": any(v for v in filters.values()),
        "can_manage": manager,
        "can_lock": manager and user.data_scope == DataScope.ALL,
        "can_unlock": manager and user.role_id and user.role.code == Role.Code.ADMIN,
        "locks": list(selectors.locks()[:12]),
        "default_day": last_month,
    }
    return render(request, "commissions/statements.html", context)


@require_POST
@require(can_manage_commissions)
def statement_compute(request):
    plan = selectors.plans(active=True).filter(pk=_int(request.POST.get("plan"))).first()
    day = _day(request.POST.get("day"))
    if plan is None or day is None:
        messages.error(request, _("Select a commission plan and a period."))
        return redirect("web:commission_list")
    try:
        result = services.statements_compute(actor=request.user, plan=plan, day=day)
    except services.PeriodLockedError as exc:
        messages.error(request, str(exc))
        return redirect("web:commission_list")
    except (ValidationError, PermissionDenied) as exc:
        errors_to_messages(request, exc)
        return redirect("web:commission_list")
    messages.success(
        request,
        _("%(created)d statements created, %(recomputed)d drafts recomputed.")
        % {"created": result.created, "recomputed": result.recomputed},
    )
    return redirect(f"{reverse('web:commission_list')}?plan={plan.pk}&period={result.start}")


@require_POST
@require(can_manage_commissions)
def period_lock(request):
    day = _day(request.POST.get("day"))
    kind = request.POST.get("period_kind") or PeriodKind.MONTH
    if day is None:
        messages.error(request, _("Select a period."))
        return redirect("web:commission_list")
    unlock = request.POST.get("action") == "unlock"
    try:
        if unlock:
            count = services.period_unlock(
                actor=request.user,
                period_kind=kind,
                day=day,
                reason=request.POST.get("reason", ""),
                request=request,
            )
        else:
            lock = services.period_lock(
                actor=request.user, period_kind=kind, day=day, request=request
            )
    except services.PeriodLockedError as exc:
        messages.error(request, str(exc))
    except (ValidationError, PermissionDenied) as exc:
        errors_to_messages(request, exc)
    else:
        if unlock:
            messages.success(
                request,
                _("Period unlocked: %(count)d statements are drafts again.") % {"count": count},
            )
        else:
            messages.success(
                request,
                _("Commission period starting %(start)s locked.")
                % {"start": lock.period_start.isoformat()},
            )
    return redirect("web:commission_list")


def _statement_or_404(user, pk: int):
    statement = selectors.statement_detail(user, pk)
    if statement is None:
        raise Http404
    return statement


@login_required
def statement_detail(request, pk: int):
    statement = _statement_or_404(request.user, pk)
    return render(
        request,
        "commissions/statement_detail.html",
        {
            "s": statement,
            "lines": selectors.statement_lines(statement),
            "can_export": request.user.has_function(FunctionPermission.EXPORT)
            or statement.owner_id == request.user.pk,
        },
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def statement_csv(request, pk: int):
    """The statement's lines as CSV (UTF-8 with BOM), or as an Excel workbook with
    `?format=xlsx`; formula-escaped either way."""
    statement = _statement_or_404(request.user, pk)
    mine = statement.owner_id == request.user.pk
    if not (mine or request.user.has_function(FunctionPermission.EXPORT)):
        raise PermissionDenied
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    headers = [
        _("Source"),
        _("Contract number"),
        _("Payment"),
        _("Return"),
        _("Customer"),
        _("Product line"),
        _("Date"),
        _("Base amount"),
        _("Rate (%)"),
        _("Multiplier"),
        _("Commission"),
        _("Explanation"),
    ]
    rows = [
        [
            line.get_source_kind_display(),
            line.contract_number,
            line.payment_id or "",
            line.return_id or "",
            line.customer_name,
            line.product_line_name,
            line.day,
            line.base_amount,
            line.rate,
            line.multiplier,
            line.amount,
            line.explanation,
        ]
        for line in selectors.statement_lines(statement)
    ]
    rows.append(
        [
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            statement.base_total,
            "",
            "",
            statement.commission_total,
            _("Total"),
        ]
    )
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        actor=request.user,
        request=request,
        target=statement,
        data={"what": "commission_statement", "rows": len(rows) - 1, "format": fmt},
    )
    name = f"commission-{statement.owner.username}-{statement.period_label}.{fmt}"
    if fmt == "xlsx":
        sheet = _("Commission statement")[:31]
        response = HttpResponse(xlsx_bytes([(sheet, headers, rows)]), content_type=XLSX)
    else:
        response = HttpResponse(csv_bytes(headers, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

"""Goal pages (TGT-1, TGT-2): list, form with the live achievability check, detail with the
allocation grid (units × months, a unit's people × months, people × weeks and days of one month),
the decomposition wizard and rebalancing.

Transport only: reads through salesdesk.targets.selectors (scoped), writes through its services.
Anyone signed in sees the goals in their scope; setting and changing them needs the "set goals"
permission and write access to the goal.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from salesdesk.core.locking import StaleEditError
from salesdesk.org.permissions import can_manage_goals
from salesdesk.org.scoping import editable_by
from salesdesk.org.selectors import units_visible, users_visible
from salesdesk.targets import metric_rules, progress, selectors, services
from salesdesk.targets.models import Goal, GoalStatus, OwnerKind, Seasonality
from salesdesk.web.access import require
from salesdesk.web.forms import apply_service_error, save_through_service
from salesdesk.web.forms import errors_to_messages as _errors_to_messages
from salesdesk.web.lists import parse_int as _int
from salesdesk.web.lists import sort_columns as _sort_columns
from salesdesk.web.pagination import paginate, query_without
from salesdesk.web.targets.forms import DecomposeForm, GoalForm, PartForm
from salesdesk.web.targets.progress import goal_records_url

SORTS = {
    "name": gettext_lazy("Name"),
    "period_start": gettext_lazy("Period"),
    "target_value": gettext_lazy("Target"),
    "created_at": gettext_lazy("Created"),
}


def _editable(user, goal: Goal) -> bool:
    return can_manage_goals(user) and editable_by(Goal.objects.filter(pk=goal.pk), user).exists()


def _goal_or_404(user, pk: int) -> Goal:
    goal = selectors.goal_detail(user, pk)
    if goal is None:
        raise Http404
    return goal


# ---- list ----------------------------------------------------------------------------------


@login_required
def goal_list(request):
    user = request.user
    params = request.GET
    sort, columns = _sort_columns(request, SORTS, "-period_start")
    filters = {
        "q": params.get("q", "").strip()[:100],
        "year": _int(params.get("year")),
        "metric": params.get("metric", "")
        if params.get("metric") in metric_rules.GOAL_METRICS
        else "",
        "owner_kind": params.get("owner_kind", "")
        if params.get("owner_kind") in OwnerKind.values
        else "",
        "status": params.get("status", "") if params.get("status") in GoalStatus.values else "",
    }
    page = paginate(request, selectors.goal_list(user, sort=sort, **filters))
    this_year = timezone.localdate().year
    context = {
        "page": page,
        "goals": page.object_list,
        "filters": filters,
        "metrics": metric_rules.choices(),
        "owner_kinds": OwnerKind.choices,
        "statuses": GoalStatus.choices,
        "years": list(range(this_year + 1, this_year - 4, -1)),
        "sort_columns": columns,
        "sort_query": query_without(request, "sort", "page"),
        "page_query": query_without(request, "page"),
        "is_filtered": any(v for v in filters.values()),
        "can_set": can_manage_goals(user),
    }
    return render(request, "targets/goals.html", context)


# ---- form and achievability check ----------------------------------------------------------


def _choices(user):
    return (
        list(units_visible(user).order_by("path")[:500]),
        list(users_visible(user, include_inactive=False).order_by("username")[:1000]),
    )


def _goal_form_page(request, goal: Goal | None):
    user = request.user
    units, users = _choices(user)
    if goal is None:
        initial = {
            "period_kind": "year",
            "year": timezone.localdate().year,
            "owner_kind": OwnerKind.UNIT if units else OwnerKind.USER,
            "status": GoalStatus.DRAFT,
            "metric": "signed_amount",
        }
    else:
        initial = {
            "name": goal.name,
            "metric": goal.metric,
            "owner_kind": goal.owner_kind,
            "unit": goal.org_unit_id,
            "user": goal.owner_id,
            "period_kind": goal.period_kind,
            "year": goal.period_start.year,
            "quarter": (goal.period_start.month + 2) // 3,
            "month": goal.period_start.month,
            "period_start": goal.period_start,
            "period_end": goal.period_end,
            "baseline": goal.baseline,
            "target_value": goal.target_value,
            "status": goal.status,
            "rationale": goal.rationale,
            "version": goal.version,
        }
    form = GoalForm(request.POST or None, initial=initial, units=units, users=users)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        if goal is None:
            try:
                created = services.goal_create(actor=user, request=request, **data)
            except (ValidationError, PermissionDenied) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Goal “%(name)s” saved.") % {"name": created.name})
                return redirect("web:goal_detail", created.pk)
        else:
            saved, conflict = save_through_service(
                form,
                lambda: services.goal_update(
                    actor=user,
                    goal=goal,
                    expected_version=form.cleaned_data["version"],
                    request=request,
                    **data,
                ),
            )
            if saved:
                messages.success(request, _("Goal “%(name)s” saved.") % {"name": goal.name})
                return redirect("web:goal_detail", goal.pk)
    context = {"goal": goal, "form": form, "conflict": conflict}
    status = 409 if conflict else (422 if request.method == "POST" else 200)
    return render(request, "targets/goal_form.html", context, status=status)


@require(can_manage_goals)
def goal_create(request):
    return _goal_form_page(request, None)


@require(can_manage_goals)
def goal_edit(request, pk: int):
    goal = _goal_or_404(request.user, pk)
    if not _editable(request.user, goal):
        raise PermissionDenied
    return _goal_form_page(request, goal)


@require_GET
@require(can_manage_goals)
def goal_check(request):
    """htmx: the achievability check of the form's current values (read only)."""
    units, users = _choices(request.user)
    form = GoalForm(request.GET, units=units, users=users)
    result, error = None, ""
    if form.is_valid():
        data = form.service_fields()
        try:
            start, end = services.resolve_period(
                data["period_kind"],
                year=data.get("year"),
                quarter=data.get("quarter"),
                month=data.get("month"),
                start=data.get("period_start"),
                end=data.get("period_end"),
            )
            result = services.achievability(
                actor=request.user,
                metric_key=data["metric"],
                owner_kind=data["owner_kind"],
                unit=data.get("unit"),
                user=data.get("user"),
                period_start=start,
                period_end=end,
                target_value=data["target_value"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Fill in the metric, whose goal, the period and the target to see the check.")
    return render(
        request,
        "targets/_check.html",
        {"check": result, "error": error, "metric": request.GET.get("metric", "")},
    )


# ---- detail and allocation grid ------------------------------------------------------------


def _month_param(raw: str | None) -> date | None:
    try:
        year, month = (int(x) for x in (raw or "").split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        return None


@login_required
def goal_detail(request, pk: int):
    user = request.user
    goal = _goal_or_404(user, pk)
    editable = _editable(user, goal)
    context = {
        "goal": goal,
        "editable": editable,
        "can_delete": editable and user.has_function("can_delete"),
        "progress": progress.goal_progress(goal),
        "progress_url": goal_records_url(goal, goal.period_start, goal.period_end),
    }
    if goal.is_decomposed:
        rows = selectors.owner_rows(goal)
        root = selectors.root_row(rows)
        focus = rows.get(_int(request.GET.get("node"))) or root
        if focus is not None:
            trail, node = [], focus
            while node is not None:
                trail.insert(0, node)
                node = rows.get(node.parent_id)
            months, grid = selectors.month_grid(goal, focus)
            month = _month_param(request.GET.get("month"))
            month_span = next(((s, e) for s, e in months if s.replace(day=1) == month), None)
            detail = None
            if month_span is not None:
                detail = selectors.month_detail(goal, focus, *month_span)
            part = None
            part_id = _int(request.GET.get("part"))
            if editable and part_id:
                part = goal.parts.filter(pk=part_id).first()
            context.update(
                focus=focus,
                trail=trail,
                months=months,
                grid=grid,
                month=month_span,
                detail=detail,
                edit_part=part,
                part_form=PartForm(
                    initial={"amount": part.amount, "mode": "siblings", "version": goal.version}
                )
                if part is not None
                else None,
                needs=services.rebalance_needs(goal) if editable else [],
                additive=goal.metric_info.additive if goal.metric_info else True,
                month_totals=[
                    sum((r.cells[i]["amount"] for r in grid), Decimal(0))
                    for i in range(len(months))
                ],
            )
    return render(request, "targets/goal_detail.html", context)


def _back_to_grid(request, goal: Goal) -> str:
    url = reverse("web:goal_detail", args=[goal.pk])
    keep = {k: request.POST.get(k) for k in ("node", "month") if request.POST.get(k)}
    if keep:
        url += "?" + "&".join(f"{k}={v}" for k, v in keep.items())
    return url


@require_POST
@login_required
def goal_part_edit(request, pk: int, part_pk: int):
    goal = _goal_or_404(request.user, pk)
    if not _editable(request.user, goal):
        raise PermissionDenied
    form = PartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a number of zero or more."))
        return redirect(_back_to_grid(request, goal))
    data = form.cleaned_data
    try:
        services.part_set_amount(
            actor=request.user,
            goal=goal,
            part_id=part_pk,
            amount=data["amount"],
            mode=data["mode"],
            confirm_total=data["confirm_total"],
            expected_version=data["version"],
            request=request,
        )
    except StaleEditError as exc:
        messages.error(request, exc.messages[0])
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
    except goal.parts.model.DoesNotExist:
        raise Http404 from None
    else:
        messages.success(request, _("Allocation saved; the parts still add up to the whole."))
    return redirect(_back_to_grid(request, goal))


@require_POST
@login_required
def goal_rebalance(request, pk: int):
    goal = _goal_or_404(request.user, pk)
    if not _editable(request.user, goal):
        raise PermissionDenied
    try:
        count = services.goal_rebalance(
            actor=request.user,
            goal=goal,
            expected_version=_int(request.POST.get("version")),
            request=request,
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(
            request, _("Rebalanced %(count)s unit(s) from today on.") % {"count": count}
        )
    return redirect("web:goal_detail", goal.pk)


@require_POST
@login_required
def goal_delete(request, pk: int):
    goal = _goal_or_404(request.user, pk)
    try:
        services.goal_delete(actor=request.user, goal=goal, request=request)
    except Goal.DoesNotExist:
        raise PermissionDenied from None
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
        return redirect("web:goal_detail", goal.pk)
    messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": goal.name})
    return redirect("web:goal_list")


# ---- decomposition wizard ------------------------------------------------------------------


@login_required
def goal_decompose(request, pk: int):
    user = request.user
    goal = _goal_or_404(user, pk)
    if not _editable(user, goal):
        raise PermissionDenied
    people = selectors.goal_people(goal)
    stored = goal.split_weights or {}
    form = DecomposeForm(
        request.POST or None,
        initial={
            "method": goal.split_method or "equal",
            "seasonality": goal.seasonality or Seasonality.WORKING_DAYS,
            "version": goal.version,
        },
    )
    weights = {str(p.pk): request.POST.get(f"w-{p.pk}", stored.get(str(p.pk), "1")) for p in people}
    season = [
        request.POST.get(
            f"s-{m}", (goal.seasonality_weights or [])[m - 1] if goal.seasonality_weights else "1"
        )
        for m in range(1, 13)
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved, conflict = save_through_service(
            form,
            lambda: services.goal_decompose(
                actor=user,
                goal=goal,
                method=data["method"],
                weights=weights,
                seasonality=data["seasonality"],
                seasonality_weights=season,
                expected_version=data["version"],
                request=request,
            ),
        )
        if saved:
            messages.success(request, _("Goal decomposed."))
            return redirect("web:goal_detail", goal.pk)
        if conflict:
            form.add_error(None, conflict.messages[0])
    additive = goal.metric_info.additive if goal.metric_info else True
    context = {
        "goal": goal,
        "form": form,
        "people": [(p, weights[str(p.pk)]) for p in people],
        "season": list(zip(range(1, 13), season, strict=True)),
        "additive": additive,
    }
    return render(
        request, "targets/decompose.html", context, status=422 if request.method == "POST" else 200
    )

"""Progress pages (TGT-3): every visible goal with its progress, one goal's parts (units →
people, quarters, months, week pieces) with the same figures and links to the records behind an
actual, and the home page's "My targets" card.

Transport only: figures from salesdesk.targets.progress (goals read through the scoping function).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from salesdesk.org.selectors import users_visible
from salesdesk.targets import metric_rules, progress, selectors
from salesdesk.targets.models import OwnerKind
from salesdesk.web.lists import parse_int
from salesdesk.web.pagination import paginate, query_without

HOME_GOALS = 5
CONTRACT_METRICS = (
    "signed_amount",
    "contract_count",
    "payments_received",
    "return_amount",
    "return_rate",
)
DEAL_METRICS = {
    "won_deals": "won",
    "won_amount": "won",
    "avg_deal_size": "won",
    "sales_cycle_days": "won",
    "lost_deals": "lost",
    "win_rate": "",
}


def records_url(
    metric: str, start: date, end: date, *, user_id: int | None = None, unit_id: int | None = None
) -> str:
    """The list page of the records behind an actual, filtered by owner (or unit) and the
    period; the list pages apply the viewer's scope themselves. "" when no list fits."""
    if metric in CONTRACT_METRICS:
        params = {"view": "all", "from": start, "to": end}
        if user_id:
            params["owner"] = user_id
        return f"{reverse('web:contract_list')}?{urlencode(params)}"
    if metric in DEAL_METRICS:
        params = {"view": "all", "closed_from": start, "closed_to": end}
        if DEAL_METRICS[metric]:
            params["status"] = DEAL_METRICS[metric]
        if user_id:
            params["owner"] = user_id
        elif unit_id:
            params["unit"] = unit_id
        return f"{reverse('web:opportunities')}?{urlencode(params)}"
    if metric == "new_customers":
        params = {"view": "all", "created_from": start, "created_to": end}
        if user_id:
            params["owner"] = user_id
        elif unit_id:
            params["unit"] = unit_id
        return f"{reverse('web:customers')}?{urlencode(params)}"
    return ""


def goal_records_url(goal, start: date, end: date) -> str:
    if goal.owner_kind == OwnerKind.USER:
        return records_url(goal.metric, start, end, user_id=goal.owner_id)
    if goal.owner_kind == OwnerKind.UNIT:
        return records_url(goal.metric, start, end, unit_id=goal.org_unit_id)
    return records_url(goal.metric, start, end)


def _filters(request) -> dict:
    params = request.GET
    period = params.get("period", "")
    if not (period == "current" or (period.isdigit() and len(period) == 4)):
        period = ""
    metric = params.get("metric", "")
    status = params.get("status", "")
    return {
        "period": period,
        "metric": metric if metric in metric_rules.GOAL_METRICS else "",
        "owner": parse_int(params.get("owner")),
        "status": status if status in progress.Status.values else "",
    }


@login_required
def progress_list(request):
    user = request.user
    filters = _filters(request)
    today = timezone.localdate()
    rows = progress.goals_progress(user, today=today, **filters)
    page = paginate(request, rows)
    for row in page.object_list:
        row.records_url = goal_records_url(row.goal, row.goal.period_start, row.goal.period_end)
    context = {
        "page": page,
        "rows": page.object_list,
        "filters": filters,
        "metrics": metric_rules.choices(),
        "statuses": progress.Status.choices,
        "owners": list(users_visible(user, include_inactive=False).order_by("username")[:500]),
        "years": list(range(today.year + 1, today.year - 4, -1)),
        "page_query": query_without(request, "page"),
        "is_filtered": any(v for v in filters.values()),
        "margin": progress.margin(),
    }
    return render(request, "targets/progress.html", context)


def _month_param(raw: str | None) -> date | None:
    try:
        year, month = (int(x) for x in (raw or "").split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        return None


def _part_links(goal, parts) -> None:
    for part in parts:
        f = part.figures
        if part.kind in ("person", "unit"):
            part.records_url = records_url(
                goal.metric, f.start, f.end, user_id=part.user_id, unit_id=part.unit_id
            )
        else:
            part.records_url = ""


@login_required
def progress_goal(request, pk: int):
    """One goal's progress with its parts; `node` focuses a unit or person of the
    decomposition, `month` (YYYY-MM) picks the month whose week pieces are shown."""
    goal = selectors.goal_detail(request.user, pk)
    if goal is None:
        raise Http404
    breakdown = progress.goal_breakdown(
        goal,
        node=parse_int(request.GET.get("node")),
        month=_month_param(request.GET.get("month")),
    )
    focus = breakdown.focus
    _part_links(goal, breakdown.owners)
    for part in (*breakdown.quarters, *breakdown.months, *breakdown.weeks):
        if focus is None or focus.parent_id is None:
            part.records_url = goal_records_url(goal, part.figures.start, part.figures.end)
        else:
            part.records_url = records_url(
                goal.metric,
                part.figures.start,
                part.figures.end,
                user_id=focus.user_id,
                unit_id=focus.unit_id,
            )
    f = breakdown.figures
    if focus is None or focus.parent_id is None:
        focus_url = goal_records_url(goal, f.start, f.end)
    else:
        focus_url = records_url(
            goal.metric, f.start, f.end, user_id=focus.user_id, unit_id=focus.unit_id
        )
    context = {"goal": goal, "b": breakdown, "focus_url": focus_url}
    return render(request, "targets/progress_goal.html", context)


@login_required
def progress_mine(request):
    """The home page's "My targets" card (htmx): the running goals the user is responsible for."""
    user = request.user
    rows = [
        row
        for row in progress.goals_progress(user, period="current", owner=user.pk)
        if row.goal.status == "active"
    ][:HOME_GOALS]
    return render(request, "targets/_my_targets.html", {"rows": rows})

"""The metric explorer (issue 5, item 1): pick a metric, a period and a grouping (per rep, per
unit, per month, per day) and read the scoped table from the metric layer. Transport only: the
figures come from `salesdesk.metrics.selectors.metric_table`, like the API's."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.metrics.definitions import METRICS
from salesdesk.metrics.selectors import metric_definitions, metric_table

GROUPINGS = (
    ("user", _("Per rep")),
    ("unit", _("Per unit")),
    ("month", _("Per month")),
    ("day", _("Per day")),
)
DEFAULT_METRIC = "signed_amount"


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def period(request) -> tuple[date, date]:
    """`from`/`to` from the query string; default: this year up to today. Swapped when given
    the wrong way round."""
    today = timezone.localdate()
    start = _date(request.GET.get("from")) or today.replace(month=1, day=1)
    end = _date(request.GET.get("to")) or today
    return (start, end) if start <= end else (end, start)


@login_required
def metric_explorer(request):
    key = request.GET.get("metric")
    key = key if key in METRICS else DEFAULT_METRIC
    group_by = request.GET.get("group_by")
    group_by = group_by if group_by in dict(GROUPINGS) else "user"
    start, end = period(request)
    table = metric_table(request.user, key, start=start, end=end, group_by=group_by)
    context = {
        "metrics": metric_definitions(),
        "groupings": GROUPINGS,
        "table": table,
        "metric": table.metric,
        "group_by": group_by,
        "date_from": start,
        "date_to": end,
        "group_label": dict(GROUPINGS)[group_by],
    }
    return render(request, "metrics/explorer.html", context)

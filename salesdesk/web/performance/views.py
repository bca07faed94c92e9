"""Performance pages (PRF-1..3): KPI schemes (settings), evaluations (scorecards) and the
leaderboard with its printable 战报 page.

Transport only: reads through salesdesk.performance.selectors (scoped), writes through its
services. Everyone signed in sees the scorecards the selectors show them (a rep: their own
published ones); computing, publishing, locking and feedback need the "evaluate" permission and
the scorecard in scope; KPI schemes need the configure permission.
"""

from __future__ import annotations

from datetime import date, timedelta
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
from django.views.decorators.http import require_POST

from salesdesk.core.locking import StaleEditError
from salesdesk.metrics.definitions import METRICS
from salesdesk.org.permissions import can_configure, can_evaluate
from salesdesk.performance import periods, selectors, services
from salesdesk.performance.models import Scorecard, ScorecardStatus, SubjectKind
from salesdesk.web.access import require
from salesdesk.web.forms import errors_to_messages
from salesdesk.web.pagination import paginate, query_without
from salesdesk.web.performance.forms import FeedbackForm, KpiSchemeForm
from salesdesk.web.records import RecordPages


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _day(value, default: date | None = None) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return default


def _version(request) -> int | None:
    return _int(request.POST.get("version"))


# ---- KPI schemes (Settings) ------------------------------------------------------------------


@require(can_configure)
def scheme_list(request):
    schemes = list(selectors.kpi_schemes())
    tier_names = selectors.scheme_tier_names(schemes)
    for scheme in schemes:
        scheme.tier_name = tier_names.get(scheme.tier_id, "")
        scheme.metric_labels = [
            (selectors.metric_label(i["metric"]), i["weight"]) for i in scheme.metrics
        ]
    return render(request, "performance/schemes.html", {"schemes": schemes})


SCHEMES = RecordPages(
    form=KpiSchemeForm,
    template="performance/scheme_form.html",
    name="scheme",
    url="web:kpi_scheme",
    get=selectors.kpi_scheme,
    create=services.kpi_scheme_create,
    update=lambda record, **kw: services.kpi_scheme_update(scheme=record, **kw),
    delete=lambda record, **kw: services.kpi_scheme_delete(scheme=record, **kw),
    created=gettext_lazy("KPI scheme “%(name)s” created."),
    saved=gettext_lazy("KPI scheme saved."),
    initial={"cap": 120, "is_active": True},
)


@require(can_configure)
def scheme_create(request):
    return SCHEMES.create_view(request)


@require(can_configure)
def scheme_edit(request, pk: int):
    return SCHEMES.edit_view(request, pk)


@require_POST
@require(can_configure)
def scheme_delete(request, pk: int):
    return SCHEMES.delete_view(request, pk)


# ---- evaluations -----------------------------------------------------------------------------


@login_required
def evaluation_list(request):
    user = request.user
    filters = {
        "scheme": _int(request.GET.get("scheme")),
        "period_start": _day(request.GET.get("period")),
        "status": request.GET.get("status")
        if request.GET.get("status") in ScorecardStatus.values
        else None,
        "kind": request.GET.get("kind") if request.GET.get("kind") in SubjectKind.values else None,
        "person": _int(request.GET.get("person")),
    }
    page = paginate(request, selectors.scorecard_list(user, **filters))
    evaluator = can_evaluate(user)
    last_month = periods.previous(periods.MONTH, timezone.localdate().replace(day=1))[0]
    context = {
        "page": page,
        "cards": page.object_list,
        "filters": filters,
        "schemes": list(selectors.kpi_schemes(active=True)) if evaluator else [],
        "all_schemes": list(selectors.kpi_schemes()),
        "period_choices": selectors.scorecard_periods(user),
        "statuses": ScorecardStatus.choices,
        "kinds": SubjectKind.choices,
        "page_query": query_without(request, "page"),
        "is_filtered": any(v for v in filters.values()),
        "can_evaluate": evaluator,
        "default_day": last_month,
    }
    return render(request, "performance/evaluations.html", context)


@require_POST
@require(can_evaluate)
def evaluation_compute(request):
    scheme = selectors.kpi_schemes(active=True).filter(pk=_int(request.POST.get("scheme"))).first()
    day = _day(request.POST.get("day"))
    if scheme is None or day is None:
        messages.error(request, _("Select a KPI scheme and a period."))
        return redirect("web:evaluation_list")
    publish = request.POST.get("action") == "publish"
    try:
        if publish:
            count = services.scorecards_publish(actor=request.user, scheme=scheme, day=day)
        else:
            result = services.scorecards_compute(actor=request.user, scheme=scheme, day=day)
    except (ValidationError, PermissionDenied) as exc:
        errors_to_messages(request, exc)
        return redirect("web:evaluation_list")
    if publish:
        messages.success(request, _("%(count)d scorecards published.") % {"count": count})
        start = periods.bounds(scheme.period_kind, day)[0]
    else:
        messages.success(
            request,
            _(
                "%(created)d scorecards created, %(recomputed)d drafts recomputed, "
                "%(frozen)d published ones left as they are."
            )
            % {"created": result.created, "recomputed": result.recomputed, "frozen": result.frozen},
        )
        start = result.start
    return redirect(
        f"{reverse('web:evaluation_list')}?scheme={scheme.pk}&period={start.isoformat()}"
    )


def _card_or_404(user, pk: int) -> Scorecard:
    card = selectors.scorecard_detail(user, pk)
    if card is None:
        raise Http404
    return card


@login_required
def evaluation_detail(request, pk: int):
    user = request.user
    card = _card_or_404(user, pk)
    changeable = selectors.scorecard_changeable(user, card)
    lines = [
        {
            **line,
            "label": selectors.metric_label(line["metric"]),
            "definition": METRICS.get(line["metric"]),
            "actual_value": None if line["actual"] is None else Decimal(line["actual"]),
            "target_value": None if line.get("target") is None else Decimal(line["target"]),
        }
        for line in card.lines
    ]
    form = FeedbackForm(initial={"feedback": card.feedback, "version": card.version})
    return render(
        request,
        "performance/evaluation_detail.html",
        {
            "card": card,
            "lines": lines,
            "history": selectors.scorecard_history(user, card),
            "changeable": changeable,
            "form": form,
        },
    )


def _card_action(request, pk: int, call, done: str):
    card = _card_or_404(request.user, pk)
    try:
        call(card)
    except Scorecard.DoesNotExist:
        raise Http404 from None
    except StaleEditError as exc:
        messages.error(request, exc.messages[0])
    except PermissionDenied:
        raise
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(request, done)
    return redirect("web:evaluation_detail", card.pk)


@require_POST
@require(can_evaluate)
def evaluation_publish(request, pk: int):
    return _card_action(
        request,
        pk,
        lambda card: services.scorecard_publish(
            actor=request.user, scorecard=card, expected_version=_version(request), request=request
        ),
        _("Scorecard published."),
    )


@require_POST
@require(can_evaluate)
def evaluation_lock(request, pk: int):
    return _card_action(
        request,
        pk,
        lambda card: services.scorecard_lock(
            actor=request.user, scorecard=card, expected_version=_version(request), request=request
        ),
        _("Scorecard locked."),
    )


@require_POST
@require(can_evaluate)
def evaluation_feedback(request, pk: int):
    return _card_action(
        request,
        pk,
        lambda card: services.scorecard_feedback(
            actor=request.user,
            scorecard=card,
            feedback=request.POST.get("feedback", ""),
            expected_version=_version(request),
            request=request,
        ),
        _("Feedback saved."),
    )


# ---- leaderboard -----------------------------------------------------------------------------


def _board(request):
    metric = request.GET.get("metric") or "signed_amount"
    if metric not in METRICS:
        raise Http404
    period = (
        request.GET.get("period")
        if request.GET.get("period") in (periods.WEEK, periods.MONTH)
        else periods.MONTH
    )
    kind = (
        request.GET.get("kind")
        if request.GET.get("kind") in (selectors.REPS, selectors.TEAMS)
        else selectors.REPS
    )
    day = _day(request.GET.get("day"), timezone.localdate())
    board = selectors.leaderboard(request.user, metric=metric, period=period, day=day, kind=kind)
    previous = periods.previous(period, board.start)[0]
    following = board.end + timedelta(days=1)
    return {
        "board": board,
        "metrics": list(METRICS.values()),
        "metric": metric,
        "period": period,
        "kind": kind,
        "day": board.start,
        "previous_day": previous,
        "next_day": following,
        "query": f"metric={metric}&period={period}&kind={kind}&day={board.start.isoformat()}",
    }


@login_required
def leaderboard(request):
    return render(request, "performance/leaderboard.html", _board(request))


@login_required
def leaderboard_share(request):
    """The 战报: a clean read-only page of one leaderboard period, made for printing."""
    return render(request, "performance/leaderboard_share.html", _board(request))

"""Sales tier pages (ORG-4): tier definitions (Settings), the people in scope with their tier,
history and the assign form (Targets & performance), and the monthly review with its proposals.

Transport only: reads through salesdesk.tiers.selectors (scoped), writes through its services.
Tier definitions need the configure permission; assigning, the review and its decisions the
"evaluate" permission; everyone signed in sees the tiers of the people in their scope.
"""

from __future__ import annotations

from datetime import date, timedelta

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

from salesdesk.metrics.definitions import METRICS
from salesdesk.org.models import User
from salesdesk.org.permissions import can_configure, can_evaluate
from salesdesk.tiers import selectors, services
from salesdesk.tiers.models import ProposalStatus, TierProposal
from salesdesk.web.access import require
from salesdesk.web.forms import errors_to_messages
from salesdesk.web.records import RecordPages
from salesdesk.web.tiers.forms import AssignForm, TierForm


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _metric_label(key: str) -> str:
    metric = METRICS.get(key)
    return str(metric.label) if metric else key


# ---- tier definitions (Settings) -------------------------------------------------------------


@require(can_configure)
def tier_list(request):
    tiers = list(selectors.tier_list())
    for tier in tiers:
        tier.criteria_labels = [
            (_metric_label(c["metric"]), c["window_months"], c["min"]) for c in tier.criteria
        ]
    return render(request, "tiers/tiers.html", {"tiers": tiers})


TIERS = RecordPages(
    form=TierForm,
    template="tiers/tier_form.html",
    name="tier",
    url="web:tier",
    get=selectors.tier_detail,
    create=services.tier_create,
    update=lambda record, **kw: services.tier_update(tier=record, **kw),
    delete=lambda record, **kw: services.tier_delete(tier=record, **kw),
    created=gettext_lazy("Sales tier “%(name)s” created."),
    saved=gettext_lazy("Sales tier saved."),
)


@require(can_configure)
def tier_create(request):
    return TIERS.create_view(request)


@require(can_configure)
def tier_edit(request, pk: int):
    return TIERS.edit_view(request, pk)


@require_POST
@require(can_configure)
def tier_delete(request, pk: int):
    return TIERS.delete_view(request, pk)


# ---- people and their tiers ------------------------------------------------------------------


@login_required
def tier_people(request):
    user = request.user
    today = timezone.localdate()
    people = list(selectors.people_in_scope(user))
    current = selectors.tiers_on([p.pk for p in people], today)
    for person in people:
        person.current_tier = current.get(person.pk)
    selected = _int(request.GET.get("person"))
    history = []
    if selected is not None:
        history = list(selectors.memberships(user, user_id=selected))
        if not any(p.pk == selected for p in people):
            raise Http404
    return render(
        request,
        "tiers/people.html",
        {
            "people": people,
            "selected": selected,
            "history": history,
            "tiers": list(selectors.tier_list(active=True)),
            "can_evaluate": can_evaluate(user),
            "today": today,
        },
    )


@require_POST
@require(can_evaluate)
def tier_assign(request):
    form = AssignForm(request.POST)
    back = reverse("web:tier_people")
    if not form.is_valid():
        errors_to_messages(request, ValidationError(form.errors))
        return redirect(back)
    data = form.cleaned_data
    tier = selectors.tier_detail(data["tier"])
    person = User.objects.filter(pk=data["user"]).first()
    if person is None:
        raise Http404
    if tier is None:
        messages.error(request, _("Select an active tier."))
        return redirect(f"{back}?person={person.pk}")
    try:
        services.tier_assign(
            actor=request.user,
            user=person,
            tier=tier,
            valid_from=data["valid_from"],
            note=data["note"],
            request=request,
        )
    except User.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(
            request,
            _("%(name)s is in tier “%(tier)s” from %(date)s.")
            % {
                "name": person.name,
                "tier": tier.display_name(),
                "date": data["valid_from"].isoformat(),
            },
        )
    return redirect(f"{back}?person={person.pk}")


# ---- the review ------------------------------------------------------------------------------


@require(can_evaluate)
def tier_review_list(request):
    latest = selectors.reviews().first()
    if latest is not None:
        return redirect("web:tier_review_detail", latest.pk)
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    return render(
        request,
        "tiers/review.html",
        {"review": None, "reviews": [], "proposals": [], "default_day": last_month},
    )


def _reason_rows(proposal: TierProposal) -> list[dict]:
    return [
        {**line, "label": _metric_label(line["metric"]), "metric_def": METRICS.get(line["metric"])}
        for line in proposal.reasons
    ]


@require(can_evaluate)
def tier_review_detail(request, pk: int):
    review = selectors.review_detail(pk)
    if review is None:
        raise Http404
    status = request.GET.get("status")
    status = status if status in ProposalStatus.values else None
    rows = list(selectors.proposals(request.user, review=review, status=status))
    for row in rows:
        row.reason_rows = _reason_rows(row)
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    return render(
        request,
        "tiers/review.html",
        {
            "review": review,
            "reviews": list(selectors.reviews()[:24]),
            "proposals": rows,
            "statuses": ProposalStatus.choices,
            "status": status,
            "default_day": last_month,
        },
    )


@require_POST
@require(can_evaluate)
def tier_review_compute(request):
    try:
        day = date.fromisoformat(str(request.POST.get("day"))[:10])
    except ValueError:
        messages.error(request, _("Enter a valid date."))
        return redirect("web:tier_review_list")
    try:
        result = services.review_compute(actor=request.user, day=day, request=request)
    except (ValidationError, PermissionDenied) as exc:
        errors_to_messages(request, exc)
        return redirect("web:tier_review_list")
    messages.success(
        request,
        _(
            "Tier review %(period)s: %(created)d new proposals, %(refreshed)d refreshed, "
            "%(withdrawn)d withdrawn, %(kept)d decided ones kept."
        )
        % {
            "period": result.review.period_label,
            "created": result.created,
            "refreshed": result.refreshed,
            "withdrawn": result.withdrawn,
            "kept": result.kept,
        },
    )
    return redirect("web:tier_review_detail", result.review.pk)


@require_POST
@require(can_evaluate)
def tier_review_decide(request, pk: int):
    review = selectors.review_detail(pk)
    if review is None:
        raise Http404
    ids = [i for i in (_int(v) for v in request.POST.getlist("proposal")) if i is not None]
    action = request.POST.get("action")
    for one in ("confirm", "reject"):  # a row's own button decides that row only
        if _int(request.POST.get(f"{one}_one")) is not None:
            action, ids = one, [_int(request.POST.get(f"{one}_one"))]
    if action not in ("confirm", "reject"):
        messages.error(request, _("Choose confirm or reject."))
        return redirect("web:tier_review_detail", review.pk)
    call = services.proposals_confirm if action == "confirm" else services.proposals_reject
    try:
        count = call(actor=request.user, proposal_ids=ids, request=request)
    except TierProposal.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        done = (
            _("%(count)d proposals confirmed.")
            if action == "confirm"
            else _("%(count)d proposals rejected.")
        )
        messages.success(request, done % {"count": count})
    return redirect("web:tier_review_detail", review.pk)

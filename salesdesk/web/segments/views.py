"""Segment pages (CUS-3): the list of segments, create/edit with a live preview count, the
persona page (charts), and links to the customer list and the export filtered by the segment.

Transport only: reads through salesdesk.customers.segments.selectors, writes through its
services. The list itself runs no count: each row asks for its size separately (htmx, when it
scrolls into view), so at a million customers the list shows at once and the sizes follow.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesdesk.core.locking import StaleEditError
from salesdesk.customers.exports import can_export
from salesdesk.customers.segments import selectors, services
from salesdesk.customers.segments.criteria import clean_criteria
from salesdesk.web.forms import apply_service_error
from salesdesk.web.pagination import paginate, query_without
from salesdesk.web.segments.forms import SegmentForm

SORTS = {
    "name": gettext_lazy("Name"),
    "updated": gettext_lazy("Updated"),
}
TABS = {"all": gettext_lazy("All I can open"), "mine": gettext_lazy("Mine")}


def _segment(user, pk: int):
    try:
        return selectors.segment_detail(user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def _managed(user, pk: int):
    segment = _segment(user, pk)
    if not selectors.can_manage(user, segment):
        raise PermissionDenied
    return segment


def _customers_url(segment) -> str:
    return f"{reverse('web:customers')}?{urlencode({'view': 'all', 'segment': segment.pk})}"


def _export_url(user, segment) -> str:
    if not can_export(user):
        return ""
    try:
        base = reverse("web:customer_export")
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode({'segment': segment.pk, 'view': 'all'})}"


@login_required
def segment_list(request):
    user = request.user
    tab = request.GET.get("tab", "all")
    if tab not in TABS:
        tab = "all"
    q = (request.GET.get("q") or "").strip()[:80]
    sort = request.GET.get("sort", "name")
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = "name", "name"
    descending = sort.startswith("-")
    qs = selectors.segment_list(user, q=q, mine=tab == "mine", sort=sort)
    page = paginate(request, qs)
    for segment in page.object_list:
        segment.summary = selectors.criteria_summary_cheap(segment.criteria)
        segment.manageable = selectors.can_manage(user, segment)
    sort_columns = {
        k: {
            "key": k,
            "label": label,
            "active": k == key,
            "descending": descending and k == key,
            "next": f"-{k}" if (k == key and not descending) else k,
        }
        for k, label in SORTS.items()
    }
    context = {
        "page": page,
        "segments": page.object_list,
        "tab": tab,
        "tabs": list(TABS.items()),
        "q": q,
        "sort": sort,
        "sort_columns": sort_columns,
        "sort_query": query_without(request, "sort", "page"),
        "page_query": query_without(request, "page"),
    }
    template = "segments/list.html"
    if request.htmx and request.htmx.target == "segment-results":
        template += "#results"
    return render(request, template, context)


def _form_page(request, form, segment=None, conflict=None, status=200):
    return render(
        request,
        "segments/form.html",
        {"form": form, "segment": segment, "conflict": conflict},
        status=status,
    )


@login_required
def segment_create(request):
    form = SegmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            segment = services.segment_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                visibility=form.cleaned_data["visibility"],
                criteria=form.criteria(),
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Segment “%(name)s” created.") % {"name": segment.name})
            return redirect("web:segment_detail", segment.pk)
    return _form_page(request, form)


@login_required
def segment_edit(request, pk: int):
    segment = _managed(request.user, pk)
    form = SegmentForm(request.POST or None, initial=SegmentForm.initial_from(segment))
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.segment_update(
                actor=request.user,
                segment=segment,
                expected_version=form.cleaned_data.get("version"),
                request=request,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                visibility=form.cleaned_data["visibility"],
                criteria=form.criteria(),
            )
        except StaleEditError as exc:
            conflict = exc
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
            return redirect("web:segment_detail", segment.pk)
    return _form_page(request, form, segment, conflict, status=409 if conflict else 200)


@require_POST
@login_required
def segment_preview(request):
    """htmx: how many of the customers I can see match the criteria being edited."""
    form = SegmentForm(request.POST)
    form.is_valid()
    context: dict = {"errors": False}
    bad = [name for name in form.errors if name not in ("name", "visibility", "description")]
    if bad:
        context["errors"] = True
    else:
        try:
            criteria = clean_criteria(form.criteria())
        except ValidationError:
            context["errors"] = True
        else:
            count = selectors.segment_count(request.user, criteria)
            total = selectors.visible_count(request.user)
            context.update(count=count, total=total, share=selectors.share(count, total))
    return render(request, "segments/_preview.html", context)


def _chart_height(bars: int) -> int:
    return max(160, 40 + 28 * bars)


@login_required
def segment_size(request, pk: int):
    """htmx: the number of customers of one segment the user can see (loaded per row of the
    list when it scrolls into view, so the list itself never waits for counts)."""
    segment = _segment(request.user, pk)
    count = selectors.segment_count(request.user, segment.criteria)
    return render(request, "segments/_size.html", {"count": count})


@login_required
def segment_detail(request, pk: int):
    user = request.user
    segment = _segment(user, pk)
    data = selectors.persona(user, segment.criteria)
    for distribution in data["distributions"]:
        distribution["height"] = _chart_height(len(distribution["bars"]))
    charts = {
        "distributions": data["distributions"],
        "tags": data["tags"],
        "rfm": data["rfm"],
        "labels": {
            "customers": _("Customers"),
            "share": _("Share of the segment"),
            "r": _("R score"),
            "f": _("F score"),
            "m": _("M score"),
        },
    }
    context = {
        "segment": segment,
        "persona": data,
        "charts": charts,
        "summary": selectors.criteria_summary(segment.criteria),
        "tags_height": _chart_height(len(data["tags"])),
        "can_manage": selectors.can_manage(user, segment),
        "customers_url": _customers_url(segment),
        "export_url": _export_url(user, segment),
    }
    return render(request, "segments/persona.html", context)


@require_POST
@login_required
def segment_delete(request, pk: int):
    segment = _managed(request.user, pk)
    services.segment_delete(actor=request.user, segment=segment, request=request)
    messages.success(
        request, _("Segment “%(name)s” moved to the recycle bin.") % {"name": segment.name}
    )
    return redirect("web:segments")

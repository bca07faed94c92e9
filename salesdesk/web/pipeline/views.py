"""Funnel pages (FUN-2..4): opportunity list, detail, create/edit, stage moves, the kanban board
and the pipeline settings. Transport only: reads through salesdesk.pipeline.selectors (scoped),
writes through salesdesk.pipeline.services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from salesdesk.core.locking import StaleEditError
from salesdesk.core.models import SavedView
from salesdesk.customers.models import Customer
from salesdesk.org.models import OrgUnit, User
from salesdesk.pipeline import selectors, services
from salesdesk.pipeline.assignment import can_assign
from salesdesk.pipeline.exports import can_export, opportunity_export
from salesdesk.pipeline.models import Opportunity, OpportunityStatus, Pipeline, Reason, Stage
from salesdesk.sales.models import ProductLine
from salesdesk.web import lists
from salesdesk.web.access import can_configure, require
from salesdesk.web.customers.table import user_pairs
from salesdesk.web.forms import apply_service_error
from salesdesk.web.history import field_history
from salesdesk.web.html import select_options
from salesdesk.web.lists import selected_ids
from salesdesk.web.pagination import page_size_from, paginate, query_without
from salesdesk.web.pipeline.bulk import can_delete
from salesdesk.web.pipeline.cards import card_html
from salesdesk.web.pipeline.forms import (
    CloseForm,
    OpportunityForm,
    PipelineForm,
    QuickAddForm,
    ReasonForm,
    StageForm,
)
from salesdesk.web.pipeline.lines import (
    existing_lines,
    line_formset,
    line_products,
    line_rows,
    lines_valid,
    product_options,
    same_lines,
)
from salesdesk.web.pipeline.table import OPPORTUNITY_COLUMNS
from salesdesk.web.pipeline.time_table import rows_html

SAVED_VIEW_PAGE = "opportunities"
VIEWS = {
    "mine": gettext_lazy("Mine"),
    "subordinates": gettext_lazy("Subordinates"),
    "all": gettext_lazy("All"),
}
SORT_LABELS = {
    "title": gettext_lazy("Title"),
    "amount": gettext_lazy("Amount"),
    "stage_entered": gettext_lazy("In stage since"),
    "created": gettext_lazy("Created"),
}


def _visible(user, pk: int) -> Opportunity:
    try:
        return selectors.opportunity_detail(user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def _editable(user, pk: int) -> Opportunity:
    opp = Opportunity.objects.editable_by(user).select_related("customer", "stage").filter(pk=pk)
    opp = opp.first()
    if opp is None:
        if Opportunity.objects.visible_to(user).filter(pk=pk).exists():
            raise PermissionDenied
        raise Http404
    return opp


def _filters(params) -> dict:
    return {k: params.get(k, "") for k in selectors.FILTER_KEYS if params.get(k)}


def _filter_choices(user, params, *, assign: bool = False) -> dict:
    """The owner, unit and product-line `<option>`s of the filter bar, rendered in Python (a
    director's owner list has a thousand entries); with `assign`, the same owners for the bulk
    assignment (no second query)."""
    owners = user_pairs(User.objects.visible_to(user).filter(is_active=True).order_by("username"))
    return {
        "owner_options": select_options(owners, params.get("owner", "")),
        "assign_options": select_options(owners) if assign else "",
        "unit_options": select_options(
            OrgUnit.objects.visible_to(user).order_by("path").values_list("pk", "name"),
            params.get("unit", ""),
        ),
        "line_options": select_options(
            ProductLine.objects.filter(is_active=True).values_list("pk", "name"),
            params.get("product_line", ""),
        ),
    }


def customer_opportunities_context(user, customer) -> dict:
    """The "Opportunities" tab of the customer 360 page."""
    rows = list(
        selectors.opportunities_visible(user)
        .filter(customer_id=customer.pk)
        .select_related("stage", "owner")
        .order_by("-created_at", "-id")[:100]
    )
    return {"customer_opportunities": rows}


# ---- list -------------------------------------------------------------------------------------


@login_required
def opportunity_list(request):
    user = request.user
    params = request.GET
    view = params.get("view", "all")
    if view not in VIEWS:
        view = "all"
    sort = params.get("sort", selectors.DEFAULT_SORT)
    key = sort.lstrip("-")
    if key not in selectors.SORTS:
        sort, key = selectors.DEFAULT_SORT, selectors.DEFAULT_SORT.lstrip("-")
    descending = sort.startswith("-")
    filters = _filters(params)
    columns = OPPORTUNITY_COLUMNS.chosen(lists.preference(user, OPPORTUNITY_COLUMNS.key))
    qs = selectors.opportunity_list(user, view=view, filters=filters, sort=sort)
    if "product_line" in columns:
        qs = qs.select_related("product_line")
    rows, next_cursor = selectors.keyset_page(
        qs, sort=sort, after=params.get("after", ""), size=page_size_from(request)
    )
    base = {k: v for k, v in params.items() if k not in ("after",)}
    query = urlencode(sorted((k, v) for k, v in base.items() if k not in ("size",) and v))
    saved_views = list(SavedView.objects.filter(user=user, page=SAVED_VIEW_PAGE))
    for saved in saved_views:
        saved.active = saved.query == query
    pipelines = list(selectors.pipelines_active())
    stages = list(Stage.objects.filter(pipeline__in=pipelines).order_by("pipeline_id", "order"))
    sort_columns = {
        k: {
            "key": k,
            "label": label,
            "active": k == key,
            "descending": descending and k == key,
            "next": f"-{k}" if (k == key and not descending) else k,
        }
        for k, label in SORT_LABELS.items()
    }
    may_assign = can_assign(user)
    context = {
        "rows": rows,
        "table_rows": [(o, OPPORTUNITY_COLUMNS.cells(o, columns)) for o in rows],
        "columns_key": OPPORTUNITY_COLUMNS.key,
        "columns": columns,
        "all_columns": [(c.key, c.label) for c in OPPORTUNITY_COLUMNS.columns],
        "column_headers": OPPORTUNITY_COLUMNS.headers(columns, sort_columns),
        "can_assign": may_assign,
        "can_delete": can_delete(user),
        "next_url": f"?{urlencode({**base, 'after': next_cursor})}" if next_cursor else "",
        "first_url": f"?{urlencode(base)}" if params.get("after") else "",
        "view": view,
        "tabs": [
            {"key": k, "label": label, "url": "?" + urlencode({"view": k}), "active": k == view}
            for k, label in VIEWS.items()
        ],
        "saved_views": saved_views,
        "query": query,
        "filter_values": {k: params.get(k, "") for k in selectors.FILTER_KEYS},
        "sort_columns": sort_columns,
        "sort_query": urlencode({k: v for k, v in base.items() if k != "sort"}) + "&",
        "statuses": OpportunityStatus.choices,
        "stages": stages,
        "pipelines": pipelines,
        "export_url": reverse("web:opportunity_export") if can_export(user) else "",
        "is_filtered": bool(filters),
        **_filter_choices(user, request.GET, assign=may_assign),
    }
    return render(request, "pipeline/list.html", context)


@require_POST
@login_required
def saved_view_create(request):
    name = (request.POST.get("name") or "").strip()[:60]
    query = (request.POST.get("query") or "")[:2000]
    if name:
        SavedView.objects.update_or_create(
            user=request.user, page=SAVED_VIEW_PAGE, name=name, defaults={"query": query}
        )
        messages.success(request, _("View “%(name)s” saved.") % {"name": name})
    return redirect(f"{reverse('web:opportunities')}?{query}")


@login_required
def opportunity_export_view(request):
    from salesdesk.api.v1.imports import export_response

    if not can_export(request.user):
        raise PermissionDenied
    fmt = request.GET.get("format", "xlsx")
    fmt = fmt if fmt in ("xlsx", "csv") else "xlsx"
    view = request.GET.get("view", "all")
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort.lstrip("-") not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    headers, rows = opportunity_export(
        actor=request.user,
        view=view if view in VIEWS else "all",
        filters=_filters(request.GET),
        sort=sort,
        # "Export selected" of the bulk bar: only the chosen rows of the view.
        ids=selected_ids(request) if request.method == "POST" or "ids" in request.GET else None,
        request=request,
    )
    return export_response(headers, rows, "opportunities", fmt)


# ---- detail, create, edit ---------------------------------------------------------------------


@login_required
def opportunity_detail(request, pk: int):
    user = request.user
    opp = _visible(user, pk)
    editable = Opportunity.objects.editable_by(user).filter(pk=pk).exists()
    stages = selectors.stages_of(opp.pipeline)
    current_index = next((i for i, s in enumerate(stages) if s.pk == opp.stage_id), -1)
    for stage in stages:
        if not editable or stage.pk == opp.stage_id or opp.status == "lost":
            stage.movable = False
        elif opp.status == "won":
            stage.movable = not stage.is_won
        else:
            stage.movable = not stage.is_closed_stage
    context = {
        "opp": opp,
        "stages": stages,
        "current_index": current_index,
        "events": selectors.stage_events_of(opp),
        "line_items": list(opp.line_items.select_related("product")),
        "history": field_history(opp),
        "editable": editable,
        "can_delete": editable and can_delete(user),
        "won_form": CloseForm(kind=Reason.Kind.WON, initial={"version": opp.version}),
        "lost_form": CloseForm(kind=Reason.Kind.LOST, initial={"version": opp.version}),
        "days_in_stage": selectors.days_in_stage(opp),
        "is_stale": opp.status == "open"
        and opp.stage.stale_days is not None
        and selectors.days_in_stage(opp) > opp.stage.stale_days,
    }
    return render(request, "pipeline/detail.html", context)


def _render_form(
    request, form, lines, products, opp=None, customer=None, conflict=None, status=200
):
    if status == 200 and (form.errors or lines.total_error_count()):
        status = 422
    options = product_options(products)
    return render(
        request,
        "pipeline/form.html",
        {
            "form": form,
            "opp": opp,
            "customer": customer,
            "conflict": conflict,
            "lines": lines,
            "line_rows": line_rows(lines, options),
            "empty_row": {"form": lines.empty_form, "options": options, "deleted": False},
        },
        status=status,
    )


@login_required
def opportunity_create(request):
    user = request.user
    customer = None
    customer_id = request.GET.get("customer") or request.POST.get("for_customer")
    if customer_id and str(customer_id).isdigit():
        customer = Customer.objects.visible_to(user).filter(pk=customer_id).first()
    initial = {}
    stage_id = request.GET.get("stage")
    if stage_id and stage_id.isdigit():
        initial["stage"] = int(stage_id)
    form = OpportunityForm(request.POST or None, actor=user, customer=customer, initial=initial)
    products = line_products()
    lines = line_formset(request.POST or None, products=products)
    if request.method == "POST" and all([form.is_valid(), lines_valid(lines)]):
        data = form.service_fields()
        stage = form.cleaned_data["stage"]
        try:
            opp = services.opportunity_create(
                actor=user,
                customer=form.cleaned_data["customer"],
                pipeline=stage.pipeline,
                stage=stage,
                products=lines.lines(),
                request=request,
                **data,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Opportunity “%(title)s” created.") % {"title": opp.title})
            return redirect("web:opportunity_detail", opp.pk)
    return _render_form(request, form, lines, products, customer=customer)


@login_required
def opportunity_edit(request, pk: int):
    opp = _editable(request.user, pk)
    fields = [n for n in OpportunityForm.base_fields if n not in ("customer", "stage", "version")]
    initial = {n: getattr(opp, n) for n in fields}
    if opp.next_activity_at:
        initial["next_activity_at"] = timezone.localtime(opp.next_activity_at)
    initial["version"] = opp.version
    form = OpportunityForm(
        request.POST or None, actor=request.user, opportunity=opp, initial=initial
    )
    old_lines = existing_lines(opp)
    products = line_products(opp)
    lines = line_formset(request.POST or None, products=products, initial=old_lines)
    if request.method == "POST" and all([form.is_valid(), lines_valid(lines)]):
        data = form.service_fields()
        changes = {f: v for f, v in data.items() if v != getattr(opp, f)}
        new_lines = lines.lines() if lines.is_bound else old_lines
        # An empty amount means "the sum of the lines": the service needs them for that.
        send_lines = not same_lines(new_lines, old_lines) or (
            lines.is_bound and data.get("amount") is None
        )
        if not changes and not send_lines:
            messages.info(request, _("Nothing was changed."))
            return redirect("web:opportunity_detail", opp.pk)
        try:
            services.opportunity_update(
                actor=request.user,
                opportunity=opp,
                expected_version=form.cleaned_data["version"],
                products=new_lines if send_lines else None,
                request=request,
                **changes,
            )
        except StaleEditError as exc:
            return _render_form(request, form, lines, products, opp=opp, conflict=exc, status=409)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Opportunity “%(title)s” saved.") % {"title": opp.title})
            return redirect("web:opportunity_detail", opp.pk)
    return _render_form(request, form, lines, products, opp=opp)


# ---- moves: from the detail page (redirect) and from the board (JSON) --------------------------


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _is_board(request) -> bool:
    return request.headers.get("X-SD-Board") == "1"


def _move_response(request, opp_pk: int, call, success: str):
    """Run a move service; answer JSON on the board, else a message and a redirect."""
    board = _is_board(request)
    try:
        opp = call()
    except StaleEditError:
        message = _("This deal was changed by someone else since the board was loaded.")
        if board:
            return JsonResponse({"ok": False, "stale": True, "message": message}, status=409)
        messages.error(request, message)
    except ValidationError as exc:
        message = " ".join(exc.messages)
        if board:
            return JsonResponse({"ok": False, "message": message}, status=400)
        messages.error(request, message)
    except PermissionDenied as exc:
        message = str(exc) or _("You do not have permission to do this.")
        if board:
            return JsonResponse({"ok": False, "message": message}, status=403)
        raise
    else:
        if board:
            return JsonResponse(
                {"ok": True, "version": opp.version, "status": opp.status, "message": success}
            )
        messages.success(request, success)
    return redirect("web:opportunity_detail", opp_pk)


@require_POST
@login_required
def opportunity_move(request, pk: int):
    opp = _editable(request.user, pk)
    stage = _int(request.POST.get("stage"))
    return _move_response(
        request,
        pk,
        lambda: services.opportunity_move_stage(
            opportunity=opp,
            stage=stage or 0,
            actor=request.user,
            expected_version=_int(request.POST.get("version")),
            reason=_int(request.POST.get("reason")),
            reason_note=request.POST.get("reason_note", "")[:300],
            request=request,
        ),
        _("Deal moved."),
    )


@require_POST
@login_required
def opportunity_win(request, pk: int):
    opp = _editable(request.user, pk)
    return _move_response(
        request,
        pk,
        lambda: services.opportunity_win(
            actor=request.user,
            opportunity=opp,
            expected_version=_int(request.POST.get("version")),
            reason=_int(request.POST.get("reason")),
            reason_note=request.POST.get("reason_note", "")[:300],
            request=request,
        ),
        _("Deal won."),
    )


@require_POST
@login_required
def opportunity_lose(request, pk: int):
    opp = _editable(request.user, pk)
    return _move_response(
        request,
        pk,
        lambda: services.opportunity_lose(
            actor=request.user,
            opportunity=opp,
            expected_version=_int(request.POST.get("version")),
            reason=_int(request.POST.get("reason")),
            reason_note=request.POST.get("reason_note", "")[:300],
            request=request,
        ),
        _("Deal marked as lost."),
    )


@require_POST
@login_required
def opportunity_reopen(request, pk: int):
    opp = _editable(request.user, pk)
    return _move_response(
        request,
        pk,
        lambda: services.opportunity_reopen(
            actor=request.user,
            opportunity=opp,
            expected_version=_int(request.POST.get("version")),
            request=request,
        ),
        _("Deal reopened."),
    )


@require_POST
@login_required
def opportunity_delete(request, pk: int):
    opp = _editable(request.user, pk)
    if not can_delete(request.user):
        raise PermissionDenied
    services.opportunity_delete(actor=request.user, opportunity=opp, request=request)
    messages.success(request, _("“%(title)s” moved to the recycle bin.") % {"title": opp.title})
    return redirect("web:opportunities")


# ---- the board (FUN-4) ------------------------------------------------------------------------


def _pipeline(pk: int | None) -> Pipeline:
    if pk is None:
        pipeline = selectors.pipelines_active().first()
    else:
        pipeline = Pipeline.objects.filter(pk=pk).first()
    if pipeline is None:
        raise Http404
    return pipeline


def _card_context(user, cards, stage):
    from salesdesk.customers.selectors import day_bounds

    now = timezone.now()
    bounds = day_bounds(user)
    # URLs of a card: reversed once per page, not four times per card
    patterns = {
        name: reverse(f"web:{name}", args=[999999999])
        for name in ("opportunity_detail", "opportunity_move", "opportunity_lose", "board_card")
    }
    labels = {
        "overdue": _("Activity overdue"),
        "today": _("Activity due today"),
        "planned": _("Activity planned"),
        "none": _("No activity planned"),
    }
    move_label, stale_label = _("Move to stage…"), _("Stale")
    for card in cards:
        card.urls = {k: v.replace("999999999", str(card.pk)) for k, v in patterns.items()}
        card.activity = selectors.activity_status(user, card, now, bounds)
        card.days = selectors.days_in_stage(card, now)
        card.stale = (
            card.status == "open" and stage.stale_days is not None and card.days > stage.stale_days
        )
        card.activity_label = labels[card.activity]
        card.days_label = ngettext("%(days)d day in stage", "%(days)d days in stage", card.days) % {
            "days": card.days
        }
        card.amount_text = f"{card.amount:,.2f}"
        card.html = card_html(card, move_label=move_label, stale_label=stale_label)
    return cards


@login_required
def board(request, pipeline_pk: int | None = None):
    user = request.user
    pipeline = _pipeline(pipeline_pk)
    filters = _filters(request.GET)
    stages = selectors.stages_of(pipeline)
    totals = selectors.board_totals(user, pipeline, stages, filters)
    reasons = selectors.reasons(None)
    columns = []
    for s in stages:
        # The first cards of every column come with the page; "load more" fetches the next ones.
        cards, last_id = selectors.board_cards(user, pipeline, s, filters)
        columns.append(
            {
                "stage": s,
                "count": totals[s.pk][0],
                "amount": totals[s.pk][1],
                "weighted": totals[s.pk][2],
                "cards": _card_context(user, cards, s),
                "more_query": urlencode({**filters, "after": last_id}) if last_id else "",
            }
        )
    context = {
        "pipeline": pipeline,
        "pipelines": list(selectors.pipelines_active()),
        "columns": columns,
        "filter_query": urlencode(filters),
        "filter_values": {k: request.GET.get(k, "") for k in selectors.FILTER_KEYS},
        "won_reasons": [r for r in reasons if r.kind == Reason.Kind.WON],
        "lost_reasons": [r for r in reasons if r.kind == Reason.Kind.LOST],
        **_filter_choices(user, request.GET),
    }
    return render(request, "pipeline/board.html", context)


@login_required
def board_column(request, pipeline_pk: int, stage_pk: int):
    """The cards of one column (htmx: the first page after the board, then "load more")."""
    user = request.user
    pipeline = _pipeline(pipeline_pk)
    stage = Stage.objects.filter(pk=stage_pk, pipeline=pipeline).first()
    if stage is None:
        raise Http404
    filters = _filters(request.GET)
    cards, last_id = selectors.board_cards(
        user, pipeline, stage, filters, after_id=_int(request.GET.get("after"))
    )
    more_query = urlencode({**filters, "after": last_id}) if last_id else ""
    context = {
        "cards": _card_context(user, cards, stage),
        "stage": stage,
        "pipeline": pipeline,
        "more_query": more_query,
    }
    return render(request, "pipeline/_column_cards.html", context)


@login_required
def board_card(request, pk: int):
    """One card, fresh (after a refused move the board reloads it)."""
    opp = _visible(request.user, pk)
    card = selectors.card_of(opp)
    _card_context(request.user, [card], opp.stage)
    return HttpResponse(card.html)


@login_required
def board_customer_options(request):
    """The quick-add form's customer `<option>`s, fetched when the form is first shown: most
    board visits add nothing, so the first paint does not read them."""
    return HttpResponse(
        select_options(QuickAddForm(actor=request.user).fields["customer"].widget.choices)
    )


@require_POST
@login_required
def board_quick_add(request, pipeline_pk: int, stage_pk: int):
    pipeline = _pipeline(pipeline_pk)
    stage = Stage.objects.filter(pk=stage_pk, pipeline=pipeline).first()
    if stage is None:
        raise Http404
    form = QuickAddForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            opp = services.opportunity_create(
                actor=request.user,
                customer=form.cleaned_data["customer"],
                title=form.cleaned_data["title"],
                amount=form.cleaned_data.get("amount"),
                pipeline=pipeline,
                stage=stage,
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Opportunity “%(title)s” created.") % {"title": opp.title})
            return redirect("web:board_pipeline", pipeline.pk)
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, errors or _("Check the quick add form."))
    return redirect("web:board_pipeline", pipeline.pk)


# ---- settings: pipelines, stages, reasons (can_configure) -------------------------------------


@require(can_configure)
def settings_pipelines(request):
    form = PipelineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = services.pipeline_create(
                actor=request.user,
                stages=[
                    {"name": "初步接触", "name_en": "First contact", "probability": 10},
                    {"name": "赢单", "name_en": "Won", "is_won": True},
                ],
                **form.cleaned_data,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Pipeline created: now add its stages."))
            return redirect("web:settings_pipeline", pipeline.pk)
    context = {
        "pipelines": list(Pipeline.objects.order_by("is_archived", "sort_order", "id")),
        "form": form,
        "reasons": list(Reason.objects.order_by("kind", "sort_order", "id")),
        "reason_form": ReasonForm(),
    }
    return render(request, "pipeline/settings_pipelines.html", context)


@require(can_configure)
def settings_pipeline(request, pk: int):
    pipeline = Pipeline.objects.filter(pk=pk).first()
    if pipeline is None:
        raise Http404
    form = PipelineForm(request.POST or None, instance=pipeline, prefix="p")
    stage_form = StageForm(prefix="s")
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            if action == "pipeline" and form.is_valid():
                services.pipeline_update(
                    actor=request.user,
                    pipeline=pipeline,
                    **{f: form.cleaned_data[f] for f in form.changed_data},
                )
                messages.success(request, _("Pipeline saved."))
                return redirect("web:settings_pipeline", pipeline.pk)
            if action == "archive_pipeline":
                services.pipeline_archive(
                    actor=request.user, pipeline=pipeline, archived=not pipeline.is_archived
                )
                messages.success(request, _("Pipeline saved."))
                return redirect("web:settings_pipeline", pipeline.pk)
            if action == "add_stage":
                stage_form = StageForm(request.POST, prefix="s")
                if stage_form.is_valid():
                    services.stage_create(
                        actor=request.user, pipeline=pipeline, **stage_form.cleaned_data
                    )
                    messages.success(request, _("Stage added."))
                    return redirect("web:settings_pipeline", pipeline.pk)
            if action in ("up", "down", "archive", "restore", "delete", "edit_stage"):
                stage = Stage.objects.filter(pk=_int(request.POST.get("stage")), pipeline=pipeline)
                stage = stage.first()
                if stage is None:
                    raise Http404
                _stage_action(request, pipeline, stage, action)
                return redirect("web:settings_pipeline", pipeline.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("web:settings_pipeline", pipeline.pk)
    stages = selectors.stages_of(pipeline, include_archived=True)
    counts = dict(
        Opportunity.objects.filter(pipeline=pipeline, status="open")
        .values_list("stage_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for stage in stages:
        stage.open_count = counts.get(stage.pk, 0)
        stage.form = StageForm(instance=stage, prefix=f"e{stage.pk}")
    context = {
        "pipeline": pipeline,
        "form": form,
        "stage_form": stage_form,
        "stages": stages,
        "active_stages": [s for s in stages if not s.is_archived and not s.is_closed_stage],
    }
    return render(request, "pipeline/settings_pipeline.html", context)


def _stage_action(request, pipeline, stage, action):
    user = request.user
    if action in ("up", "down"):
        ids = [s.pk for s in selectors.stages_of(pipeline, include_archived=True)]
        i = ids.index(stage.pk)
        j = i - 1 if action == "up" else i + 1
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
            services.stage_reorder(actor=user, pipeline=pipeline, stage_ids=ids)
    elif action == "archive":
        target = Stage.objects.filter(pk=_int(request.POST.get("move_to")), pipeline=pipeline)
        services.stage_archive(actor=user, stage=stage, move_to=target.first())
        messages.success(request, _("Stage archived."))
    elif action == "restore":
        services.stage_archive(actor=user, stage=stage, archived=False)
        messages.success(request, _("Stage restored."))
    elif action == "delete":
        services.stage_delete(actor=user, stage=stage)
        messages.success(request, _("Stage deleted."))
    elif action == "edit_stage":
        form = StageForm(request.POST, instance=Stage(pk=stage.pk), prefix=f"e{stage.pk}")
        if form.is_valid():
            services.stage_update(actor=user, stage=stage, **form.cleaned_data)
            messages.success(request, _("Stage saved."))
        else:
            messages.error(request, _("Check the stage's fields."))


@require_POST
@require(can_configure)
def settings_reason_create(request):
    form = ReasonForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        kind = data.pop("kind")
        services.reason_create(actor=request.user, kind=kind, **data)
        messages.success(request, _("Reason added."))
    else:
        messages.error(request, _("Check the reason's fields."))
    return redirect("web:settings_pipelines")


@require_POST
@require(can_configure)
def settings_reason_toggle(request, pk: int):
    reason = Reason.objects.filter(pk=pk).first()
    if reason is None:
        raise Http404
    services.reason_update(actor=request.user, reason=reason, is_active=not reason.is_active)
    messages.success(request, _("Reason saved."))
    return redirect("web:settings_pipelines")


# ---- analysis: funnel and time metrics (FUN-5) ------------------------------------------------


def _period(request):
    from datetime import date, timedelta

    def parse(key):
        try:
            return date.fromisoformat(request.GET.get(key, ""))
        except ValueError:
            return None

    today = timezone.localdate()
    date_to = parse("to") or today
    date_from = parse("from") or (date_to - timedelta(days=365)).replace(day=1)
    return date_from, date_to


def _analysis_pipeline(request) -> Pipeline:
    pk = _int(request.GET.get("pipeline"))
    pipeline = Pipeline.objects.filter(pk=pk).first() if pk else None
    return pipeline or _pipeline(None)


@login_required
def funnel_report(request):
    from salesdesk.pipeline.metrics import funnel

    pipeline = _analysis_pipeline(request)
    date_from, date_to = _period(request)
    rows = funnel(request.user, pipeline, date_from=date_from, date_to=date_to)
    chart = {
        "stages": [r.stage.display_name for r in rows],
        "open_count": [r.open_count for r in rows],
        "open_amount": [float(r.open_amount) for r in rows],
        "entered": [r.entered for r in rows],
    }
    context = {
        "pipeline": pipeline,
        "pipelines": list(selectors.pipelines_active()),
        "rows": rows,
        "chart": chart,
        "date_from": date_from,
        "date_to": date_to,
    }
    return render(request, "pipeline/funnel.html", context)


@login_required
def time_metrics_report(request):
    from salesdesk.pipeline.metrics import DEAL_METRICS, time_metrics

    pipeline = _analysis_pipeline(request)
    date_from, date_to = _period(request)
    metrics = time_metrics(request.user, pipeline, date_from=date_from, date_to=date_to)
    period = urlencode(
        {"pipeline": pipeline.pk, "from": date_from.isoformat(), "to": date_to.isoformat()}
    )
    context = {
        "pipeline": pipeline,
        "pipelines": list(selectors.pipelines_active()),
        "metrics": metrics,
        "stages": [s for s in metrics.stages if not s.is_after_sales and not s.is_won],
        "deal_metrics": [(m, m.label) for m in DEAL_METRICS],
        "date_from": date_from,
        "date_to": date_to,
        "period_query": period,
    }
    for key, rows, kind in (
        ("rep_rows", metrics.reps, "owner"),
        ("team_rows", metrics.teams, "unit"),
    ):
        context[key] = rows_html(
            rows,
            context["stages"],
            context["deal_metrics"],
            kind=kind,
            period_query=period,
            company=metrics.company,
        )
    return render(request, "pipeline/time_metrics.html", context)


@login_required
def time_metrics_deals(request):
    """The durations behind one figure of the time-metrics page (FUN-5 drill-down)."""
    from salesdesk.pipeline.metrics import Metric, deals_behind

    pipeline = _analysis_pipeline(request)
    date_from, date_to = _period(request)
    metric = request.GET.get("metric", Metric.STAGE)
    if metric not in Metric.values:
        raise Http404
    stage = None
    if metric == Metric.STAGE:
        stage = Stage.objects.filter(pk=_int(request.GET.get("stage")), pipeline=pipeline).first()
        if stage is None:
            raise Http404
    owner_id, unit_id = _int(request.GET.get("owner")), _int(request.GET.get("unit"))
    qs = deals_behind(
        request.user,
        pipeline,
        metric=metric,
        stage=stage,
        owner_id=owner_id,
        unit_id=unit_id,
        date_from=date_from,
        date_to=date_to,
    )
    page = paginate(request, qs, default_size=50)
    for event in page.object_list:
        event.days = round(event.duration / 86400, 1)
    whose = None
    if owner_id:
        whose = User.objects.filter(pk=owner_id).first()
    elif unit_id:
        whose = OrgUnit.all_objects.filter(pk=unit_id).first()
    context = {
        "pipeline": pipeline,
        "metric": metric,
        "metric_label": Metric(metric).label,
        "stage": stage,
        "whose": whose,
        "page": page,
        "page_query": query_without(request, "page"),
        "date_from": date_from,
        "date_to": date_to,
        "back_query": urlencode(
            {"pipeline": pipeline.pk, "from": date_from.isoformat(), "to": date_to.isoformat()}
        ),
    }
    return render(request, "pipeline/time_metrics_deals.html", context)

"""Lead pages (FUN-1): list (mine / pool / all; filters, search, sort, keyset pages, bulk assign,
export), detail with history, status and the conversion form, create/edit (stale edits refused),
claim from the pool, and the assignment rule settings. Transport only: reads through
salesdesk.pipeline.leads.selectors, writes through salesdesk.pipeline.leads.services."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesdesk.core.locking import StaleEditError
from salesdesk.org.models import FunctionPermission
from salesdesk.pipeline.leads import selectors, services
from salesdesk.pipeline.leads.models import Lead, LeadAssignmentRule, LeadSource, LeadStatus
from salesdesk.pipeline.selectors import decode_cursor, encode_cursor
from salesdesk.sales.models import ProductLine
from salesdesk.web import lists
from salesdesk.web.access import can_configure, require
from salesdesk.web.forms import apply_service_error
from salesdesk.web.history import field_history
from salesdesk.web.leads.bulk import can_delete
from salesdesk.web.leads.forms import AssignForm, ConvertForm, LeadForm, RuleForm, StatusForm
from salesdesk.web.leads.table import LEAD_COLUMNS
from salesdesk.web.lists import safe_back, selected_ids
from salesdesk.web.pagination import page_size_from

VIEWS = {
    "mine": gettext_lazy("Mine"),
    "pool": gettext_lazy("Lead pool"),
    "all": gettext_lazy("All"),
}
SORTS = {"created": "created_at", "name": "name"}


def can_assign(user) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.has_function(FunctionPermission.TRANSFER)
            or user.has_function(FunctionPermission.POOL_ADMIN)
        )
    )


def can_export(user) -> bool:
    return bool(user.is_authenticated and user.has_function(FunctionPermission.EXPORT))


def _visible(user, pk: int) -> Lead:
    lead = (
        selectors.leads_visible(user)
        .select_related(
            "owner",
            "org_unit",
            "product_line",
            "channel",
            "converted_customer",
            "converted_opportunity",
        )
        .filter(pk=pk)
        .first()
    )
    if lead is None:
        raise Http404
    return lead


def _int(value):
    return int(value) if value and str(value).isdigit() else None


def _list_qs(user, params):
    view = params.get("view", "mine")
    if view not in VIEWS:
        view = "mine"
    qs = selectors.lead_list(
        user,
        view=view,
        status=params.get("status", "") if params.get("status") in LeadStatus.values else "",
        source=params.get("source", "") if params.get("source") in LeadSource.values else "",
        owner_id=_int(params.get("owner")),
        product_line_id=_int(params.get("product_line")),
        q=(params.get("q") or "")[:100],
    )
    return view, qs


def _keyset(qs, *, sort: str, after: str, size: int):
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    field = SORTS[key]
    order = [f"-{field}", "-id"] if descending else [field, "id"]
    qs = qs.order_by(*order)
    cursor = decode_cursor(after) if after else None
    if cursor:
        value, last_id = cursor
        try:
            last_id = int(last_id)
            if field == "created_at":
                value = datetime.fromisoformat(value)
        except ValueError:
            cursor = None
        else:
            op = "lt" if descending else "gt"
            qs = qs.filter(
                Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": last_id})
            )
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    token = encode_cursor([getattr(rows[-1], field), rows[-1].pk]) if more and rows else ""
    return rows, token


@login_required
def lead_list(request):
    user = request.user
    params = request.GET
    view, qs = _list_qs(user, params)
    sort = params.get("sort", "-created")
    if sort.lstrip("-") not in SORTS:
        sort = "-created"
    columns = LEAD_COLUMNS.chosen(lists.preference(user, LEAD_COLUMNS.key))
    rows, next_cursor = _keyset(
        qs, sort=sort, after=params.get("after", ""), size=page_size_from(request)
    )
    base = {k: v for k, v in params.items() if k != "after"}
    key, descending = sort.lstrip("-"), sort.startswith("-")
    filter_keys = ("q", "status", "source", "owner", "product_line")
    sort_columns = {
        k: {
            "key": k,
            "label": label,
            "active": k == key,
            "descending": descending and k == key,
            "next": f"-{k}" if (k == key and not descending) else k,
        }
        for k, label in (("name", _("Name")), ("created", _("Created")))
    }
    context = {
        "rows": rows,
        "table_rows": [(x, LEAD_COLUMNS.cells(x, columns)) for x in rows],
        "columns_key": LEAD_COLUMNS.key,
        "columns": columns,
        "all_columns": [(c.key, c.label) for c in LEAD_COLUMNS.columns],
        "column_headers": LEAD_COLUMNS.headers(columns, sort_columns),
        "can_delete": can_delete(user),
        "view": view,
        "tabs": [
            {"key": k, "label": label, "url": "?" + urlencode({"view": k}), "active": k == view}
            for k, label in VIEWS.items()
        ],
        "next_url": f"?{urlencode({**base, 'after': next_cursor})}" if next_cursor else "",
        "first_url": f"?{urlencode(base)}" if params.get("after") else "",
        "filter_values": {k: params.get(k, "") for k in filter_keys},
        "is_filtered": any(params.get(k) for k in filter_keys),
        "statuses": LeadStatus.choices,
        "sources": LeadSource.choices,
        "product_lines": list(ProductLine.objects.filter(is_active=True)),
        "owners": list(AssignForm(actor=user).fields["owner"].queryset.order_by("id")[:200]),
        "sort_columns": sort_columns,
        "sort_query": urlencode({k: v for k, v in base.items() if k != "sort"}) + "&",
        "can_assign": can_assign(user),
        "export_url": (
            reverse("web:lead_export") + "?" + urlencode(base) if can_export(user) else ""
        ),
        "export_selected_url": reverse("web:lead_export") if can_export(user) else "",
    }
    return render(request, "leads/list.html", context)


@login_required
def lead_export(request):
    from salesdesk.api.v1.imports import export_response
    from salesdesk.core.audit import audit_record

    if not can_export(request.user):
        raise PermissionDenied
    _view, qs = _list_qs(request.user, request.GET)
    ids = None
    if request.method == "POST" or "ids" in request.GET:
        # "Export selected" of the bulk bar: the chosen leads among those the user sees.
        ids = selected_ids(request)
        qs = selectors.leads_visible(request.user).filter(pk__in=ids).select_related("owner")
    headers = [
        _("Company or person"),
        _("Contact name"),
        _("Phone"),
        _("Email"),
        _("Province"),
        _("City"),
        _("Industry"),
        _("Source"),
        _("Status"),
        _("Owner"),
        _("Created"),
    ]
    rows = (
        [
            x.name,
            x.contact_name,
            x.phone,
            x.email,
            x.province,
            x.city,
            x.industry,
            x.get_source_display(),
            x.get_status_display(),
            x.owner.name if x.owner_id else "",
            x.created_at.strftime("%Y-%m-%d"),
        ]
        for x in qs.order_by("-created_at", "-id").iterator(chunk_size=2000)
    )
    data = {"what": "leads"} if ids is None else {"what": "leads", "ids": ids}
    audit_record(kind="export", actor=request.user, request=request, data=data)
    fmt = request.GET.get("format", "xlsx")
    return export_response(headers, rows, "leads", fmt if fmt in ("xlsx", "csv") else "xlsx")


@require_POST
@login_required
def lead_bulk_assign(request):
    if not can_assign(request.user):
        raise PermissionDenied
    form = AssignForm(request.POST, actor=request.user)
    ids = selected_ids(request) or selected_ids(request, "lead")
    if form.is_valid() and ids:
        try:
            count = services.lead_assign(
                actor=request.user, leads=ids, owner=form.cleaned_data["owner"], request=request
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            if count:
                messages.success(request, _("%(count)d leads assigned.") % {"count": count})
            if len(ids) > count:
                messages.warning(
                    request,
                    _(
                        "%(count)d selected leads were skipped: converted, disqualified or not "
                        "yours to change."
                    )
                    % {"count": len(ids) - count},
                )
    else:
        messages.error(request, _("Select leads and a valid owner."))
    return redirect(safe_back(request, reverse("web:leads")))


@login_required
def lead_detail(request, pk: int):
    user = request.user
    lead = _visible(user, pk)
    editable = not lead.is_converted and (
        Lead.objects.editable_by(user).filter(pk=pk).exists()
        or (lead.owner_id is None and lead.org_unit_id in selectors.pool_unit_ids(user))
    )
    context = {
        "lead": lead,
        "editable": editable,
        "claimable": lead.owner_id is None
        and not lead.is_converted
        and lead.org_unit_id in selectors.pool_unit_ids(user),
        "history": field_history(lead),
        "convert_form": ConvertForm(
            actor=user,
            lead=lead,
            auto_id="convert_%s",
            initial={"version": lead.version, "create_opportunity": True},
        )
        if editable and lead.status != LeadStatus.DISQUALIFIED
        else None,
        "status_form": StatusForm(
            auto_id="status_%s", initial={"version": lead.version, "status": lead.status}
        )
        if editable
        else None,
    }
    return render(request, "leads/detail.html", context)


def _render_form(request, form, lead=None, conflict=None, duplicates=None, status=200):
    return render(
        request,
        "leads/form.html",
        {"form": form, "lead": lead, "conflict": conflict, "duplicates": duplicates},
        status=status,
    )


@login_required
def lead_create(request):
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(
                actor=request.user,
                assign=form.cleaned_data.get("assign") or "me",
                allow_duplicate=form.cleaned_data.get("allow_duplicate", False),
                request=request,
                **form.service_fields(),
            )
        except services.DuplicateLeadError as exc:
            form.add_error(None, exc.messages[0])
            return _render_form(
                request, form, duplicates=exc.customer_hits + exc.lead_hits, status=422
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Lead “%(name)s” created.") % {"name": lead.name})
            return redirect("web:lead_detail", lead.pk)
    return _render_form(request, form)


@login_required
def lead_edit(request, pk: int):
    lead = _visible(request.user, pk)
    if lead.is_converted:
        messages.error(request, _("A converted lead cannot be changed."))
        return redirect("web:lead_detail", pk)
    initial = {name: getattr(lead, name) for name in LeadForm.base_fields if hasattr(lead, name)}
    initial["version"] = lead.version
    form = LeadForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        changes = {f: v for f, v in data.items() if v != getattr(lead, f)}
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("web:lead_detail", pk)
        try:
            services.lead_update(
                actor=request.user,
                lead=lead,
                expected_version=form.cleaned_data["version"],
                request=request,
                **changes,
            )
        except StaleEditError as exc:
            return _render_form(request, form, lead=lead, conflict=exc, status=409)
        except Lead.DoesNotExist:
            raise Http404 from None
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Lead “%(name)s” saved.") % {"name": lead.name})
            return redirect("web:lead_detail", pk)
    return _render_form(request, form, lead=lead)


@require_POST
@login_required
def lead_status(request, pk: int):
    lead = _visible(request.user, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.lead_set_status(
                actor=request.user,
                lead=lead,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                request=request,
            )
        except StaleEditError:
            messages.error(request, _("Someone changed this lead meanwhile. Check and try again."))
        except (ValidationError, PermissionDenied, Lead.DoesNotExist) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Status changed."))
    return redirect("web:lead_detail", pk)


@require_POST
@login_required
def lead_claim(request, pk: int):
    lead = _visible(request.user, pk)
    try:
        services.lead_claim(actor=request.user, lead=lead, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Lead “%(name)s” is yours now.") % {"name": lead.name})
    return redirect(request.POST.get("next") or reverse("web:lead_detail", args=[pk]))


@require_POST
@login_required
def lead_convert(request, pk: int):
    lead = _visible(request.user, pk)
    form = ConvertForm(request.POST, actor=request.user, lead=lead)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.lead_convert(
                actor=request.user,
                lead=lead,
                expected_version=data["version"],
                customer=data["customer"],
                allow_duplicate=data["allow_duplicate"],
                create_opportunity=data["create_opportunity"],
                pipeline=data["pipeline"],
                title=data["title"],
                amount=data["amount"],
                expected_close_date=data["expected_close_date"],
                request=request,
            )
        except StaleEditError:
            messages.error(request, _("Someone changed this lead meanwhile. Check and try again."))
        except (ValidationError, PermissionDenied, Lead.DoesNotExist) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Lead converted."))
            if result.opportunity is not None:
                return redirect("web:opportunity_detail", result.opportunity.pk)
            return redirect("web:customer_detail", result.customer.pk)
    else:
        messages.error(request, _("Check the conversion form."))
    return redirect("web:lead_detail", pk)


@require_POST
@login_required
def lead_delete(request, pk: int):
    lead = _visible(request.user, pk)
    try:
        services.lead_delete(actor=request.user, lead=lead, request=request)
    except (PermissionDenied, Lead.DoesNotExist):
        raise PermissionDenied from None
    messages.success(request, _("Lead moved to the recycle bin."))
    return redirect("web:leads")


@require(can_configure)
def lead_rules(request):
    form = RuleForm(request.POST or None)
    if request.method == "POST":
        if "delete" in request.POST:
            rule = LeadAssignmentRule.objects.filter(pk=_int(request.POST["delete"])).first()
            if rule is not None:
                services.assignment_rule_delete(actor=request.user, rule=rule)
                messages.success(request, _("Rule deleted."))
            return redirect("web:lead_rules")
        if form.is_valid():
            try:
                services.assignment_rule_create(actor=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Rule added."))
                return redirect("web:lead_rules")
    return render(
        request, "leads/rules.html", {"rules": list(selectors.assignment_rules()), "form": form}
    )

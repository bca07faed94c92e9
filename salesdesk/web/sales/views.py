"""Sales pages (SAL-1, SAL-2): products, product lines, price lists, contracts (list, detail,
create/edit with lines added by htmx and live totals, status actions) and approval chains.

Transport only: reads through the selectors (contracts scoped), writes through the services.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent
from salesdesk.customers.models import Customer
from salesdesk.org.models import FunctionPermission
from salesdesk.org.scoping import editable_by
from salesdesk.org.selectors import users_visible
from salesdesk.sales import selectors
from salesdesk.sales import services as catalogue
from salesdesk.sales.contracts import selectors as contract_selectors
from salesdesk.sales.contracts import services as contracts
from salesdesk.sales.models import (
    ApprovalChain,
    Contract,
    ContractStatus,
    PriceList,
    Product,
    ProductLine,
)
from salesdesk.web import lists
from salesdesk.web.access import can_configure, require
from salesdesk.web.forms import apply_service_error, save_through_service
from salesdesk.web.forms import errors_to_messages as _errors_to_messages
from salesdesk.web.history import field_history
from salesdesk.web.lists import parse_int as _int
from salesdesk.web.lists import selected_ids
from salesdesk.web.lists import sort_columns as _sort_columns
from salesdesk.web.pagination import paginate, query_without
from salesdesk.web.sales.forms import (
    ApprovalChainForm,
    ApprovalStepFormSet,
    ContractForm,
    ContractLineFormSet,
    PriceItemFormSet,
    PriceListForm,
    ProductForm,
    ProductLineForm,
    ReasonForm,
)
from salesdesk.web.sales.table import CONTRACT_COLUMNS

CONTRACT_VIEWS = {
    "mine": gettext_lazy("Mine"),
    "subordinates": gettext_lazy("My subordinates'"),
    "all": gettext_lazy("All"),
    "to_approve": gettext_lazy("To approve"),
}
CONTRACT_SORTS = {
    "number": gettext_lazy("Number"),
    "total_amount": gettext_lazy("Amount"),
    "signed_on": gettext_lazy("Signed on"),
    "created_at": gettext_lazy("Created"),
}
PRODUCT_SORTS = {
    "code": gettext_lazy("Code"),
    "name": gettext_lazy("Name"),
    "list_price": gettext_lazy("List price"),
}
EXPORT_LIMIT = 10000


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


# ---- product lines ---------------------------------------------------------------------------


@login_required
def product_line_list(request):
    user = request.user
    form = ProductLineForm(request.POST or None, initial={"is_active": True, "sort_order": 0})
    if request.method == "POST":
        if not can_configure(user):
            raise PermissionDenied
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                line = catalogue.product_line_create(actor=user, request=request, **data)
            except (ValidationError, PermissionDenied) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Product line “%(name)s” created.") % {"name": line})
                return redirect("web:product_line_list")
    lines = list(selectors.product_lines(user))
    return render(
        request,
        "sales/product_lines.html",
        {"lines": lines, "form": form, "can_configure": can_configure(user)},
        status=422 if form.errors else 200,
    )


@require(can_configure)
def product_line_edit(request, pk: int):
    line = ProductLine.objects.filter(pk=pk).first()
    if line is None:
        raise Http404
    initial = {f: getattr(line, f) for f in catalogue.PRODUCT_LINE_FIELDS}
    form = ProductLineForm(request.POST or None, initial={**initial, "version": line.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {f: data[f] for f in catalogue.PRODUCT_LINE_FIELDS if data[f] != initial[f]}
        saved, conflict = save_through_service(
            form,
            lambda: catalogue.product_line_update(
                actor=request.user,
                line=line,
                expected_version=data["version"],
                request=request,
                **changes,
            ),
        )
        if saved:
            messages.success(request, _("Product line saved."))
            return redirect("web:product_line_list")
    return render(
        request,
        "sales/simple_form.html",
        {
            "form": form,
            "conflict": conflict,
            "heading": _("Edit product line"),
            "back": reverse("web:product_line_list"),
            "delete_url": reverse("web:product_line_delete", args=[line.pk])
            if request.user.has_function(FunctionPermission.DELETE)
            else "",
        },
        status=409 if conflict else 200,
    )


@require_POST
@require(can_configure)
def product_line_delete(request, pk: int):
    line = ProductLine.objects.filter(pk=pk).first()
    if line is None:
        raise Http404
    try:
        catalogue.product_line_delete(actor=request.user, line=line, request=request)
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
        return redirect("web:product_line_edit", line.pk)
    messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": line.name})
    return redirect("web:product_line_list")


# ---- products --------------------------------------------------------------------------------


@login_required
def product_list(request):
    user = request.user
    q = request.GET.get("q", "").strip()
    line_id = _int(request.GET.get("line"))
    active = {"1": True, "0": False}.get(request.GET.get("active", ""))
    sort, columns = _sort_columns(request, PRODUCT_SORTS, "code")
    qs = selectors.product_list(user, q=q, product_line=line_id, active=active, sort=sort)
    page = paginate(request, qs)
    context = {
        "page": page,
        "products": page.object_list,
        "q": q,
        "line_id": line_id,
        "active": request.GET.get("active", ""),
        "lines": list(selectors.product_lines(user)),
        "sort_columns": columns,
        "sort_query": query_without(request, "sort", "page"),
        "page_query": query_without(request, "page"),
        "is_filtered": bool(q or line_id or active is not None),
        "can_configure": can_configure(user),
    }
    return render(request, "sales/products.html", context)


def _product_changes(form, product: Product | None) -> dict:
    data = form.cleaned_data
    fields = catalogue.PRODUCT_FIELDS
    if product is None:
        return {f: data[f] for f in fields}
    return {f: data[f] for f in fields if data[f] != getattr(product, f)}


@require(can_configure)
def product_create(request):
    form = ProductForm(request.POST or None, initial={"is_active": True, "unit": "件"})
    if request.method == "POST" and form.is_valid():
        try:
            product = catalogue.product_create(
                actor=request.user, request=request, **_product_changes(form, None)
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Product “%(name)s” created.") % {"name": product.name})
            return redirect("web:product_detail", product.pk)
    return render(
        request,
        "sales/simple_form.html",
        {"form": form, "heading": _("New product"), "back": reverse("web:product_list")},
        status=422 if form.errors else 200,
    )


@login_required
def product_detail(request, pk: int):
    user = request.user
    product = selectors.product_list(user).filter(pk=pk).first()
    if product is None:
        raise Http404
    editable = can_configure(user)
    initial = {f: getattr(product, f) for f in catalogue.PRODUCT_FIELDS}
    form = ProductForm(request.POST or None, initial={**initial, "version": product.version})
    conflict = None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            changes = _product_changes(form, product)
            saved, conflict = save_through_service(
                form,
                lambda: catalogue.product_update(
                    actor=user,
                    product=product,
                    expected_version=form.cleaned_data["version"],
                    request=request,
                    **changes,
                ),
            )
            if saved:
                messages.success(request, _("Product saved."))
                return redirect("web:product_detail", product.pk)
    from salesdesk.sales.models import PriceListItem

    prices = (
        PriceListItem.objects.filter(product=product, price_list__in=selectors.price_lists(user))
        .select_related("price_list")
        .order_by("-price_list__valid_from", "price_list__name", "price_list_id")
    )
    context = {
        "product": product,
        "form": form,
        "conflict": conflict,
        "editable": editable,
        "can_delete": editable and user.has_function(FunctionPermission.DELETE),
        "price_rows": list(prices[:20]),
        "history": field_history(product),
    }
    status = 409 if conflict else (422 if form.errors else 200)
    return render(request, "sales/product_detail.html", context, status=status)


@require_POST
@require(can_configure)
def product_delete(request, pk: int):
    product = Product.objects.filter(pk=pk).first()
    if product is None:
        raise Http404
    try:
        catalogue.product_delete(actor=request.user, product=product, request=request)
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
        return redirect("web:product_detail", product.pk)
    messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": product.name})
    return redirect("web:product_list")


# ---- price lists -----------------------------------------------------------------------------


@login_required
def price_list_list(request):
    user = request.user
    qs = selectors.price_lists(user)
    page = paginate(request, qs)
    return render(
        request,
        "sales/price_lists.html",
        {
            "page": page,
            "price_lists": page.object_list,
            "page_query": query_without(request, "page"),
            "can_configure": can_configure(user),
            "today": timezone.localdate(),
        },
    )


PRICE_LIST_FORM_FIELDS = catalogue.PRICE_LIST_FIELDS


def _price_items(formset) -> list[dict]:
    return [
        {"product": f.cleaned_data["product"], "price": f.cleaned_data["price"]}
        for f in formset.forms
        if f.cleaned_data.get("product") and not f.cleaned_data.get("DELETE")
    ]


def _price_list_page(request, price_list: PriceList | None):
    user = request.user
    editable = can_configure(user)
    if price_list is None:
        initial = {"is_active": True, "valid_from": timezone.localdate()}
        items_initial = []
    else:
        initial = {f: getattr(price_list, f) for f in PRICE_LIST_FORM_FIELDS}
        initial["version"] = price_list.version
        items_initial = [
            {"product": i.product, "price": i.price}
            for i in price_list.items.select_related("product")
        ]
    form = PriceListForm(request.POST or None, initial=initial)
    formset = PriceItemFormSet(request.POST or None, initial=items_initial, prefix="items")
    conflict = None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid() and formset.is_valid():
            data = {f: form.cleaned_data[f] for f in PRICE_LIST_FORM_FIELDS}
            data["customer_level"] = data["customer_level"] or ""
            items = _price_items(formset)
            if price_list is None:
                try:
                    created = catalogue.price_list_create(
                        actor=user, items=items, request=request, **data
                    )
                except (ValidationError, PermissionDenied) as exc:
                    apply_service_error(form, exc)
                else:
                    messages.success(request, _("Price list saved."))
                    return redirect("web:price_list_detail", created.pk)
            else:
                changes = {f: v for f, v in data.items() if v != initial.get(f)}
                saved, conflict = save_through_service(
                    form,
                    lambda: catalogue.price_list_update(
                        actor=user,
                        price_list=price_list,
                        expected_version=form.cleaned_data["version"],
                        items=items,
                        request=request,
                        **changes,
                    ),
                )
                if saved:
                    messages.success(request, _("Price list saved."))
                    return redirect("web:price_list_detail", price_list.pk)
    context = {
        "price_list": price_list,
        "form": form,
        "formset": formset,
        "conflict": conflict,
        "editable": editable,
        "can_delete": bool(
            price_list and editable and user.has_function(FunctionPermission.DELETE)
        ),
        "items": list(price_list.items.select_related("product")) if price_list else [],
    }
    status = 409 if conflict else (422 if (form.errors or formset.total_error_count()) else 200)
    return render(request, "sales/price_list_form.html", context, status=status)


@require(can_configure)
def price_list_create(request):
    return _price_list_page(request, None)


@login_required
def price_list_detail(request, pk: int):
    price_list = selectors.price_lists(request.user).filter(pk=pk).first()
    if price_list is None:
        raise Http404
    return _price_list_page(request, price_list)


@require_POST
@require(can_configure)
def price_list_delete(request, pk: int):
    price_list = PriceList.objects.filter(pk=pk).first()
    if price_list is None:
        raise Http404
    try:
        catalogue.price_list_delete(actor=request.user, price_list=price_list, request=request)
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
        return redirect("web:price_list_detail", price_list.pk)
    messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": price_list})
    return redirect("web:price_list_list")


# ---- contracts: list and export ---------------------------------------------------------------


def _contract_query(request):
    user = request.user
    params = request.GET
    view = params.get("view", "mine")
    if view not in CONTRACT_VIEWS:
        view = "mine"
    status = params.get("status", "")
    status = status if status in ContractStatus.values else ""
    sort, columns = _sort_columns(request, CONTRACT_SORTS, "-created_at")
    filters = {
        "q": params.get("q", "").strip(),
        "status": status,
        "owner": _int(params.get("owner")),
        "customer": _int(params.get("customer")),
        "signed_from": _date(params.get("from")),
        "signed_to": _date(params.get("to")),
    }
    qs = contract_selectors.contract_list(user, view=view, sort=sort, **filters)
    return view, filters, sort, columns, qs


def _owners(user) -> list:
    owners = list(users_visible(user, include_inactive=False).order_by("username")[:500])
    return owners if len(owners) > 1 else []


@login_required
def contract_list(request):
    user = request.user
    view, filters, _sort, columns, qs = _contract_query(request)
    page = paginate(request, qs)
    chosen = CONTRACT_COLUMNS.chosen(lists.preference(user, CONTRACT_COLUMNS.key))
    context = {
        "table_rows": [(c, CONTRACT_COLUMNS.cells(c, chosen)) for c in page.object_list],
        "columns_key": CONTRACT_COLUMNS.key,
        "columns": chosen,
        "all_columns": [(c.key, c.label) for c in CONTRACT_COLUMNS.columns],
        "column_headers": CONTRACT_COLUMNS.headers(chosen, columns),
        "tabs": [
            {"key": k, "label": label, "active": k == view} for k, label in CONTRACT_VIEWS.items()
        ],
        "view": view,
        "filters": filters,
        "page": page,
        "contracts": page.object_list,
        "statuses": ContractStatus.choices,
        "owners": _owners(user),
        "sort_columns": columns,
        "sort_query": query_without(request, "sort", "page"),
        "page_query": query_without(request, "page"),
        "filter_query": query_without(request, "page", "view"),
        "export_query": query_without(request, "page"),
        "can_export": user.has_function(FunctionPermission.EXPORT),
        "is_filtered": any(v for v in filters.values()),
    }
    return render(request, "sales/contracts.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def contract_export(request):
    """The list view as xlsx; a POST ("Export selected" of the list) exports the selected
    contracts of it (`ids`). The only bulk action on contracts: their status has rules."""
    from salesdesk.imports.exporters import xlsx_bytes

    user = request.user
    if not user.has_function(FunctionPermission.EXPORT):
        raise PermissionDenied
    _view, _filters, _sort, _columns, qs = _contract_query(request)
    ids = selected_ids(request) if request.method == "POST" else None
    if ids is not None:
        qs = contract_selectors.contract_list(user, view="all").filter(pk__in=ids)
    headers = [
        _("Contract number"),
        _("Title"),
        _("Customer"),
        _("Status"),
        _("Owner"),
        _("Signed on"),
        _("Total amount"),
    ]
    rows = [
        [
            c.number,
            c.title,
            c.customer.name,
            str(c.get_status_display()),
            c.owner.name,
            c.signed_on.isoformat() if c.signed_on else "",
            c.total_amount,
        ]
        for c in qs[:EXPORT_LIMIT]
    ]
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        actor=user,
        request=request,
        data={"entity": "contracts", "rows": len(rows)}
        if ids is None
        else {"entity": "contracts", "rows": len(rows), "ids": ids},
    )
    response = HttpResponse(
        xlsx_bytes([(str(_("Contracts")), headers, rows)]),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="contracts.xlsx"'
    return response


# ---- contracts: create and edit ---------------------------------------------------------------


def _customer_choices(user, selected: int | None = None) -> list[Customer]:
    qs = editable_by(Customer.objects.filter(owner__isnull=False), user)
    customers = list(qs.order_by("name", "id")[:500])
    if selected and all(c.pk != selected for c in customers):
        extra = qs.filter(pk=selected).first()
        if extra is not None:
            customers.insert(0, extra)
    return customers


def _products() -> list[Product]:
    return list(Product.objects.filter(is_active=True).order_by("code")[:1000])


def _line_rows(formset) -> list[dict]:
    return [{"form": f, "index": i} for i, f in enumerate(formset.forms)]


def _lines_from(formset) -> list[dict]:
    return [line for f in formset.forms if (line := f.as_line()) is not None]


def _contract_form_page(request, contract: Contract | None):
    user = request.user
    opportunity = None
    if contract is None:
        selected = _int(request.GET.get("customer"))
        initial = {"customer": selected, "signed_on": timezone.localdate()}
        line_initial = [{"quantity": 1, "discount_percent": 0}]
        opportunity = _won_opportunity(user, request.GET.get("opportunity"))
        if opportunity is not None:
            defaults = contracts.opportunity_contract_defaults(opportunity)
            selected = opportunity.customer_id
            initial.update(
                customer=selected,
                title=defaults["title"],
                channel=opportunity.channel_id,
                partner=opportunity.partner_id,
            )
            line_initial = [
                {**line, "discount_percent": 0} for line in defaults["lines"]
            ] or line_initial
    else:
        selected = contract.customer_id
        initial = {f: getattr(contract, f) for f in contracts.HEADER_FIELDS}
        initial["version"] = contract.version
        line_initial = [
            {
                "product": line.product_id,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
            }
            for line in contract.lines.all()
        ]
    customers = _customer_choices(user, selected) if contract is None else []
    form = ContractForm(
        request.POST or None, initial=initial, customers=customers, editing=contract is not None
    )
    lines_editable = contract is None or contract.status == ContractStatus.DRAFT
    formset = ContractLineFormSet(request.POST or None, initial=line_initial, prefix="lines")
    conflict = None
    if request.method == "POST" and form.is_valid() and (not lines_editable or formset.is_valid()):
        data = form.cleaned_data
        lines = _lines_from(formset) if lines_editable else None
        header = {f: data[f] for f in contracts.HEADER_FIELDS}
        if contract is None:
            customer = next((c for c in customers if c.pk == data["customer"]), None)
            if customer is None:
                form.add_error("customer", _("Select a customer you may change."))
            else:
                try:
                    created = contracts.contract_create(
                        actor=user,
                        customer=customer,
                        lines=lines,
                        opportunity=opportunity,
                        request=request,
                        **header,
                    )
                except (ValidationError, PermissionDenied) as exc:
                    apply_service_error(form, exc)
                else:
                    messages.success(
                        request, _("Contract %(number)s created.") % {"number": created.number}
                    )
                    return redirect("web:contract_detail", created.pk)
        else:
            changes = {f: v for f, v in header.items() if v != initial.get(f)}
            saved, conflict = save_through_service(
                form,
                lambda: contracts.contract_update(
                    actor=user,
                    contract=contract,
                    expected_version=data["version"],
                    lines=lines,
                    request=request,
                    **changes,
                ),
            )
            if saved:
                messages.success(request, _("Contract saved."))
                return redirect("web:contract_detail", contract.pk)
    context = {
        "contract": contract,
        "opportunity": opportunity,
        "form": form,
        "formset": formset,
        "rows": _line_rows(formset),
        "products": _products(),
        "lines_editable": lines_editable,
        "conflict": conflict,
    }
    status = 409 if conflict else (422 if request.method == "POST" else 200)
    return render(request, "sales/contract_form.html", context, status=status)


def _won_opportunity(user, raw):
    """The won opportunity `?opportunity=<id>` names, if the user may see it."""
    from salesdesk.pipeline.models import Opportunity, OpportunityStatus

    pk = _int(raw)
    if not pk:
        return None
    return (
        Opportunity.objects.visible_to(user)
        .filter(pk=pk, status=OpportunityStatus.WON)
        .select_related("customer")
        .first()
    )


@login_required
def contract_create(request):
    return _contract_form_page(request, None)


@login_required
def contract_edit(request, pk: int):
    contract = contract_selectors.contract_detail(request.user, pk)
    if contract is None:
        raise Http404
    if not editable_by(Contract.objects.filter(pk=pk), request.user).exists():
        raise PermissionDenied
    if contract.is_locked:
        messages.error(request, _("This contract cannot be changed in its current status."))
        return redirect("web:contract_detail", pk)
    return _contract_form_page(request, contract)


@require_GET
@login_required
def contract_line_row(request):
    """htmx: one more empty line row (index = the formset's current TOTAL_FORMS)."""
    index = _int(request.GET.get("lines-TOTAL_FORMS")) or 0
    index = max(0, min(index, contracts.MAX_LINES))
    formset = ContractLineFormSet(prefix="lines", initial=[{}] * (index + 1))
    return render(
        request,
        "sales/_line_row.html",
        {"row": {"form": formset.forms[index], "index": index}, "products": _products()},
    )


# ---- contracts: detail and actions ------------------------------------------------------------


@login_required
def contract_detail(request, pk: int):
    user = request.user
    contract = contract_selectors.contract_detail(user, pk)
    if contract is None:
        raise Http404
    approval = contract_selectors.pending_approval(contract)
    editable = editable_by(Contract.objects.filter(pk=pk), user).exists()
    closer = editable and user.has_function(FunctionPermission.APPROVE)
    status = contract.status
    steps = []
    if approval is not None:
        for i, step in enumerate(approval.steps):
            steps.append(
                {
                    "number": i + 1,
                    "label": step.get("approver_name") or step.get("role_name") or "",
                    "manager": step.get("kind") == "manager",
                    "state": "done"
                    if i < approval.current_step
                    else ("current" if i == approval.current_step else "waiting"),
                }
            )
    actions = {
        "edit": editable and status in (ContractStatus.DRAFT, ContractStatus.ACTIVE),
        "submit": editable and status == ContractStatus.DRAFT,
        "decide": contracts.may_decide(user, approval),
        "recall": approval is not None and approval.submitted_by_id == user.pk,
        "complete": closer and status == ContractStatus.ACTIVE,
        "void": closer and status in (ContractStatus.DRAFT, ContractStatus.ACTIVE),
        "delete": editable
        and status == ContractStatus.DRAFT
        and user.has_function(FunctionPermission.DELETE),
    }
    from salesdesk.sales.models import PaymentMethod
    from salesdesk.sales.receivables import selectors as receivable_selectors
    from salesdesk.web.sales.forms import PlanSplitForm

    instalments = list(
        receivable_selectors.instalments_visible(user)
        .filter(contract_id=contract.pk)
        .order_by("position")
    )
    plannable = editable and status in (ContractStatus.ACTIVE, ContractStatus.COMPLETED)
    payments = list(receivable_selectors.payments_of(user, contract.pk)[:50])
    today = timezone.localdate()
    context = {
        "instalments": instalments,
        "payments": payments,
        "can_plan": plannable and not payments,
        "can_pay": plannable,
        "plan_form": PlanSplitForm(initial={"count": 1, "months": 1, "first_due": today}),
        "payment_methods": PaymentMethod.choices,
        "returns": list(contract.returns.select_related("product", "recorded_by")[:50]),
        "today": today,
        "contract": contract,
        "lines": list(contract.lines.all()),
        "events": list(contract.events.all()),
        "approval": approval,
        "steps": steps,
        "actions": actions,
        "reason_form": ReasonForm(),
        "history": field_history(contract),
    }
    return render(request, "sales/contract_detail.html", context)


ACTION_SERVICES = {
    "submit": (contracts.contract_submit, "comment", gettext_lazy("Contract submitted.")),
    "approve": (contracts.contract_approve, "comment", gettext_lazy("Contract approved.")),
    "reject": (contracts.contract_reject, "reason", gettext_lazy("Contract rejected.")),
    "recall": (contracts.contract_recall, "comment", gettext_lazy("Contract recalled.")),
    "complete": (contracts.contract_complete, "comment", gettext_lazy("Contract completed.")),
    "void": (contracts.contract_void, "reason", gettext_lazy("Contract voided.")),
}


@require_POST
@login_required
def contract_action(request, pk: int, action: str):
    if action not in ACTION_SERVICES:
        raise Http404
    contract = contract_selectors.contracts_visible(request.user).filter(pk=pk).first()
    if contract is None:
        raise Http404
    service, text_field, done = ACTION_SERVICES[action]
    try:
        service(
            actor=request.user,
            contract=contract,
            request=request,
            **{text_field: request.POST.get(text_field, "")},
        )
    except Contract.DoesNotExist:
        raise PermissionDenied from None
    except PermissionDenied:
        raise
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, str(done))
    return redirect("web:contract_detail", pk)


@require_POST
@login_required
def contract_delete(request, pk: int):
    contract = contract_selectors.contracts_visible(request.user).filter(pk=pk).first()
    if contract is None:
        raise Http404
    try:
        contracts.contract_delete(actor=request.user, contract=contract, request=request)
    except Contract.DoesNotExist:
        raise PermissionDenied from None
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
        return redirect("web:contract_detail", pk)
    messages.success(
        request, _("Contract %(number)s moved to the recycle bin.") % {"number": contract.number}
    )
    return redirect("web:contract_list")


# ---- approval chains (settings) ----------------------------------------------------------


@require(can_configure)
def approval_chain_list(request):
    chains = list(
        ApprovalChain.objects.prefetch_related("steps__role").order_by("min_amount", "id")
    )
    return render(request, "sales/approval_chains.html", {"chains": chains})


def _steps_from(formset) -> list[dict]:
    return [
        {"kind": f.cleaned_data["kind"], "role": f.cleaned_data.get("role")}
        for f in formset.forms
        if f.cleaned_data.get("kind")
    ]


def _chain_page(request, chain: ApprovalChain | None):
    user = request.user
    if chain is None:
        initial = {"is_active": True, "min_amount": Decimal("0")}
        steps_initial = []
    else:
        initial = {
            "name": chain.name,
            "min_amount": chain.min_amount,
            "is_active": chain.is_active,
            "version": chain.version,
        }
        steps_initial = [{"kind": s.kind, "role": s.role} for s in chain.steps.all()]
    form = ApprovalChainForm(request.POST or None, initial=initial)
    formset = ApprovalStepFormSet(request.POST or None, initial=steps_initial, prefix="steps")
    conflict = None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        steps = _steps_from(formset)
        if chain is None:
            try:
                contracts.approval_chain_create(
                    actor=user,
                    name=data["name"],
                    min_amount=data["min_amount"],
                    is_active=data["is_active"],
                    steps=steps,
                    request=request,
                )
            except (ValidationError, PermissionDenied) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Approval chain saved."))
                return redirect("web:approval_chain_list")
        else:
            changes = {
                f: data[f]
                for f in ("name", "min_amount", "is_active")
                if data[f] != getattr(chain, f)
            }
            saved, conflict = save_through_service(
                form,
                lambda: contracts.approval_chain_update(
                    actor=user,
                    chain=chain,
                    expected_version=data["version"],
                    steps=steps,
                    request=request,
                    **changes,
                ),
            )
            if saved:
                messages.success(request, _("Approval chain saved."))
                return redirect("web:approval_chain_list")
    status = 409 if conflict else (422 if request.method == "POST" else 200)
    return render(
        request,
        "sales/approval_chain_form.html",
        {"chain": chain, "form": form, "formset": formset, "conflict": conflict},
        status=status,
    )


@require(can_configure)
def approval_chain_create(request):
    return _chain_page(request, None)


@require(can_configure)
def approval_chain_edit(request, pk: int):
    chain = ApprovalChain.objects.filter(pk=pk).first()
    if chain is None:
        raise Http404
    return _chain_page(request, chain)


@require_POST
@require(can_configure)
def approval_chain_delete(request, pk: int):
    chain = ApprovalChain.objects.filter(pk=pk).first()
    if chain is None:
        raise Http404
    contracts.approval_chain_delete(actor=request.user, chain=chain, request=request)
    messages.success(request, _("Approval chain deleted."))
    return redirect("web:approval_chain_list")


# ---- receivables (SAL-3) ---------------------------------------------------------------------

RECEIVABLE_TABS = {
    "due_soon": gettext_lazy("Due soon"),
    "overdue": gettext_lazy("Overdue"),
    "open": gettext_lazy("Open"),
    "paid": gettext_lazy("Paid"),
    "all": gettext_lazy("All"),
}


@login_required
def receivable_list(request):
    from salesdesk.sales.receivables import selectors as receivable_selectors

    user = request.user
    tab = request.GET.get("tab", "open")
    if tab not in RECEIVABLE_TABS:
        tab = "open"
    owner = _int(request.GET.get("owner"))
    qs = receivable_selectors.receivables(user, bucket=tab, owner=owner)
    page = paginate(request, qs)
    context = {
        "tabs": [{"key": k, "label": v, "active": k == tab} for k, v in RECEIVABLE_TABS.items()],
        "tab": tab,
        "page": page,
        "instalments": page.object_list,
        "totals": receivable_selectors.totals(user),
        "owners": _owners(user),
        "owner_id": owner,
        "page_query": query_without(request, "page"),
        "filter_query": query_without(request, "page", "tab"),
        "today": timezone.localdate(),
        "reminder_days": receivable_selectors.reminder_days(),
    }
    return render(request, "sales/receivables.html", context)


def _editable_contract(request, pk: int) -> Contract:
    contract = contract_selectors.contracts_visible(request.user).filter(pk=pk).first()
    if contract is None:
        raise Http404
    if not editable_by(Contract.objects.filter(pk=pk), request.user).exists():
        raise PermissionDenied
    return contract


@require_POST
@login_required
def contract_plan_set(request, pk: int):
    from salesdesk.sales.receivables import services as receivable_services
    from salesdesk.web.sales.forms import PlanSplitForm

    contract = _editable_contract(request, pk)
    form = PlanSplitForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("web:contract_detail", pk)
    data = form.cleaned_data
    try:
        receivable_services.payment_plan_set(
            actor=request.user,
            contract=contract,
            instalments=receivable_services.equal_instalments(
                contract.total_amount,
                count=data["count"],
                first_due=data["first_due"],
                months=data["months"],
            ),
            request=request,
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Payment plan saved."))
    return redirect("web:contract_detail", pk)


@require_POST
@login_required
def payment_create(request, pk: int, instalment_pk: int):
    from salesdesk.sales.models import Instalment
    from salesdesk.sales.receivables import services as receivable_services
    from salesdesk.web.sales.forms import PaymentForm

    contract = _editable_contract(request, pk)
    instalment = Instalment.objects.filter(pk=instalment_pk, contract=contract).first()
    if instalment is None:
        raise Http404
    form = PaymentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("web:contract_detail", pk)
    try:
        receivable_services.payment_record(
            actor=request.user, instalment=instalment, request=request, **form.cleaned_data
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Payment recorded."))
    return redirect("web:contract_detail", pk)


# ---- channels and partners (SAL-5) ------------------------------------------------------------


def _record_page(
    request, *, instance, form_class, fields, create, update, delete_name, heading, back
):
    """Create (instance None) or edit a catalogue record through its service."""
    initial = {"is_active": True} if instance is None else {f: getattr(instance, f) for f in fields}
    if instance is not None:
        initial["version"] = instance.version
    form = form_class(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if instance is None:
            try:
                create(actor=request.user, request=request, **{f: data[f] for f in fields})
            except (ValidationError, PermissionDenied) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(back)
        else:
            changes = {f: data[f] for f in fields if data[f] != initial[f]}
            saved, conflict = save_through_service(
                form,
                lambda: update(
                    instance, expected_version=data["version"], request=request, **changes
                ),
            )
            if saved:
                messages.success(request, _("Saved."))
                return redirect(back)
    delete_url = ""
    if instance is not None and request.user.has_function(FunctionPermission.DELETE):
        delete_url = reverse(delete_name, args=[instance.pk])
    status = 409 if conflict else (422 if form.errors else 200)
    return render(
        request,
        "sales/simple_form.html",
        {
            "form": form,
            "conflict": conflict,
            "heading": heading,
            "back": back,
            "delete_url": delete_url,
        },
        status=status,
    )


@login_required
def channel_list(request):
    from salesdesk.sales.models import ChannelType

    user = request.user
    channels = list(selectors.channels(user))
    partners = selectors.partners(user)
    q = request.GET.get("q", "").strip()[:100]
    channel_id = _int(request.GET.get("channel"))
    if q:
        partners = partners.filter(name__icontains=q)
    if channel_id:
        partners = partners.filter(channel_id=channel_id)
    page = paginate(request, partners)
    return render(
        request,
        "sales/channels.html",
        {
            "channels": channels,
            "types": dict(ChannelType.choices),
            "page": page,
            "partners": page.object_list,
            "q": q,
            "channel_id": channel_id,
            "page_query": query_without(request, "page"),
            "can_configure": can_configure(user),
        },
    )


@require(can_configure)
def channel_create(request):
    from salesdesk.web.sales.forms import ChannelForm

    return _record_page(
        request,
        instance=None,
        form_class=ChannelForm,
        fields=catalogue.CHANNEL_FIELDS,
        create=catalogue.channel_create,
        update=None,
        delete_name="",
        heading=_("New channel"),
        back=reverse("web:channel_list"),
    )


@require(can_configure)
def channel_edit(request, pk: int):
    from salesdesk.sales.models import Channel
    from salesdesk.web.sales.forms import ChannelForm

    channel = Channel.objects.filter(pk=pk).first()
    if channel is None:
        raise Http404
    return _record_page(
        request,
        instance=channel,
        form_class=ChannelForm,
        fields=catalogue.CHANNEL_FIELDS,
        create=None,
        update=lambda obj, **kw: catalogue.channel_update(actor=request.user, channel=obj, **kw),
        delete_name="web:channel_delete",
        heading=_("Edit channel"),
        back=reverse("web:channel_list"),
    )


@require_POST
@require(can_configure)
def channel_delete(request, pk: int):
    from salesdesk.sales.models import Channel

    channel = Channel.objects.filter(pk=pk).first()
    if channel is None:
        raise Http404
    try:
        catalogue.channel_delete(actor=request.user, channel=channel, request=request)
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
        return redirect("web:channel_edit", pk)
    messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": channel.name})
    return redirect("web:channel_list")


@require(can_configure)
def partner_create(request):
    from salesdesk.web.sales.forms import PartnerForm

    return _record_page(
        request,
        instance=None,
        form_class=PartnerForm,
        fields=catalogue.PARTNER_FIELDS,
        create=catalogue.partner_create,
        update=None,
        delete_name="",
        heading=_("New partner"),
        back=reverse("web:channel_list"),
    )


@require(can_configure)
def partner_edit(request, pk: int):
    from salesdesk.sales.models import Partner
    from salesdesk.web.sales.forms import PartnerForm

    partner = Partner.objects.filter(pk=pk).first()
    if partner is None:
        raise Http404
    return _record_page(
        request,
        instance=partner,
        form_class=PartnerForm,
        fields=catalogue.PARTNER_FIELDS,
        create=None,
        update=lambda obj, **kw: catalogue.partner_update(actor=request.user, partner=obj, **kw),
        delete_name="web:partner_delete",
        heading=_("Edit partner"),
        back=reverse("web:channel_list"),
    )


@require_POST
@require(can_configure)
def partner_delete(request, pk: int):
    from salesdesk.sales.models import Partner

    partner = Partner.objects.filter(pk=pk).first()
    if partner is None:
        raise Http404
    catalogue.partner_delete(actor=request.user, partner=partner, request=request)
    messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": partner.name})
    return redirect("web:channel_list")


@login_required
def channel_performance(request):
    from salesdesk.sales.models import ChannelType

    user = request.user
    start = _date(request.GET.get("from"))
    end = _date(request.GET.get("to"))
    rows = selectors.channel_performance(user, start=start, end=end)
    types = dict(ChannelType.choices)
    chart = {
        "labels": [r["name"] or str(_("No channel")) for r in rows],
        "revenue": [float(r["revenue"]) for r in rows],
        "contracts": [r["contracts"] for r in rows],
        "names": {"revenue": str(_("Revenue")), "contracts": str(_("Contracts"))},
    }
    return render(
        request,
        "sales/channel_performance.html",
        {"rows": rows, "types": types, "chart": chart, "start": start, "end": end},
    )


# ---- returns (SAL-4) ----------------------------------------------------------------------------

RETURN_GROUPS = {
    "product": gettext_lazy("By product"),
    "customer": gettext_lazy("By customer"),
    "rep": gettext_lazy("By rep"),
}


@login_required
def return_list(request):
    from salesdesk.sales.returns import selectors as return_selectors

    user = request.user
    by = request.GET.get("by", "product")
    if by not in RETURN_GROUPS:
        by = "product"
    page = paginate(request, return_selectors.returns_visible(user))
    return render(
        request,
        "sales/returns.html",
        {
            "tabs": [{"key": k, "label": v, "active": k == by} for k, v in RETURN_GROUPS.items()],
            "rates": return_selectors.return_rates(user, by=by, limit=50),
            "page": page,
            "returns": page.object_list,
            "page_query": query_without(request, "page"),
        },
    )


@require_POST
@login_required
def return_create(request, pk: int):
    from salesdesk.sales.models import ContractLine
    from salesdesk.sales.returns.services import sales_return_record

    contract = _editable_contract(request, pk)
    line = ContractLine.objects.filter(pk=_int(request.POST.get("line")), contract=contract).first()
    if line is None:
        messages.error(request, _("Select a line of this contract."))
        return redirect("web:contract_detail", pk)
    try:
        sales_return_record(
            actor=request.user,
            line=line,
            quantity=request.POST.get("quantity") or "0",
            reason=request.POST.get("reason", ""),
            returned_on=_date(request.POST.get("returned_on")) or timezone.localdate(),
            request=request,
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Return recorded."))
    return redirect("web:contract_detail", pk)

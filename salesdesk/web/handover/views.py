"""Handover pages (CUS-7): past handovers, a new handover with preview, one handover's detail;
and the customer merge page (CUS-5). Transport only: salesdesk.customers.handover."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from salesdesk.customers.handover import selectors, services
from salesdesk.customers.handover.models import Handover
from salesdesk.customers.handover.registry import customer_attachments
from salesdesk.customers.models import Customer, CustomerLevel
from salesdesk.org.models import FunctionPermission
from salesdesk.web.access import require
from salesdesk.web.forms import apply_service_error
from salesdesk.web.handover.forms import HandoverForm
from salesdesk.web.pagination import paginate, query_without

SORTS = {
    "created": ("created_at", gettext_lazy("Time")),
    "count": ("customer_count", gettext_lazy("Customers")),
}
DEFAULT_SORT = "-created"


def can_merge(user) -> bool:
    return bool(user.is_authenticated and user.has_function(FunctionPermission.DELETE))


def _moved_rows(moved: dict) -> list[tuple[str, int]]:
    return [(customer_attachments.label(k), n) for k, n in moved.items() if n]


@require(selectors.can_hand_over)
def handover_list(request):
    user = request.user
    source = request.GET.get("source", "")
    if source not in Handover.Source.values:
        source = ""
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort.lstrip("-") not in SORTS:
        sort = DEFAULT_SORT
    field = SORTS[sort.lstrip("-")][0]
    ordering = [f"-{field}" if sort.startswith("-") else field, "-id"]
    page = paginate(request, selectors.handovers_visible(user, source=source).order_by(*ordering))
    columns = {
        key: {
            "label": label,
            "active": sort.lstrip("-") == key,
            "descending": sort.startswith("-"),
            "next": key if sort == f"-{key}" else f"-{key}",
        }
        for key, (_f, label) in SORTS.items()
    }
    return render(
        request,
        "handover/list.html",
        {
            "page": page,
            "handovers": page.object_list,
            "source": source,
            "sources": Handover.Source.choices,
            "columns": columns,
            "page_query": query_without(request, "page"),
            "sort_query": query_without(request, "sort", "page"),
        },
    )


@require(selectors.can_hand_over)
def handover_detail(request, pk: int):
    try:
        handover = selectors.handover_detail(request.user, pk)
    except Handover.DoesNotExist:
        raise Http404 from None
    items = selectors.handover_items(request.user, handover)
    page = paginate(request, items, default_size=50)
    return render(
        request,
        "handover/detail.html",
        {
            "handover": handover,
            "page": page,
            "items": page.object_list,
            "moved": _moved_rows(handover.moved),
            "page_query": query_without(request, "page"),
        },
    )


@require_http_methods(["GET", "POST"])
@require(selectors.can_hand_over)
def handover_new(request):
    user = request.user
    reps = list(selectors.reps_with_customers(user))
    from_user = None
    raw = request.GET.get("from_user") or request.POST.get("from_user") or ""
    if raw.isdigit():
        from_user = next((r for r in reps if r.pk == int(raw)), None)
    context = {"reps": reps, "from_user": from_user}
    if from_user is None:
        return render(request, "handover/new.html", context)
    q = request.GET.get("q", "").strip()[:100]
    level = request.GET.get("level", "")
    if level not in CustomerLevel.values:
        level = ""
    page = paginate(request, selectors.customers_to_hand_over(user, from_user, q=q, level=level))
    form = HandoverForm(request.POST or None, actor=user, from_user=from_user)
    preview = None
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "preview")
        try:
            if action == "confirm":
                handover = services.handover_create(
                    actor=user,
                    from_user=from_user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    request=request,
                    **form.service_kwargs(),
                )
                messages.success(
                    request,
                    ngettext(
                        "%(count)d customer of %(name)s handed over.",
                        "%(count)d customers of %(name)s handed over.",
                        handover.customer_count,
                    )
                    % {"count": handover.customer_count, "name": from_user.name},
                )
                return redirect("web:handover_detail", handover.pk)
            preview = services.handover_preview(
                actor=user, from_user=from_user, **form.service_kwargs()
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
    receivers = [r for r in reps if r.is_active and r.pk != from_user.pk and r.unit_id]
    chosen_targets = {int(v) for v in form["to_users"].value() or [] if str(v).isdigit()}
    chosen_ids = {int(v) for v in form["ids"].value() or [] if str(v).isdigit()}
    context.update(
        {
            "form": form,
            "page": page,
            "customers": page.object_list,
            "q": q,
            "level": level,
            "levels": CustomerLevel.choices,
            "receivers": receivers,
            "chosen_targets": chosen_targets,
            "chosen_ids": chosen_ids,
            "preview": preview,
            "page_query": query_without(request, "page"),
        }
    )
    return render(request, "handover/new.html", context, status=200)


# ---- merge ------------------------------------------------------------------------------------


def _editable_customer(user, pk: int) -> Customer:
    customer = (
        Customer.objects.editable_by(user).select_related("owner", "org_unit").filter(pk=pk).first()
    )
    if customer is None:
        if Customer.objects.visible_to(user).filter(pk=pk).exists():
            raise PermissionDenied
        raise Http404
    return customer


@require_http_methods(["GET", "POST"])
@require(can_merge)
def customer_merge(request, pk: int):
    """Merge a duplicate (`source`) into this customer: search, compare, choose, confirm."""
    user = request.user
    target = _editable_customer(user, pk)
    raw = request.POST.get("source") or request.GET.get("source") or ""
    source = None
    if raw.isdigit() and int(raw) != target.pk:
        source = _editable_customer(user, int(raw))
    q = request.GET.get("q", "").strip()[:100]
    candidates = []
    if source is None and q:
        candidates = list(
            Customer.objects.editable_by(user)
            .exclude(pk=target.pk)
            .filter(
                Q(name__icontains=q)
                | Q(name_pinyin__icontains=q.lower())
                | Q(phone_key__contains=q)
                | Q(code__icontains=q)
            )
            .select_related("owner")
            .order_by("name", "id")[:20]
        )
    context = {"customer": target, "source": source, "q": q, "candidates": candidates}
    if source is not None:
        rows = services.merge_differences(source, target)
        if request.method == "POST":
            choices = {
                row["field"]: request.POST.get(f"choice_{row['field']}", "target") for row in rows
            }
            try:
                services.customer_merge(
                    actor=user, source=source, target=target, field_choices=choices, request=request
                )
            except (ValidationError, PermissionDenied) as exc:
                for message in getattr(exc, "messages", [str(exc)]):
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _("“%(source)s” was merged into “%(target)s”.")
                    % {"source": source.name, "target": target.name},
                )
                return redirect("web:customer_detail", target.pk)
        context.update(
            {
                "rows": rows,
                "source_counts": services.merge_related_counts(source),
            }
        )
    elif request.method == "POST":
        messages.error(request, _("Choose the customer to merge."))
    return render(request, "handover/merge.html", context)

"""Public pool pages (CUS-6): the pool list with claim / bulk claim / bulk assign, a pool
customer's page, "Return to pool" from a customer's page, and the Settings pages "Public pools"
and "Working calendar".

Transport only: reads through salesdesk.customers.pool.selectors, writes through
salesdesk.customers.pool.services.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesdesk.core.models import CalendarDay
from salesdesk.core.workdays import builtin_day
from salesdesk.customers.models import Customer, CustomerLevel, Industry
from salesdesk.customers.pool import selectors, services
from salesdesk.customers.pool.autoreturn import reason_display
from salesdesk.customers.pool.models import Pool, PoolRule
from salesdesk.customers.pool.timeline import event_title
from salesdesk.org.models import OrgUnit, User
from salesdesk.org.permissions import can_configure
from salesdesk.org.scoping import visible_to
from salesdesk.web.access import require
from salesdesk.web.forms import StyledFormMixin
from salesdesk.web.pagination import PAGE_SIZES, paginate, query_without

MAX_BULK = 200
SORTS = {
    "name": gettext_lazy("Name"),
    "level": gettext_lazy("Level"),
    "pooled_at": gettext_lazy("In the pool since"),
    "last_follow_up_at": gettext_lazy("Last follow-up"),
}


def can_use_pool(user) -> bool:
    """Nav and page access: members of any pool, and pool administrators."""
    return bool(user.is_authenticated and user.is_active and selectors.pool_ids_of(user))


def _messages_of(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc) or _("You do not have permission to do this.")]


@require(can_use_pool)
def pool_list(request):
    user = request.user
    pools = list(selectors.pools_of(user))
    pool = None
    pool_param = request.GET.get("pool", "")
    if pool_param.isdigit():
        pool = next((p for p in pools if p.pk == int(pool_param)), None)
    q = request.GET.get("q", "").strip()[:100]
    filters = {
        "level": request.GET.get("level", "")
        if request.GET.get("level") in CustomerLevel.values
        else "",
        "industry": request.GET.get("industry", "")
        if request.GET.get("industry") in Industry.values
        else "",
        "province": request.GET.get("province", "").strip()[:30],
    }
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort.lstrip("-") not in SORTS:
        sort = selectors.DEFAULT_SORT
    qs = selectors.pool_customers(user, pool=pool, q=q, filters=filters, sort=sort)
    page = paginate(request, qs)
    columns = [
        {
            "key": key,
            "label": label,
            "active": sort.lstrip("-") == key,
            "descending": sort.startswith("-"),
            "next": key if sort == f"-{key}" else f"-{key}",
        }
        for key, label in SORTS.items()
    ]
    can_assign = services.can_assign_from_pool(user)
    context = {
        "pools": pools,
        "pool": pool,
        "page": page,
        "customers": page.object_list,
        "q": q,
        "filters": filters,
        "levels": CustomerLevel.choices,
        "industries": Industry.choices,
        "columns": {c["key"]: c for c in columns},
        "sort_query": query_without(request, "sort", "page"),
        "page_query": query_without(request, "page"),
        "page_sizes": PAGE_SIZES,
        "can_assign": can_assign,
        "assignees": (
            visible_to(User.objects.filter(is_active=True, unit__isnull=False), user).order_by(
                "username"
            )
            if can_assign
            else []
        ),
        "filtered": bool(q or any(filters.values()) or pool),
    }
    template = "pool/list.html"
    if request.htmx and request.htmx.target == "pool-results":
        template += "#results"
    return render(request, template, context)


@require(can_use_pool)
def pool_customer_detail(request, pk: int):
    user = request.user
    customer = selectors.pool_customer_detail(user, pk)
    events = selectors.pool_events_of(customer, 50)
    return render(
        request,
        "pool/customer_detail.html",
        {
            "customer": customer,
            "events": [
                {"event": e, "title": event_title(e), "reason": reason_display(e)} for e in events
            ],
            "can_assign": services.can_assign_from_pool(user),
            "assignees": (
                visible_to(User.objects.filter(is_active=True, unit__isnull=False), user).order_by(
                    "username"
                )
                if services.can_assign_from_pool(user)
                else []
            ),
        },
    )


@require_POST
@require(can_use_pool)
def pool_claim(request, pk: int):
    customer = Customer.objects.filter(pk=pk).first()
    if customer is None:
        raise Http404
    try:
        claimed = services.pool_claim(actor=request.user, customer=customer, request=request)
    except Customer.DoesNotExist:
        raise Http404 from None
    except (ValidationError, PermissionDenied) as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        return redirect(request.POST.get("next") or reverse("web:pool"))
    messages.success(request, _("“%(name)s” is now your customer.") % {"name": claimed.name})
    return redirect("web:customer_detail", claimed.pk)


def _selected_ids(request) -> list[int]:
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    return sorted(set(ids))[:MAX_BULK]


@require_POST
@require(can_use_pool)
def pool_bulk_claim(request):
    ids = _selected_ids(request)
    back = request.POST.get("next") or reverse("web:pool")
    if not ids:
        messages.error(request, _("Select at least one customer."))
        return redirect(back)
    claimed, refused = 0, []
    for customer in Customer.objects.filter(pk__in=ids).order_by("id"):
        try:
            services.pool_claim(actor=request.user, customer=customer, request=request)
            claimed += 1
        except Customer.DoesNotExist:
            continue
        except (ValidationError, PermissionDenied) as exc:
            refused.append(f"{customer.name}: {' '.join(_messages_of(exc))}")
    if claimed:
        messages.success(request, _("%(count)s customer(s) claimed.") % {"count": claimed})
    for line in refused[:10]:
        messages.error(request, line)
    return redirect(back)


@require_POST
@require(can_use_pool)
def pool_bulk_assign(request):
    back = request.POST.get("next") or reverse("web:pool")
    ids = _selected_ids(request)
    to_user = User.objects.filter(pk=request.POST.get("to_user") or 0).first()
    if not ids or to_user is None:
        messages.error(request, _("Select customers and the user to assign them to."))
        return redirect(back)
    by_pool: dict[int, list[int]] = {}
    for customer_id, pool_id in Customer.objects.filter(
        pk__in=ids, pool_id__in=selectors.pool_ids_of(request.user)
    ).values_list("id", "pool_id"):
        by_pool.setdefault(pool_id, []).append(customer_id)
    assigned = 0
    try:
        for pool_id, customer_ids in by_pool.items():
            assigned += len(
                services.pool_assign(
                    actor=request.user,
                    pool=Pool.objects.get(pk=pool_id),
                    customers=customer_ids,
                    to_user=to_user,
                    request=request,
                )
            )
    except (ValidationError, PermissionDenied, Pool.DoesNotExist) as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    if assigned:
        messages.success(
            request,
            _("%(count)s customer(s) assigned to %(user)s.")
            % {"count": assigned, "user": to_user.name},
        )
    return redirect(back)


@require_POST
@login_required
def customer_return(request, pk: int):
    customer = Customer.objects.filter(pk=pk).first()
    if customer is None:
        raise Http404
    reason = request.POST.get("reason", "")
    try:
        returned = services.pool_return(
            actor=request.user, customer=customer, reason=reason, request=request
        )
    except Customer.DoesNotExist:
        raise Http404 from None
    except (ValidationError, PermissionDenied) as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        return redirect("web:customer_detail", pk)
    messages.success(
        request,
        _("“%(name)s” was returned to the public pool %(pool)s.")
        % {"name": returned.name, "pool": returned.pool.name},
    )
    return redirect("web:customers")


# --- settings: public pools -----------------------------------------------------------------


class PoolForm(StyledFormMixin, forms.ModelForm):
    wide_fields = ("description", "member_units", "member_users")

    member_units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Member units"),
        queryset=OrgUnit.objects.all().order_by("path"),
        required=False,
        help_text=gettext_lazy("Users of these units and their sub-units belong to the pool."),
    )
    member_users = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Member users"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
    )

    class Meta:
        model = Pool
        fields = [
            "name",
            "description",
            "is_active",
            "is_default",
            "claim_limit_per_day",
            "cooldown_days",
            "reminder_days",
            "quota",
        ]


class RuleForm(StyledFormMixin, forms.ModelForm):
    levels = forms.MultipleChoiceField(
        label=gettext_lazy("Customer levels"),
        choices=CustomerLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None selected: every level."),
    )

    class Meta:
        model = PoolRule
        fields = ["kind", "days", "levels", "exempt_won", "is_active"]


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require(selectors.can_admin_pools)
def settings_pools(request):
    pools = list(selectors.pools_admin_list(request.user))
    return render(request, "pool/settings_pools.html", {"pools": pools})


@require(selectors.can_admin_pools)
def settings_pool_edit(request, pk: int | None = None):
    pool = Pool.objects.filter(pk=pk).first() if pk else None
    if pk and pool is None:
        raise Http404
    form = PoolForm(request.POST or None, instance=pool)
    if pool is not None and request.method != "POST":
        form.initial["member_units"] = list(pool.member_units.values_list("pk", flat=True))
        form.initial["member_users"] = list(pool.member_users.values_list("pk", flat=True))
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in PoolForm.Meta.fields}
        try:
            if pool is None:
                pool = services.pool_create(
                    actor=request.user,
                    member_units=form.cleaned_data["member_units"],
                    member_users=form.cleaned_data["member_users"],
                    request=request,
                    **data,
                )
            else:
                services.pool_update(
                    actor=request.user,
                    pool=pool,
                    member_units=form.cleaned_data["member_units"],
                    member_users=form.cleaned_data["member_users"],
                    request=request,
                    **data,
                )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Public pool “%(name)s” saved.") % {"name": data["name"]})
            return redirect("web:settings_pool_edit", pool.pk)
    rule_form = RuleForm(prefix="rule") if pool is not None else None
    return render(
        request,
        "pool/settings_pool_form.html",
        {
            "form": form,
            "pool": pool,
            "rules": list(selectors.pool_rules(pool)) if pool else [],
            "rule_form": rule_form,
        },
    )


@require_POST
@require(selectors.can_admin_pools)
def settings_pool_rule_add(request, pk: int):
    pool = Pool.objects.filter(pk=pk).first()
    if pool is None:
        raise Http404
    form = RuleForm(request.POST, prefix="rule")
    if form.is_valid():
        try:
            services.pool_rule_create(
                actor=request.user,
                pool=pool,
                request=request,
                **{f: form.cleaned_data[f] for f in RuleForm.Meta.fields},
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Rule added."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("web:settings_pool_edit", pool.pk)


@require_POST
@require(selectors.can_admin_pools)
def settings_pool_rule_delete(request, pk: int, rule_pk: int):
    rule = PoolRule.objects.filter(pk=rule_pk, pool_id=pk).first()
    if rule is None:
        raise Http404
    services.pool_rule_delete(actor=request.user, rule=rule, request=request)
    messages.success(request, _("Rule deleted."))
    return redirect("web:settings_pool_edit", pk)


@require_POST
@require(selectors.can_admin_pools)
def settings_pool_delete(request, pk: int):
    pool = Pool.objects.filter(pk=pk).first()
    if pool is None:
        raise Http404
    try:
        services.pool_delete(actor=request.user, pool=pool, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("web:settings_pool_edit", pk)
    messages.success(request, _("Public pool “%(name)s” deleted.") % {"name": pool.name})
    return redirect("web:settings_pools")


# --- settings: working calendar --------------------------------------------------------------


class CalendarDayForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_working_day", "name"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


@require(can_configure)
def settings_calendar(request):
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:
            form.add_error("date", _("This date already has an override."))
        else:
            messages.success(request, _("Working calendar updated."))
            return redirect("web:settings_calendar")
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else date.today().year
    overrides = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    rows = []
    for o in overrides:
        builtin_working, holiday = builtin_day(o.date)
        rows.append({"day": o, "builtin_working": builtin_working, "holiday": holiday})
    return render(
        request,
        "pool/settings_calendar.html",
        {"form": form, "rows": rows, "year": year, "years": [year - 1, year, year + 1]},
    )


@require_POST
@require(can_configure)
def settings_calendar_delete(request, pk: int):
    CalendarDay.objects.filter(pk=pk).delete()
    messages.success(request, _("Working calendar updated."))
    return redirect("web:settings_calendar")

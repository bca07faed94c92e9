"""Users & roles settings: user list, detail with field history, create, edit, (de)activate,
set password."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesdesk.customers.handover.selectors import handover_offer_count
from salesdesk.org import services
from salesdesk.org.models import Role, User
from salesdesk.org.scoping import editable_by
from salesdesk.org.selectors import users_visible
from salesdesk.web.access import can_configure, require
from salesdesk.web.forms import apply_service_error, save_through_service
from salesdesk.web.history import field_history
from salesdesk.web.pagination import PAGE_SIZES, paginate, query_without
from salesdesk.web.settings_pages.forms import (
    SetPasswordForm,
    UserCreateForm,
    UserFilterForm,
    UserForm,
)

USER_FORM_FIELDS = (
    "username",
    "display_name",
    "email",
    "phone",
    "title",
    "unit",
    "reports_to",
    "role",
    "language",
)

# URL value → (ordering, column label)
SORTS = {
    "username": ("username", gettext_lazy("Username")),
    "name": ("display_name", gettext_lazy("Name")),
    "unit": ("unit__name", gettext_lazy("Org unit")),
    "role": ("role__id", gettext_lazy("Role")),
    "last_login": ("last_login", gettext_lazy("Last sign-in")),
    "joined": ("date_joined", gettext_lazy("Created")),
}


def _visible_user(actor, pk: int) -> User:
    user = users_visible(actor).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def _editable_user(actor, pk: int) -> User:
    user = (
        editable_by(User.objects.select_related("unit", "role", "reports_to"), actor)
        .filter(pk=pk)
        .first()
    )
    if user is None:
        raise Http404
    return user


@require(can_configure)
def user_list(request):
    actor = request.user
    filters = UserFilterForm(request.GET, actor=actor)
    filters.is_valid()
    data = getattr(filters, "cleaned_data", {})
    qs = users_visible(actor)
    if data.get("q"):
        q = data["q"].strip()
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(display_name__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
            | Q(phone__icontains=q)
        )
    if data.get("unit") is not None and "unit" not in filters.errors:
        qs = qs.filter(unit__path__startswith=data["unit"].path)
    if data.get("role") is not None and "role" not in filters.errors:
        qs = qs.filter(role=data["role"])
    active = data.get("active", "") if "active" not in filters.errors else ""
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    sort = request.GET.get("sort", "username")
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = "username", "username"
    ordering = SORTS[key][0]
    descending = sort.startswith("-")
    qs = qs.order_by(f"-{ordering}" if descending else ordering, "username", "pk")
    page = paginate(request, qs)
    columns = [
        {
            "key": k,
            "label": label,
            "active": k == key,
            "descending": descending and k == key,
            "next": f"-{k}" if (k == key and not descending) else k,
        }
        for k, (_o, label) in SORTS.items()
    ]
    context = {
        "page": page,
        "users": page.object_list,
        "filters": filters,
        "units": filters.fields["unit"].queryset,
        "roles": Role.objects.all(),
        "active": active,
        "columns": {c["key"]: c for c in columns},
        "sort": sort,
        "sort_query": query_without(request, "sort", "page"),
        "page_query": query_without(request, "page"),
        "page_sizes": PAGE_SIZES,
        "is_filtered": any(request.GET.get(k) for k in ("q", "unit", "role", "active")),
    }
    template = "settings/users/list.html"
    if request.htmx and request.htmx.target == "user-results":
        template += "#results"
    return render(request, template, context)


@require(can_configure)
def user_detail(request, pk: int):
    user = _visible_user(request.user, pk)
    tab = request.GET.get("tab", "overview")
    context = {"person": user, "tab": tab if tab == "history" else "overview"}
    # A deactivated user's customers: offer the handover (CUS-7).
    context["handover_count"] = handover_offer_count(request.user, user)
    if tab == "history":
        context["history"] = field_history(user)
    else:
        context["reports"] = list(
            user.direct_reports.visible_to(request.user)
            .select_related("role")
            .order_by("-is_active", "username")[:50]
        )
    return render(request, "settings/users/detail.html", context)


@require(can_configure)
def user_create(request):
    initial = {"role": Role.objects.filter(code=Role.Code.REP).values_list("pk", flat=True).first()}
    unit_id = request.GET.get("unit")
    if unit_id and unit_id.isdigit():
        initial["unit"] = int(unit_id)
    form = UserCreateForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            user = services.user_create(actor=request.user, request=request, **fields)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("User “%(name)s” created.") % {"name": user.name})
            return redirect("web:user_detail", user.pk)
    return render(request, "settings/users/form.html", {"form": form, "person": None})


@require(can_configure)
def user_edit(request, pk: int):
    user = _editable_user(request.user, pk)
    initial = {
        f: getattr(user, f"{f}_id" if f in ("unit", "reports_to", "role") else f)
        for f in USER_FORM_FIELDS
    }
    initial["version"] = user.version
    form = UserForm(request.POST or None, actor=request.user, user=user, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        changes = {f: v for f, v in data.items() if v != getattr(user, f)}
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("web:user_detail", user.pk)
        saved, conflict = save_through_service(
            form,
            lambda: services.user_update(
                actor=request.user,
                user=user,
                request=request,
                expected_version=form.cleaned_data["version"],
                **changes,
            ),
        )
        if saved:
            messages.success(request, _("User “%(name)s” saved.") % {"name": user.name})
            return redirect("web:user_detail", user.pk)
    return render(
        request,
        "settings/users/form.html",
        {"form": form, "person": user, "conflict": conflict},
        status=409 if conflict else 200,
    )


def _status_change(request, pk: int, service, done_message: str):
    user = _editable_user(request.user, pk)
    try:
        service(actor=request.user, user=user, request=request)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done_message % {"name": user.name})
    return redirect("web:user_detail", user.pk)


@require_POST
@require(can_configure)
def user_deactivate(request, pk: int):
    return _status_change(
        request,
        pk,
        services.user_deactivate,
        _("“%(name)s” is deactivated: they can no longer sign in; their records are kept."),
    )


@require_POST
@require(can_configure)
def user_reactivate(request, pk: int):
    return _status_change(request, pk, services.user_reactivate, _("“%(name)s” is active again."))


@require_POST
@require(can_configure)
def user_unlock(request, pk: int):
    return _status_change(request, pk, services.user_unlock, _("“%(name)s” can sign in again."))


@require_POST
@require(can_configure)
def user_reset_two_factor(request, pk: int):
    return _status_change(
        request,
        pk,
        services.user_reset_two_factor,
        _("Two-factor sign-in is off for “%(name)s”; they can set it up again."),
    )


@require(can_configure)
def user_password(request, pk: int):
    user = _editable_user(request.user, pk)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=request.user,
                user=user,
                request=request,
                password=form.cleaned_data["password"],
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request, _("The password of “%(name)s” was set.") % {"name": user.name}
            )
            return redirect("web:user_detail", user.pk)
    return render(request, "settings/users/password.html", {"form": form, "person": user})

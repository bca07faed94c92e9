"""Organisation settings: the org-unit tree; create, edit, move, delete to the recycle bin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesdesk.core.locking import StaleEditError
from salesdesk.core.recycle import record_soft_delete
from salesdesk.org import services
from salesdesk.org.models import FunctionPermission, OrgUnit
from salesdesk.org.scoping import editable_by
from salesdesk.org.selectors import units_with_counts
from salesdesk.web.access import can_configure, require
from salesdesk.web.forms import apply_service_error, save_through_service
from salesdesk.web.history import field_history
from salesdesk.web.settings_pages.forms import UnitForm, UnitMoveForm

UNIT_FIELDS = ("name", "code", "kind", "parent", "manager", "sort_order")


def _visible_unit(user, pk: int) -> OrgUnit:
    unit = units_with_counts(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def _editable_unit(user, pk: int) -> OrgUnit:
    unit = (
        editable_by(OrgUnit.objects.select_related("parent", "manager"), user).filter(pk=pk).first()
    )
    if unit is None:
        raise Http404
    return unit


@require(can_configure)
def unit_list(request):
    units = list(units_with_counts(request.user).order_by("path"))
    ids = {u.pk for u in units}
    with_children = {u.parent_id for u in units if u.parent_id}
    for unit in units:
        unit.has_children = unit.pk in with_children
        # Depth relative to the highest unit this user sees, so a regional view starts at the left.
    min_depth = min((u.depth for u in units), default=0)
    for unit in units:
        unit.level = unit.depth - min_depth
        unit.parent_visible = unit.parent_id in ids
    return render(
        request,
        "settings/units/list.html",
        {
            "units": units,
            "can_delete": request.user.has_function(FunctionPermission.DELETE),
        },
    )


@require(can_configure)
def unit_detail(request, pk: int):
    unit = _visible_unit(request.user, pk)
    tab = request.GET.get("tab", "overview")
    context = {
        "unit": unit,
        "tab": tab,
        "can_delete": request.user.has_function(FunctionPermission.DELETE),
    }
    if tab == "history":
        context["history"] = field_history(unit)
    else:
        context["tab"] = "overview"
        context["children"] = list(
            units_with_counts(request.user).filter(parent=unit).order_by("sort_order", "name")
        )
        context["members"] = list(
            unit.members.visible_to(request.user)
            .select_related("role")
            .order_by("-is_active", "username")[:50]
        )
    return render(request, "settings/units/detail.html", context)


@require(can_configure)
def unit_create(request):
    parent_id = request.GET.get("parent")
    initial = {"kind": OrgUnit.Kind.TEAM}
    if parent_id and parent_id.isdigit():
        parent = editable_by(OrgUnit.objects.all(), request.user).filter(pk=int(parent_id)).first()
        if parent is not None:
            initial["parent"] = parent.pk
            initial["kind"] = {
                OrgUnit.Kind.COMPANY: OrgUnit.Kind.REGION,
                OrgUnit.Kind.REGION: OrgUnit.Kind.DEPARTMENT,
            }.get(parent.kind, OrgUnit.Kind.TEAM)
    form = UnitForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.unit_create(
                actor=request.user,
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                code=data["code"],
                manager=data["manager"],
                sort_order=data["sort_order"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Unit “%(name)s” created.") % {"name": unit.name})
            return redirect("web:unit_detail", unit.pk)
    return render(request, "settings/units/form.html", {"form": form, "unit": None})


@require(can_configure)
def unit_edit(request, pk: int):
    unit = _editable_unit(request.user, pk)
    initial = {
        f: getattr(unit, f"{f}_id" if f in ("parent", "manager") else f) for f in UNIT_FIELDS
    }
    initial["version"] = unit.version
    form = UnitForm(request.POST or None, actor=request.user, unit=unit, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {f: data[f] for f in UNIT_FIELDS if data[f] != getattr(unit, f)}
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("web:unit_detail", unit.pk)
        saved, conflict = save_through_service(
            form,
            lambda: services.unit_update(
                actor=request.user,
                unit=unit,
                expected_version=data["version"],
                request=request,
                **changes,
            ),
        )
        if saved:
            messages.success(request, _("Unit “%(name)s” saved.") % {"name": data["name"]})
            return redirect("web:unit_detail", unit.pk)
    return render(
        request,
        "settings/units/form.html",
        {"form": form, "unit": unit, "conflict": conflict},
        status=409 if conflict else 200,
    )


@require(can_configure)
def unit_move(request, pk: int):
    unit = _editable_unit(request.user, pk)
    form = UnitMoveForm(
        request.POST or None,
        actor=request.user,
        unit=unit,
        initial={"parent": unit.parent_id, "version": unit.version},
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        parent = form.cleaned_data["parent"]
        try:
            if parent != unit.parent:
                services.unit_update(
                    actor=request.user,
                    unit=unit,
                    parent=parent,
                    request=request,
                    expected_version=form.cleaned_data["version"],
                )
        except StaleEditError as exc:
            conflict = exc
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Unit “%(name)s” moved.") % {"name": unit.name})
            return redirect("web:unit_detail", unit.pk)
    return render(
        request,
        "settings/units/move.html",
        {"form": form, "unit": unit, "conflict": conflict},
        status=409 if conflict else 200,
    )


@require_POST
@require(can_configure)
def unit_delete(request, pk: int):
    unit = _editable_unit(request.user, pk)
    try:
        record_soft_delete(model=OrgUnit, pk=unit.pk, actor=request.user, request=request)
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("web:unit_detail", unit.pk)
    messages.success(request, _("Unit “%(name)s” moved to the recycle bin.") % {"name": unit.name})
    return redirect("web:units")

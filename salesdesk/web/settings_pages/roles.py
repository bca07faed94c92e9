"""Roles: the matrix of data scopes and function permissions (ORG-2, ORG-3), and role edits."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from salesdesk.org import services
from salesdesk.org.models import FunctionPermission, Role
from salesdesk.org.selectors import roles_all
from salesdesk.web.access import can_configure, can_edit_roles, require
from salesdesk.web.forms import save_through_service
from salesdesk.web.settings_pages.forms import RoleForm

ROLE_FORM_FIELDS = (
    "name",
    "name_en",
    "description",
    "data_scope",
    *(p.value for p in FunctionPermission),
)


@require(can_configure)
def role_list(request):
    roles = list(roles_all().order_by("pk"))
    permissions = list(FunctionPermission)
    for role in roles:
        role.grants = [getattr(role, p.value) for p in permissions]
    return render(
        request,
        "settings/roles/list.html",
        {
            "roles": roles,
            "permissions": permissions,
            "can_edit": can_edit_roles(request.user),
        },
    )


@require(can_edit_roles)
def role_edit(request, pk: int):
    role = Role.objects.filter(pk=pk).first()
    if role is None:
        raise Http404
    initial = {f: getattr(role, f) for f in ROLE_FORM_FIELDS}
    initial["version"] = role.version
    form = RoleForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        changes = {f: v for f, v in data.items() if v != getattr(role, f)}
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("web:roles")
        saved, conflict = save_through_service(
            form,
            lambda: services.role_update(
                actor=request.user,
                role=role,
                request=request,
                expected_version=form.cleaned_data["version"],
                **changes,
            ),
        )
        if saved:
            messages.success(request, _("Role “%(name)s” saved.") % {"name": role.display_name})
            return redirect("web:roles")
    return render(
        request,
        "settings/roles/form.html",
        {"form": form, "role": role, "conflict": conflict},
        status=409 if conflict else 200,
    )

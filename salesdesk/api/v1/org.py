"""Organisation API (ORG-1..3): me, org units, users, roles.

Reads go through salesdesk.org.selectors (scoped by salesdesk.org.scoping.visible_to); writes go
through salesdesk.org.services and salesdesk.core.recycle. Answers:
- a record outside the caller's data scope: 404 (as if it did not exist);
- a missing function permission: 403, checked before any record is looked up;
- a visible record the caller may not change (e.g. a read-only share): 403;
- a stale `version`: 409. Nothing changes on any of these.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api import access
from salesdesk.api.errors import errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import RoleRef, UnitRef, UserRef
from salesdesk.core.recycle import record_soft_delete
from salesdesk.org import selectors, services
from salesdesk.org.middleware import SESSION_LANGUAGE
from salesdesk.org.models import DataScope, FunctionPermission, OrgUnit, Role, User
from salesdesk.org.profile import profile_update
from salesdesk.org.scoping import editable_by

router = Router(tags=["Organisation"])


# --- helpers --------------------------------------------------------------------------------


def _visible_unit(actor: User, pk: int) -> OrgUnit:
    unit = selectors.units_with_counts(actor).filter(pk=pk).first()
    if unit is None:
        raise not_found()
    return unit


def _visible_user(actor: User, pk: int) -> User:
    user = selectors.users_visible(actor).filter(pk=pk).first()
    if user is None:
        raise not_found()
    return user


def _require_editable(actor: User, instance) -> None:
    """Visible is not always editable (read-only shares): answer 403 before the service runs."""
    model = type(instance)
    if not editable_by(model._base_manager.filter(pk=instance.pk), actor).exists():
        raise forbidden(_("You may view this record but not change it."))


def _unit_choice(actor: User, pk: int | None, field: str) -> OrgUnit | None:
    if pk is None:
        return None
    unit = selectors.units_visible(actor).filter(pk=pk).first()
    if unit is None:
        raise ValidationError({field: _("Select a valid org unit.")})
    return unit


def _user_choice(actor: User, pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    user = selectors.users_visible(actor).filter(pk=pk).first()
    if user is None:
        raise ValidationError({field: _("Select a valid user.")})
    return user


def _role_choice(pk: int | None, field: str) -> Role | None:
    if pk is None:
        return None
    role = Role.objects.filter(pk=pk).first()
    if role is None:
        raise ValidationError({field: _("Select a valid role.")})
    return role


def _permissions(user: User) -> list[str]:
    return [p.value for p in FunctionPermission if user.has_function(p)]


# --- me -------------------------------------------------------------------------------------


class MeOut(Schema):
    id: int
    username: str
    name: str
    display_name: str
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str
    language: str = Field(description='"zh-hans", "en" or "" (follow the browser).')
    time_zone: str
    unit: UnitRef | None
    reports_to: UserRef | None
    role: RoleRef | None
    data_scope: str = Field(description="own, own_subordinates, own_unit, unit_tree or all.")
    data_scope_label: str
    permissions: list[str] = Field(description="Function permissions, e.g. can_export.")
    totp_enabled: bool
    locked_until: datetime | None = Field(None, description="Set while sign-in is locked.")
    last_login: datetime | None
    date_joined: datetime
    version: int

    @staticmethod
    def resolve_data_scope_label(obj: User) -> str:
        return str(DataScope(obj.data_scope).label)

    @staticmethod
    def resolve_permissions(obj: User) -> list[str]:
        return _permissions(obj)


class MeIn(Schema):
    display_name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = Field(None, description='"zh-hans", "en" or "" (follow the browser).')
    time_zone: str | None = Field(None, description='e.g. "Asia/Shanghai"; "" for the default.')
    version: int | None = Field(
        None, description="If given, the update is refused (409) when the profile changed since."
    )


@router.get("/me", response={200: MeOut, **errors()}, summary="My profile, role and permissions")
def me_detail(request):
    return selectors.users_visible(request.auth).get(pk=request.auth.pk)


@router.patch("/me", response={200: MeOut, **errors(409, 422)}, summary="Edit my profile")
def me_update(request, payload: MeIn):
    actor = request.auth
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version", None)
    for field, value in changes.items():
        if value is None:
            raise ValidationError({field: _("This field cannot be empty.")})
    profile_update(user=actor, expected_version=version, request=request, **changes)
    if "language" in changes and getattr(request, "salesdesk_auth", "") == "session":
        # The session remembers the language the middleware activates (as the web switch does).
        request.session[SESSION_LANGUAGE] = changes["language"]
    return selectors.users_visible(actor).get(pk=actor.pk)


# --- org units ------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    name: str
    code: str
    kind: str = Field(description="company, region, department or team.")
    kind_label: str
    parent: UnitRef | None
    path: str = Field(description='Ids from the root, e.g. "/1/4/9/".')
    depth: int
    manager: UserRef | None
    sort_order: int
    member_count: int = Field(description="Active users in this unit.")
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_kind_label(obj: OrgUnit) -> str:
        return str(obj.get_kind_display())


class UnitFilters(PageParams):
    parent: int | None = Field(None, description="Only the direct children of this unit.")
    kind: str | None = None
    search: str | None = Field(None, description="Part of the name or code.")


class UnitCreateIn(Schema):
    name: str
    kind: str = OrgUnit.Kind.TEAM
    parent: int | None = Field(None, description="Id of the parent unit (none: top level).")
    code: str = ""
    manager: int | None = Field(None, description="Id of the unit manager.")
    sort_order: int = 0


class UnitUpdateIn(Schema):
    version: int = Field(description="The version you read; a stale one answers 409.")
    name: str | None = None
    kind: str | None = None
    parent: int | None = None
    code: str | None = None
    manager: int | None = None
    sort_order: int | None = None


@router.get(
    "/org-units", response={200: page_of(UnitOut), **errors(422)}, summary="Org units I can see"
)
def org_unit_list(request, filters: Query[UnitFilters]):
    qs = selectors.units_with_counts(request.auth)
    if filters.parent is not None:
        qs = qs.filter(parent_id=filters.parent)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.search and filters.search.strip():
        term = filters.search.strip()
        qs = qs.filter(Q(name__icontains=term) | Q(code__icontains=term))
    return paginate(qs.order_by("path", "id"), filters)


@router.get(
    "/org-units/{int:unit_id}", response={200: UnitOut, **errors(404)}, summary="One org unit"
)
def org_unit_detail(request, unit_id: int):
    return _visible_unit(request.auth, unit_id)


@router.post(
    "/org-units", response={201: UnitOut, **errors(403, 422)}, summary="Create an org unit"
)
def org_unit_create(request, payload: UnitCreateIn):
    actor = request.auth
    access.require_configure(actor)
    data = payload.dict()
    unit = services.unit_create(
        actor=actor,
        name=data["name"],
        kind=data["kind"],
        parent=_unit_choice(actor, data["parent"], "parent"),
        code=data["code"],
        manager=_user_choice(actor, data["manager"], "manager"),
        sort_order=data["sort_order"],
        request=request,
    )
    return Status(201, _visible_unit(actor, unit.pk))


@router.patch(
    "/org-units/{int:unit_id}",
    response={200: UnitOut, **errors(403, 404, 409, 422)},
    summary="Edit or move an org unit",
)
def org_unit_update(request, unit_id: int, payload: UnitUpdateIn):
    actor = request.auth
    access.require_configure(actor)
    unit = _visible_unit(actor, unit_id)
    _require_editable(actor, unit)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    if "parent" in changes:
        changes["parent"] = _unit_choice(actor, changes["parent"], "parent")
    if "manager" in changes:
        changes["manager"] = _user_choice(actor, changes["manager"], "manager")
    services.unit_update(
        actor=actor, unit=unit, expected_version=version, request=request, **changes
    )
    return _visible_unit(actor, unit_id)


@router.delete(
    "/org-units/{int:unit_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move an org unit to the recycle bin",
)
def org_unit_delete(request, unit_id: int):
    actor = request.auth
    access.require_configure(actor)
    unit = _visible_unit(actor, unit_id)
    _require_editable(actor, unit)
    record_soft_delete(model=OrgUnit, pk=unit.pk, actor=actor, request=request)
    return Status(204, None)


# --- users ----------------------------------------------------------------------------------


class UserOut(Schema):
    id: int
    username: str
    name: str
    display_name: str
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str
    unit: UnitRef | None
    role: RoleRef | None
    reports_to: UserRef | None
    language: str
    is_active: bool
    deactivated_at: datetime | None
    totp_enabled: bool
    last_login: datetime | None
    date_joined: datetime
    version: int


class UserDeactivatedOut(UserOut):
    customers_to_hand_over: int = Field(
        0,
        description="Customers the user still owns that you may hand over: "
        "POST /api/v1/handovers with from_user set to this user.",
    )


class UserFilters(PageParams):
    search: str | None = Field(None, description="Part of username, name, email or phone.")
    unit: int | None = Field(None, description="Users of this unit and its sub-units.")
    role: str | None = Field(None, description="Role code, e.g. rep.")
    active: bool | None = None


class UserCreateIn(Schema):
    username: str
    password: str
    role: int = Field(description="Role id.")
    unit: int | None = Field(None, description="Org unit id.")
    reports_to: int | None = Field(None, description="Id of the user's manager.")
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""
    language: str = ""


class UserUpdateIn(Schema):
    version: int = Field(description="The version you read; a stale one answers 409.")
    username: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    unit: int | None = None
    reports_to: int | None = None
    role: int | None = None
    language: str | None = None


@router.get("/users", response={200: page_of(UserOut), **errors(422)}, summary="Users I can see")
def user_list(request, filters: Query[UserFilters]):
    actor = request.auth
    qs = selectors.users_visible(actor)
    if filters.search and filters.search.strip():
        term = filters.search.strip()
        qs = qs.filter(
            Q(username__icontains=term)
            | Q(display_name__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
            | Q(phone__icontains=term)
        )
    if filters.unit is not None:
        unit = selectors.units_visible(actor).filter(pk=filters.unit).first()
        qs = qs.filter(unit__path__startswith=unit.path) if unit is not None else qs.none()
    if filters.role:
        qs = qs.filter(role__code=filters.role)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return paginate(qs.order_by("username", "id"), filters)


@router.get("/users/{int:user_id}", response={200: UserOut, **errors(404)}, summary="One user")
def user_detail(request, user_id: int):
    return _visible_user(request.auth, user_id)


@router.post("/users", response={201: UserOut, **errors(403, 422)}, summary="Create a user")
def user_create(request, payload: UserCreateIn):
    actor = request.auth
    access.require_configure(actor)
    data = payload.dict()
    role = _role_choice(data.pop("role"), "role")
    unit = _unit_choice(actor, data.pop("unit"), "unit")
    reports_to = _user_choice(actor, data.pop("reports_to"), "reports_to")
    user = services.user_create(
        actor=actor, role=role, unit=unit, reports_to=reports_to, request=request, **data
    )
    return Status(201, _visible_user(actor, user.pk))


@router.patch(
    "/users/{int:user_id}",
    response={200: UserOut, **errors(403, 404, 409, 422)},
    summary="Edit a user",
)
def user_update(request, user_id: int, payload: UserUpdateIn):
    actor = request.auth
    access.require_configure(actor)
    user = _visible_user(actor, user_id)
    _require_editable(actor, user)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    if "role" in changes:
        if changes["role"] is None:
            raise ValidationError({"role": _("This field cannot be empty.")})
        changes["role"] = _role_choice(changes["role"], "role")
    if "unit" in changes:
        changes["unit"] = _unit_choice(actor, changes["unit"], "unit")
    if "reports_to" in changes:
        changes["reports_to"] = _user_choice(actor, changes["reports_to"], "reports_to")
    services.user_update(
        actor=actor, user=user, expected_version=version, request=request, **changes
    )
    return _visible_user(actor, user_id)


def _user_action(request, user_id: int, service):
    """An administrator's one-step action on a user (deactivate, unlock …): configure permission,
    the user in scope and editable, then the service; answers the user as it is now."""
    actor = request.auth
    access.require_configure(actor)
    user = _visible_user(actor, user_id)
    _require_editable(actor, user)
    service(actor=actor, user=user, request=request)
    return _visible_user(actor, user_id)


@router.post(
    "/users/{int:user_id}/deactivate",
    response={200: UserDeactivatedOut, **errors(403, 404, 422)},
    summary="Deactivate a user (their records stay)",
)
def user_deactivate(request, user_id: int):
    from salesdesk.customers.handover.selectors import handover_offer_count

    user = _user_action(request, user_id, services.user_deactivate)
    user.customers_to_hand_over = handover_offer_count(request.auth, user)
    return user


@router.post(
    "/users/{int:user_id}/reactivate",
    response={200: UserOut, **errors(403, 404, 422)},
    summary="Reactivate a user",
)
def user_reactivate(request, user_id: int):
    return _user_action(request, user_id, services.user_reactivate)


@router.post(
    "/users/{int:user_id}/unlock",
    response={200: UserOut, **errors(403, 404, 422)},
    summary="Lift a sign-in lockout",
)
def user_unlock(request, user_id: int):
    return _user_action(request, user_id, services.user_unlock)


@router.post(
    "/users/{int:user_id}/reset-two-factor",
    response={200: UserOut, **errors(403, 404, 422)},
    summary="Switch off two-factor sign-in for a user",
)
def user_reset_two_factor(request, user_id: int):
    return _user_action(request, user_id, services.user_reset_two_factor)


# --- roles ----------------------------------------------------------------------------------


class RoleOut(Schema):
    id: int
    code: str
    name: str = Field(description="Name in the request's language.")
    name_zh: str
    name_en: str
    description: str
    data_scope: str
    data_scope_label: str
    can_export: bool
    can_delete: bool
    can_transfer: bool
    can_approve: bool
    can_admin_pool: bool
    can_configure: bool
    can_manage_goals: bool
    permissions: list[str]
    is_system: bool
    user_count: int = Field(description="Active users with this role.")
    version: int

    @staticmethod
    def resolve_name(obj: Role) -> str:
        return obj.display_name

    @staticmethod
    def resolve_name_zh(obj: Role) -> str:
        return obj.name

    @staticmethod
    def resolve_data_scope_label(obj: Role) -> str:
        return str(obj.get_data_scope_display())

    @staticmethod
    def resolve_permissions(obj: Role) -> list[str]:
        return obj.permissions()


class RoleUpdateIn(Schema):
    version: int = Field(description="The version you read; a stale one answers 409.")
    name: str | None = Field(None, description="Chinese name.")
    name_en: str | None = None
    description: str | None = None
    data_scope: str | None = None
    can_export: bool | None = None
    can_delete: bool | None = None
    can_transfer: bool | None = None
    can_approve: bool | None = None
    can_admin_pool: bool | None = None
    can_configure: bool | None = None
    can_manage_goals: bool | None = None


def _role(pk: int) -> Role:
    role = selectors.roles_all().filter(pk=pk).first()
    if role is None:
        raise not_found()
    return role


@router.get(
    "/roles",
    response={200: page_of(RoleOut), **errors(403, 422)},
    summary="Roles and their permissions",
)
def role_list(request, filters: Query[PageParams]):
    access.require_configure(request.auth)
    return paginate(selectors.roles_all().order_by("id"), filters)


@router.get("/roles/{int:role_id}", response={200: RoleOut, **errors(403, 404)}, summary="One role")
def role_detail(request, role_id: int):
    access.require_configure(request.auth)
    return _role(role_id)


@router.patch(
    "/roles/{int:role_id}",
    response={200: RoleOut, **errors(403, 404, 409, 422)},
    summary="Change a role's scope and permissions (administrators)",
)
def role_update(request, role_id: int, payload: RoleUpdateIn):
    actor = request.auth
    if not access.can_edit_roles(actor):
        raise forbidden(_("Only administrators may change roles."))
    role = _role(role_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    for field, value in changes.items():
        if value is None:
            raise ValidationError({field: _("This field cannot be empty.")})
    services.role_update(
        actor=actor, role=role, expected_version=version, request=request, **changes
    )
    return _role(role_id)

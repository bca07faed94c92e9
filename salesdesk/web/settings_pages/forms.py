"""Forms of the settings pages. Choices are always read through the scoping function."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from salesdesk.core.models import AuditEvent
from salesdesk.org.models import DataScope, FunctionPermission, OrgUnit, Role, User
from salesdesk.org.scoping import editable_by
from salesdesk.org.selectors import users_visible
from salesdesk.web.forms import StyledFormMixin


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'— ' * obj.depth}{obj.name}"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.username})"


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


def editable_units(actor):
    return editable_by(OrgUnit.objects.all(), actor).order_by("path")


def active_users(actor):
    return users_visible(actor, include_inactive=False).order_by("username")


class VersionedForm(forms.Form):
    """Carries the version the editor loaded (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class UnitForm(StyledFormMixin, VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    code = forms.CharField(label=_("Code"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgUnit.Kind.choices)
    parent = UnitChoiceField(
        label=_("Parent unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    manager = UserChoiceField(
        label=_("Unit manager"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    sort_order = forms.IntegerField(label=_("Sort order"), initial=0, required=False)

    def __init__(self, *args, actor, unit: OrgUnit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = editable_units(actor)
        if unit is not None:
            parents = parents.exclude(path__startswith=unit.path)
        else:
            self.fields["version"].required = False
        self.fields["parent"].queryset = parents
        self.fields["manager"].queryset = active_users(actor)

    def clean_sort_order(self):
        return self.cleaned_data.get("sort_order") or 0


class UnitMoveForm(StyledFormMixin, VersionedForm):
    parent = UnitChoiceField(
        label=_("New parent unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )

    def __init__(self, *args, actor, unit: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = editable_units(actor).exclude(path__startswith=unit.path)


LANGUAGE_CHOICES = [("", _("Follow the browser")), *settings.LANGUAGES]


class UserForm(StyledFormMixin, VersionedForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=80, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Mobile"), max_length=30, required=False)
    title = forms.CharField(label=_("Job title"), max_length=80, required=False)
    unit = UnitChoiceField(
        label=_("Org unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    reports_to = UserChoiceField(
        label=_("Reports to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("(nobody)"),
    )
    role = RoleChoiceField(label=_("Role"), queryset=Role.objects.all())
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, required=False)

    field_order = [
        "username",
        "display_name",
        "email",
        "phone",
        "title",
        "unit",
        "reports_to",
        "role",
        "language",
    ]

    def __init__(self, *args, actor, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = editable_units(actor)
        managers = active_users(actor)
        if user is not None:
            managers = managers.exclude(pk=user.pk)
        else:
            self.fields["version"].required = False
        self.fields["reports_to"].queryset = managers

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class UserCreateForm(UserForm):
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text=_("At least 12 characters; not a common password."),
    )
    password_again = forms.CharField(
        label=_("Repeat the password"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") != data.get("password"):
            self.add_error("password_again", _("The two passwords do not match."))
        return data

    def service_fields(self) -> dict:
        data = super().service_fields()
        data.pop("password_again", None)
        return data


class SetPasswordForm(StyledFormMixin, forms.Form):
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text=_("At least 12 characters; not a common password."),
    )
    password_again = forms.CharField(
        label=_("Repeat the password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") != data.get("password"):
            self.add_error("password_again", _("The two passwords do not match."))
        return data


class RoleForm(StyledFormMixin, VersionedForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=80)
    name_en = forms.CharField(label=_("Name (English)"), max_length=80, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    data_scope = forms.ChoiceField(
        label=_("Data scope"), choices=DataScope.choices, widget=forms.RadioSelect
    )
    wide_fields = ("description", "data_scope")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for permission in FunctionPermission:
            self.fields[permission.value] = forms.BooleanField(
                label=permission.label, required=False
            )
            self.fields[permission.value].widget.attrs["class"] = "form-check-input"
            self.fields[permission.value].wide = False

    def permission_fields(self):
        return [self[p.value] for p in FunctionPermission]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class UserFilterForm(forms.Form):
    """The filter bar of the user list; invalid values are ignored, never an error page."""

    q = forms.CharField(required=False, max_length=100)
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False)
    role = forms.ModelChoiceField(queryset=Role.objects.all(), required=False)
    active = forms.ChoiceField(required=False, choices=[("", ""), ("1", ""), ("0", "")])

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(actor).order_by("path")


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", ""), *AuditEvent.Kind.choices])
    user = forms.CharField(required=False, max_length=150)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)

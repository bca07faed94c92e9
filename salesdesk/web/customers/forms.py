"""Forms of the customer pages. Choices that name records are read through the scoping function."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.models import (
    AgeBand,
    CompanySize,
    Contact,
    CustomerKind,
    CustomerLevel,
    CustomerSource,
    DecisionRole,
    FollowUpKind,
    Gender,
    IncomeBand,
    Industry,
    Tag,
)
from salesdesk.org.models import OrgUnit, User
from salesdesk.org.selectors import users_visible
from salesdesk.web.forms import StyledFormMixin

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices, label=None):
    return [("", label or "—"), *choices]


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'— ' * obj.depth}{obj.name}"


# Form sections: (key, heading, field names). Company-only / individual-only fields are marked
# with data-kind so customers.js shows the relevant ones.
CUSTOMER_SECTIONS = (
    ("basic", _("Basic information"), ("kind", "name", "short_name", "code", "level", "source")),
    ("contact", _("Contact channels"), ("phone", "email", "website", "credit_code")),
    ("geo", _("Geography"), ("province", "city", "district", "region", "address")),
    (
        "profile",
        _("Firmographics and demographics"),
        ("industry", "company_size", "annual_revenue", "age_band", "gender", "income_band"),
    ),
    ("psycho", _("Tags, needs and notes"), ("tags", "needs", "notes")),
    ("owner", _("Ownership"), ("owner", "org_unit")),
)
COMPANY_FIELDS = {"short_name", "credit_code", "industry", "company_size", "annual_revenue"}
INDIVIDUAL_FIELDS = {"age_band", "gender", "income_band"}
DUPLICATE_FIELDS = ("name", "phone", "email", "credit_code")


class CustomerForm(StyledFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CustomerKind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    code = forms.CharField(label=_("Customer number"), max_length=40, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=CustomerLevel.choices)
    source = forms.ChoiceField(
        label=_("Source"), choices=_blank(CustomerSource.choices), required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        required=False,
        help_text=_("18 characters, printed on the business licence."),
    )
    province = forms.CharField(label=_("Province"), max_length=30, required=False)
    city = forms.CharField(label=_("City"), max_length=30, required=False)
    district = forms.CharField(label=_("District"), max_length=30, required=False)
    region = forms.CharField(label=_("Sales region"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    industry = forms.ChoiceField(
        label=_("Industry"), choices=_blank(Industry.choices), required=False
    )
    company_size = forms.ChoiceField(
        label=_("Company size"), choices=_blank(CompanySize.choices), required=False
    )
    annual_revenue = forms.DecimalField(
        label=_("Annual revenue (¥)"), max_digits=16, decimal_places=2, required=False, min_value=0
    )
    age_band = forms.ChoiceField(
        label=_("Age band"), choices=_blank(AgeBand.choices), required=False
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=_blank(Gender.choices), required=False)
    income_band = forms.ChoiceField(
        label=_("Income band"), choices=_blank(IncomeBand.choices), required=False
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.all(),
        required=False,
        help_text=_("Interests, values, lifestyle and free labels."),
    )
    needs = forms.CharField(
        label=_("Needs and pain points"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    owner = OwnerChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("(me)"),
    )
    org_unit = UnitChoiceField(
        label=_("Org unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("(the owner's unit)"),
    )
    allow_duplicate = forms.BooleanField(
        label=_("Create anyway: this is a different customer"), required=False
    )

    wide_fields = ("kind", "needs", "notes", "address", "tags")

    def __init__(self, *args, actor, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        if customer is None:
            self.fields["owner"].queryset = users_visible(actor, include_inactive=False).order_by(
                "username"
            )
            self.fields["org_unit"].queryset = OrgUnit.objects.visible_to(actor).order_by("path")
        else:
            # Owner changes go through the transfer action, not the edit form.
            del self.fields["owner"]
            del self.fields["org_unit"]
            self.fields["version"].required = True
        for name in DUPLICATE_FIELDS:
            self.fields[name].widget.attrs["data-duplicate-check"] = name
        for name in COMPANY_FIELDS:
            self.fields[name].widget.attrs["data-kind-only"] = "company"
        for name in INDIVIDUAL_FIELDS:
            self.fields[name].widget.attrs["data-kind-only"] = "individual"
        self.fields["tags"].widget.attrs["size"] = 6

    def sections(self):
        out = []
        for key, heading, names in CUSTOMER_SECTIONS:
            bound = [self[n] for n in names if n in self.fields]
            if bound:
                out.append({"key": key, "heading": heading, "fields": bound})
        return out

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        for key in ("version", "allow_duplicate", "tags", "owner", "org_unit"):
            data.pop(key, None)
        return data


class ContactForm(StyledFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    name = forms.CharField(label=_("Name"), max_length=80)
    title = forms.CharField(label=_("Job title"), max_length=80, required=False)
    department = forms.CharField(label=_("Department"), max_length=80, required=False)
    decision_role = forms.ChoiceField(
        label=_("Decision role"), choices=_blank(DecisionRole.choices), required=False
    )
    mobile = forms.CharField(label=_("Mobile"), max_length=40, required=False)
    phone = forms.CharField(label=_("Office phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    wechat = forms.CharField(label=_("WeChat"), max_length=60, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=_blank(Gender.choices), required=False)
    birthday = forms.DateField(label=_("Birthday"), widget=DATE_INPUT, required=False)
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    wide_fields = ("notes", "is_primary")

    def __init__(self, *args, contact: Contact | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if contact is not None:
            self.fields["version"].required = True

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class FollowUpForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=FollowUpKind.choices)
    occurred_at = forms.DateTimeField(label=_("When"), widget=DATETIME_INPUT, required=False)
    content = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}))
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts involved"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    next_contact_at = forms.DateTimeField(
        label=_("Next contact"),
        widget=DATETIME_INPUT,
        required=False,
        help_text=_("A task will be created for the customer's owner at this time."),
    )
    wide_fields = ("content", "contacts")

    def __init__(self, *args, customer, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = Contact.objects.visible_to(actor).filter(
            customer=customer
        )


class TaskForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    due_at = forms.DateTimeField(label=_("Due"), widget=DATETIME_INPUT)
    wide_fields = ("title",)


class TransferForm(StyledFormMixin, forms.Form):
    new_owner = OwnerChoiceField(label=_("New owner"), queryset=User.objects.none())

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].queryset = users_visible(actor, include_inactive=False).order_by(
            "username"
        )


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of the view"), max_length=60)


class CustomerFilterForm(forms.Form):
    """The filter bar of the customer list; invalid values are ignored, never an error page."""

    q = forms.CharField(required=False, max_length=100)
    level = forms.ChoiceField(required=False, choices=_blank(CustomerLevel.choices))
    kind = forms.ChoiceField(required=False, choices=_blank(CustomerKind.choices))
    source = forms.ChoiceField(required=False, choices=_blank(CustomerSource.choices))
    industry = forms.ChoiceField(required=False, choices=_blank(Industry.choices))
    province = forms.CharField(required=False, max_length=30)
    city = forms.CharField(required=False, max_length=30)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False)
    tag = forms.ModelChoiceField(queryset=Tag.objects.all(), required=False)
    idle_days = forms.IntegerField(required=False, min_value=1, max_value=3650)
    created_from = forms.DateField(required=False)
    created_to = forms.DateField(required=False)
    segment = forms.IntegerField(required=False, min_value=1)  # a saved segment (CUS-3)

    FILTER_KEYS = (
        "level",
        "kind",
        "source",
        "industry",
        "province",
        "city",
        "owner",
        "unit",
        "tag",
        "idle_days",
        "created_from",
        "created_to",
        "segment",
    )

    # URL parameter → key of the customer_list selector's `filters`.
    SELECTOR_KEYS = {
        "unit": "org_unit",
        "tag": "tags",
        "idle_days": "no_follow_up_days",
        "created_from": "created_after",
        "created_to": "created_before",
    }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users_visible(actor).order_by("username")
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(actor).order_by("path")

    def selector_filters(self) -> dict:
        """The valid filters, as the customer_list selector takes them."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        data = getattr(self, "cleaned_data", {})
        out = {}
        for key in self.FILTER_KEYS:
            if key in self.errors:
                continue
            value = data.get(key)
            if value in (None, ""):
                continue
            out[self.SELECTOR_KEYS.get(key, key)] = getattr(value, "pk", value)
        return out

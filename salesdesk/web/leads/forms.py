"""Forms of the lead pages (FUN-1): create/edit, conversion, status, assignment, rules."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.models import Customer
from salesdesk.org.models import OrgUnit, User
from salesdesk.org.selectors import users_visible
from salesdesk.pipeline.leads.models import LeadSource, LeadStatus
from salesdesk.pipeline.models import Pipeline
from salesdesk.sales.models import Channel, ProductLine
from salesdesk.web.forms import StyledFormMixin

EDIT_FIELDS = (
    "name",
    "contact_name",
    "phone",
    "email",
    "province",
    "city",
    "industry",
    "source",
    "channel",
    "product_line",
    "notes",
)


class LeadForm(StyledFormMixin, forms.Form):
    wide_fields = ("notes",)

    name = forms.CharField(label=_("Company or person"), max_length=200)
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    province = forms.CharField(label=_("Province"), max_length=40, required=False)
    city = forms.CharField(label=_("City"), max_length=40, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=80, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices, initial="other")
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.filter(is_active=True), required=False
    )
    product_line = forms.ModelChoiceField(
        label=_("Product line"), queryset=ProductLine.objects.filter(is_active=True), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    assign = forms.ChoiceField(
        label=_("Owner"),
        choices=[
            ("me", _("Me")),
            ("rules", _("By the assignment rules")),
            ("pool", _("Lead pool")),
        ],
        initial="me",
        required=False,
    )
    allow_duplicate = forms.BooleanField(
        label=_("Create it even though it looks like a duplicate"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["assign"]
            del self.fields["allow_duplicate"]

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDIT_FIELDS}


class ConvertForm(StyledFormMixin, forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Existing customer (optional)"),
        queryset=Customer.objects.none(),
        required=False,
        help_text=_("Leave empty to create a new customer from the lead."),
    )
    create_opportunity = forms.BooleanField(
        label=_("Create an opportunity"), required=False, initial=True
    )
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.filter(is_archived=False), required=False
    )
    title = forms.CharField(label=_("Opportunity title"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Amount (¥)"), max_digits=16, decimal_places=2, min_value=0, required=False
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    allow_duplicate = forms.BooleanField(
        label=_("Create the customer even though it looks like a duplicate"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, actor=None, lead=None, **kwargs):
        super().__init__(*args, **kwargs)
        if actor is not None:
            # The customers this lead may be: same name, phone or email key (the duplicate check).
            cond = Q(pk__in=[])
            if lead is not None:
                for key in ("name_key", "phone_key", "email_key"):
                    if getattr(lead, key):
                        cond |= Q(**{key: getattr(lead, key)})
            self.fields["customer"].queryset = (
                Customer.objects.visible_to(actor).filter(cond).order_by("name")
            )


class StatusForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[c for c in LeadStatus.choices if c[0] != LeadStatus.CONVERTED],
    )
    reason = forms.CharField(label=_("Disqualification reason"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if actor is not None:
            self.fields["owner"].queryset = users_visible(actor).filter(
                is_active=True, unit__isnull=False
            )


class RuleForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0)
    province = forms.CharField(label=_("Province"), max_length=40, required=False)
    product_line = forms.ModelChoiceField(
        label=_("Product line"), queryset=ProductLine.objects.filter(is_active=True), required=False
    )
    target_user = forms.ModelChoiceField(
        label=_("Assign to user"), queryset=User.objects.filter(is_active=True), required=False
    )
    target_unit = forms.ModelChoiceField(
        label=_("Round robin in unit"), queryset=OrgUnit.objects.all(), required=False
    )

"""Forms of the sales pages: catalogue, price lists, contracts and their lines, approval chains."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.models import CustomerLevel
from salesdesk.org.models import Role, User
from salesdesk.sales.models import (
    ApproverKind,
    Channel,
    ChannelType,
    Partner,
    PaymentMethod,
    Product,
    ProductLine,
)
from salesdesk.web.forms import StyledFormMixin

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProductLineForm(StyledFormMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    wide_fields = ("description",)


class ProductForm(StyledFormMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200)
    product_line = forms.ModelChoiceField(
        label=_("Product line"), queryset=ProductLine.objects.order_by("sort_order", "name")
    )
    unit = forms.CharField(label=_("Unit of measure"), max_length=20, initial="件")
    list_price = forms.DecimalField(
        label=_("List price"), max_digits=16, decimal_places=2, min_value=0
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    wide_fields = ("description",)


class PriceListForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_INPUT)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE_INPUT, required=False)
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=Channel.objects.order_by("type", "name"),
        required=False,
        empty_label=_("Every channel"),
    )
    customer_level = forms.ChoiceField(
        label=_("Customer level"),
        choices=[("", _("Every level")), *CustomerLevel.choices],
        required=False,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    wide_fields = ("notes",)


class PriceItemForm(StyledFormMixin, forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.order_by("code"), required=False
    )
    price = forms.DecimalField(
        label=_("Price"), max_digits=16, decimal_places=2, min_value=0, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("product") and data.get("price") is None:
            self.add_error("price", _("Enter a price."))
        return data


PriceItemFormSet = forms.formset_factory(PriceItemForm, extra=3)


class ContractForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    customer = forms.TypedChoiceField(label=_("Customer"), coerce=int)
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE_INPUT, required=False)
    start_on = forms.DateField(label=_("Start date"), widget=DATE_INPUT, required=False)
    end_on = forms.DateField(label=_("End date"), widget=DATE_INPUT, required=False)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.order_by("type", "name"), required=False
    )
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.order_by("name"), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    wide_fields = ("title", "notes")

    def __init__(self, *args, customers=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [("", "—"), *[(c.pk, c.name) for c in customers]]
        if editing:
            del self.fields["customer"]


class ContractLineForm(forms.Form):
    """One line; rendered by templates/sales/_line_row.html (a product select with prices)."""

    product = forms.IntegerField(required=False)
    description = forms.CharField(max_length=300, required=False)
    quantity = forms.DecimalField(max_digits=14, decimal_places=2, required=False)
    unit_price = forms.DecimalField(max_digits=16, decimal_places=2, required=False)
    discount_percent = forms.DecimalField(max_digits=5, decimal_places=2, required=False)

    def as_line(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("product"):
            return None
        return {
            "product": data["product"],
            "description": data.get("description") or "",
            "quantity": data.get("quantity") if data.get("quantity") is not None else 1,
            "unit_price": data.get("unit_price"),
            "discount_percent": data.get("discount_percent") or 0,
        }


ContractLineFormSet = forms.formset_factory(ContractLineForm, extra=0)


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ApprovalChainForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    min_amount = forms.DecimalField(
        label=_("For totals from (¥)"), max_digits=16, decimal_places=2, min_value=0
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ApprovalStepForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Approver"), choices=[("", "—"), *ApproverKind.choices], required=False
    )
    role = forms.ModelChoiceField(
        label=_("Role"), queryset=Role.objects.order_by("id"), required=False
    )


ApprovalStepFormSet = forms.formset_factory(ApprovalStepForm, extra=3)


class PlanSplitForm(StyledFormMixin, forms.Form):
    count = forms.IntegerField(label=_("Instalments"), min_value=1, max_value=60, initial=1)
    first_due = forms.DateField(label=_("First due on"), widget=DATE_INPUT)
    months = forms.IntegerField(label=_("Months apart"), min_value=1, max_value=12, initial=1)


class PaymentForm(StyledFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2, min_value=0)
    received_on = forms.DateField(label=_("Received on"), widget=DATE_INPUT)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class ChannelForm(StyledFormMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    type = forms.ChoiceField(label=_("Channel type"), choices=ChannelType.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PartnerForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.order_by("type", "name")
    )
    region = forms.CharField(label=_("Region"), max_length=60, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=60, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    manager = forms.ModelChoiceField(
        label=_("Partner manager"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

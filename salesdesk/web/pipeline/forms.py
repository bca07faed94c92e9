"""Forms of the funnel pages: opportunity create/edit, quick add, win/lose, pipeline settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.models import Contact, Customer
from salesdesk.pipeline.models import Pipeline, Reason, Stage
from salesdesk.sales.models import Channel, Partner, ProductLine
from salesdesk.web.forms import StyledFormMixin

CUSTOMER_CHOICES = 200


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.pipeline.display_name} · {obj.display_name}"


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class OpportunityForm(StyledFormMixin, forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    stage = StageChoiceField(label=_("Stage"), queryset=Stage.objects.none())
    amount = forms.DecimalField(
        label=_("Amount (¥)"), max_digits=16, decimal_places=2, min_value=0, required=False
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    contact = forms.ModelChoiceField(
        label=_("Primary contact"), queryset=Contact.objects.none(), required=False
    )
    product_line = forms.ModelChoiceField(
        label=_("Product line"), queryset=ProductLine.objects.none(), required=False
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.none(), required=False
    )
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), required=False
    )
    competitors = forms.CharField(label=_("Competitors"), max_length=300, required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_activity_at = forms.DateTimeField(
        label=_("Next activity"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    wide_fields = ("title", "next_step")

    def __init__(self, *args, actor, customer=None, opportunity=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.opportunity = opportunity
        visible = Customer.objects.visible_to(actor).filter(owner__isnull=False)
        if opportunity is not None:
            del self.fields["customer"]
            del self.fields["stage"]
            customer = opportunity.customer
        elif customer is not None:
            self.fields["customer"].queryset = visible.filter(pk=customer.pk)
            self.fields["customer"].initial = customer.pk
            self.fields["customer"].empty_label = None
        else:
            self.fields["customer"].queryset = visible
            self.fields["customer"].widget.choices = self._recent_choices(visible)
        if "stage" in self.fields:
            self.fields["stage"].queryset = (
                Stage.objects.filter(
                    is_archived=False,
                    is_won=False,
                    is_after_sales=False,
                    pipeline__is_archived=False,
                )
                .select_related("pipeline")
                .order_by("-pipeline__is_default", "pipeline__sort_order", "pipeline_id", "order")
            )
        if customer is not None:
            self.fields["contact"].queryset = Contact.objects.filter(customer=customer)
        else:
            del self.fields["contact"]
        self.fields["product_line"].queryset = ProductLine.objects.filter(is_active=True)
        self.fields["channel"].queryset = Channel.objects.filter(is_active=True)
        self.fields["partner"].queryset = Partner.objects.filter(is_active=True)

    @staticmethod
    def _recent_choices(visible):
        rows = list(
            visible.order_by("-created_at", "-id").values_list("pk", "name")[:CUSTOMER_CHOICES]
        )
        return [("", "---------"), *rows]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data.pop("customer", None)
        data.pop("stage", None)
        return data


class QuickAddForm(StyledFormMixin, forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount (¥)"), max_digits=16, decimal_places=2, min_value=0, required=False
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Customer.objects.visible_to(actor).filter(owner__isnull=False)
        self.fields["customer"].queryset = visible
        self.fields["customer"].widget.choices = OpportunityForm._recent_choices(visible)


class CloseForm(StyledFormMixin, forms.Form):
    """Win or lose: a reason from the configured list and a note."""

    reason = NamedChoiceField(label=_("Reason"), queryset=Reason.objects.none(), required=False)
    reason_note = forms.CharField(label=_("Details"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = Reason.objects.filter(kind=kind, is_active=True)


class PipelineForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "name_en", "product_line", "is_default"]


class StageForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Stage
        fields = ["name", "name_en", "probability", "stale_days", "is_won", "is_after_sales"]


class ReasonForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Reason
        fields = ["kind", "name", "name_en", "sort_order"]

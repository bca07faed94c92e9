"""Forms of the goal pages (TGT-1, TGT-2)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.targets import metric_rules
from salesdesk.targets.models import GoalStatus, OwnerKind, PeriodKind, Seasonality, SplitMethod
from salesdesk.web.forms import StyledFormMixin

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
QUARTERS = [("", "—")] + [(str(q), f"Q{q}") for q in range(1, 5)]
MONTHS = [("", "—")] + [(str(m), f"{m:02d}") for m in range(1, 13)]


class GoalForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    metric = forms.ChoiceField(label=_("Metric"), choices=())
    owner_kind = forms.ChoiceField(label=_("Goal of"), choices=OwnerKind.choices)
    unit = forms.TypedChoiceField(label=_("Org unit"), choices=(), coerce=int, required=False)
    user = forms.TypedChoiceField(label=_("Person"), choices=(), coerce=int, required=False)
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), choices=QUARTERS, coerce=int, required=False, empty_value=None
    )
    month = forms.TypedChoiceField(
        label=_("Month"), choices=MONTHS, coerce=int, required=False, empty_value=None
    )
    period_start = forms.DateField(label=_("From"), widget=DATE_INPUT, required=False)
    period_end = forms.DateField(label=_("Until"), widget=DATE_INPUT, required=False)
    baseline = forms.DecimalField(
        label=_("Baseline"), max_digits=16, decimal_places=2, min_value=0, required=False
    )
    target_value = forms.DecimalField(
        label=_("Target"), max_digits=16, decimal_places=2, min_value=0
    )
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)
    rationale = forms.CharField(
        label=_("Rationale"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Why this target: the assumptions behind it (the R and T of SMART)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    wide_fields = ("rationale",)

    def __init__(self, *args, units=(), users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = metric_rules.choices()
        self.fields["unit"].choices = [("", "—")] + [(u.pk, u.name) for u in units]
        self.fields["user"].choices = [("", "—")] + [(u.pk, u.name) for u in users]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if data["owner_kind"] != OwnerKind.UNIT:
            data.pop("unit")
        if data["owner_kind"] != OwnerKind.USER:
            data.pop("user")
        return data


class DecomposeForm(StyledFormMixin, forms.Form):
    method = forms.ChoiceField(
        label=_("Split over people by"), choices=SplitMethod.choices, widget=forms.RadioSelect
    )
    seasonality = forms.ChoiceField(
        label=_("Split over time by"), choices=Seasonality.choices, widget=forms.RadioSelect
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PartForm(forms.Form):
    amount = forms.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    mode = forms.ChoiceField(choices=[("siblings", "siblings"), ("total", "total")])
    confirm_total = forms.DecimalField(max_digits=16, decimal_places=2, required=False)
    version = forms.IntegerField()

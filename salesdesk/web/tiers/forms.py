"""Forms of the tier pages: the tier definition (one criteria row per metric: trailing window in
months and the minimum) and the assignment of a tier to a person."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.metrics.definitions import METRICS
from salesdesk.web.forms import StyledFormMixin

MAIN = ("code", "name", "name_en", "rank", "customer_quota", "target_multiplier")
MAIN += ("commission_rate", "is_active")


class TierForm(StyledFormMixin, forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=80)
    name_en = forms.CharField(label=_("English name"), max_length=80, required=False)
    rank = forms.IntegerField(
        label=_("Rank"), min_value=1, max_value=100, help_text=_("1 is the entry tier.")
    )
    customer_quota = forms.IntegerField(
        label=_("Customer quota"),
        min_value=0,
        initial=0,
        help_text=_("Customers a person may own; 0: no limit."),
    )
    target_multiplier = forms.DecimalField(
        label=_("Target multiplier"), max_digits=6, decimal_places=3, initial=1
    )
    commission_rate = forms.DecimalField(
        label=_("Commission rate (%)"), max_digits=6, decimal_places=3, initial=0
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in METRICS:
            self.fields[f"window_{key}"] = forms.IntegerField(
                label=_("Months"), required=False, min_value=1, max_value=24
            )
            self.fields[f"min_{key}"] = forms.DecimalField(
                label=_("Minimum"), required=False, max_digits=16, decimal_places=4
            )
            for name in (f"window_{key}", f"min_{key}"):
                self.fields[name].widget.attrs["class"] = "form-control"
        self.criteria_rows = [(METRICS[k], self[f"window_{k}"], self[f"min_{k}"]) for k in METRICS]
        self.main_fields = [self[n] for n in MAIN]

    @staticmethod
    def initial_from(tier) -> dict:
        data = {name: getattr(tier, name) for name in MAIN}
        data["version"] = tier.version
        for c in tier.criteria:
            data[f"window_{c['metric']}"] = c["window_months"]
            data[f"min_{c['metric']}"] = c["min"]
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        criteria = [
            {
                "metric": key,
                "window_months": data.get(f"window_{key}") or 0,
                "min": data.get(f"min_{key}"),
            }
            for key in METRICS
            if data.get(f"min_{key}") is not None or data.get(f"window_{key}")
        ]
        return {**{name: data[name] for name in MAIN}, "criteria": criteria}


class AssignForm(StyledFormMixin, forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    tier = forms.IntegerField(label=_("Tier"))
    valid_from = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

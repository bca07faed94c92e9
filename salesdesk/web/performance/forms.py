"""Forms of the performance pages: the KPI scheme (one row per metric: weight, normalisation,
target), scorecard feedback."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.metrics.definitions import METRICS
from salesdesk.org.models import Role
from salesdesk.performance.models import Normalisation, PeriodKind
from salesdesk.performance.scoring import BAND_GRADES
from salesdesk.web.forms import StyledFormMixin


class KpiSchemeForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    role = forms.ModelChoiceField(label=_("Applies to role"), queryset=Role.objects.all())
    tier_id = forms.TypedChoiceField(
        label=_("Sales tier"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Empty: everyone of the role whose tier has no scheme of its own."),
    )
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    cap = forms.DecimalField(label=_("Score cap"), max_digits=6, decimal_places=2, initial=120)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from salesdesk.tiers.selectors import tier_list

        self.fields["tier_id"].choices = [("", _("Every tier"))] + [
            (t.pk, t.display_name()) for t in tier_list()
        ]
        for grade in BAND_GRADES:
            self.fields[f"band_{grade}"] = forms.DecimalField(
                label=_("Grade %(grade)s from") % {"grade": grade}, max_digits=6, decimal_places=2
            )
        for key in METRICS:
            self.fields[f"weight_{key}"] = forms.DecimalField(
                label=_("Weight %"), required=False, min_value=0, max_digits=5, decimal_places=2
            )
            self.fields[f"norm_{key}"] = forms.ChoiceField(
                label=_("Normalisation"), choices=Normalisation.choices, required=False
            )
            self.fields[f"target_{key}"] = forms.DecimalField(
                label=_("Target"), required=False, max_digits=16, decimal_places=2
            )
        for name, field in self.fields.items():
            if name.startswith(("band_", "weight_", "norm_", "target_")):
                css = "form-select" if name.startswith("norm_") else "form-control"
                field.widget.attrs["class"] = css
        self.metric_rows = [
            (METRICS[k], self[f"weight_{k}"], self[f"norm_{k}"], self[f"target_{k}"])
            for k in METRICS
        ]
        self.band_fields = [self[f"band_{g}"] for g in BAND_GRADES]
        self.main_fields = [
            self[n] for n in ("name", "role", "tier_id", "period_kind", "cap", "is_active")
        ]

    @staticmethod
    def initial_from(scheme) -> dict:
        data = {
            "name": scheme.name,
            "role": scheme.role_id,
            "tier_id": scheme.tier_id,
            "period_kind": scheme.period_kind,
            "cap": scheme.cap,
            "is_active": scheme.is_active,
            "version": scheme.version,
        }
        for grade, value in scheme.grade_bands.items():
            data[f"band_{grade}"] = value
        for item in scheme.metrics:
            key = item["metric"]
            data[f"weight_{key}"] = item["weight"]
            data[f"norm_{key}"] = item["normalisation"]
            data[f"target_{key}"] = item.get("target")
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        metrics = [
            {
                "metric": key,
                "weight": data[f"weight_{key}"],
                "normalisation": data[f"norm_{key}"] or Normalisation.TARGET,
                "target": data[f"target_{key}"],
            }
            for key in METRICS
            if data.get(f"weight_{key}")
        ]
        return {
            "name": data["name"],
            "role": data["role"].pk,
            "tier_id": data.get("tier_id"),
            "period_kind": data["period_kind"],
            "cap": data["cap"],
            "is_active": data["is_active"],
            "metrics": metrics,
            "grade_bands": {g: data[f"band_{g}"] for g in BAND_GRADES},
        }


class FeedbackForm(StyledFormMixin, forms.Form):
    feedback = forms.CharField(
        label=_("Manager feedback"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    wide_fields = ("feedback",)

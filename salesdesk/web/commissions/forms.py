"""Form of the commission plan page: main fields, attainment bands (one row each) and a
multiplier per product line."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.commissions.models import Base, PeriodKind
from salesdesk.org.models import Role
from salesdesk.sales.models import ProductLine
from salesdesk.tiers.selectors import active_tiers
from salesdesk.web.forms import StyledFormMixin

BAND_ROWS = 6


class CommissionPlanForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    role = forms.ModelChoiceField(label=_("Applies to role"), queryset=Role.objects.all())
    tier_id = forms.TypedChoiceField(label=_("Tier"), required=False, coerce=int, empty_value=None)
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    base = forms.ChoiceField(label=_("Commission base"), choices=Base.choices)
    base_rate = forms.DecimalField(
        label=_("Base rate (%)"),
        max_digits=7,
        decimal_places=3,
        initial=0,
        help_text=_("Applies below the first band, or always when there are no bands."),
    )
    add_tier_rate = forms.BooleanField(
        label=_("Add the tier's commission rate"), required=False, initial=True
    )
    cap = forms.DecimalField(
        label=_("Cap per statement"), required=False, max_digits=16, decimal_places=2
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier_id"].choices = [("", _("Every tier"))] + [
            (t.pk, t.display_name()) for t in active_tiers()
        ]
        for i in range(BAND_ROWS):
            self.fields[f"band_from_{i}"] = forms.DecimalField(
                label=_("From attainment (%)"), required=False, max_digits=9, decimal_places=2
            )
            self.fields[f"band_rate_{i}"] = forms.DecimalField(
                label=_("Rate (%)"), required=False, max_digits=7, decimal_places=3
            )
        self.product_lines = list(ProductLine.objects.filter(is_active=True).order_by("code"))
        for line in self.product_lines:
            self.fields[f"mult_{line.pk}"] = forms.DecimalField(
                label=_("Multiplier"), required=False, max_digits=7, decimal_places=3
            )
        for name, field in self.fields.items():
            if name.startswith(("band_", "mult_")):
                field.widget.attrs["class"] = "form-control"
        self.band_rows = [
            (self[f"band_from_{i}"], self[f"band_rate_{i}"]) for i in range(BAND_ROWS)
        ]
        self.line_rows = [(line, self[f"mult_{line.pk}"]) for line in self.product_lines]
        self.main_fields = [
            self[n]
            for n in (
                "name",
                "role",
                "tier_id",
                "period_kind",
                "base",
                "base_rate",
                "cap",
                "add_tier_rate",
                "is_active",
            )
        ]

    @staticmethod
    def initial_from(plan) -> dict:
        data = {
            "name": plan.name,
            "role": plan.role_id,
            "tier_id": plan.tier_id,
            "period_kind": plan.period_kind,
            "base": plan.base,
            "base_rate": plan.base_rate,
            "add_tier_rate": plan.add_tier_rate,
            "cap": plan.cap,
            "is_active": plan.is_active,
            "version": plan.version,
        }
        for i, band in enumerate(plan.bands[:BAND_ROWS]):
            data[f"band_from_{i}"] = band["from"]
            data[f"band_rate_{i}"] = band["rate"]
        for pk, value in plan.line_multipliers.items():
            data[f"mult_{pk}"] = value
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        bands = []
        for i in range(BAND_ROWS):
            start, rate = data.get(f"band_from_{i}"), data.get(f"band_rate_{i}")
            if start is None and rate is None:
                continue
            bands.append({"from": "" if start is None else str(start), "rate": str(rate or "")})
        multipliers = {
            str(line.pk): str(data[f"mult_{line.pk}"])
            for line in self.product_lines
            if data.get(f"mult_{line.pk}") is not None
        }
        return {
            "name": data["name"],
            "role": data["role"].pk,
            "tier_id": data["tier_id"],
            "period_kind": data["period_kind"],
            "base": data["base"],
            "base_rate": data["base_rate"],
            "add_tier_rate": data["add_tier_rate"],
            "cap": data["cap"],
            "is_active": data["is_active"],
            "bands": bands,
            "line_multipliers": multipliers,
        }

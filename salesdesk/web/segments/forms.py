"""The segment form (CUS-3): name, visibility and the criteria, grouped by the four kinds of
segmentation. The form parses; salesdesk.customers.segments.criteria validates."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.models import Tag
from salesdesk.customers.segments.criteria import (
    CHOICE_KEYS,
    COUNT_KEYS,
    DAY_KEYS,
    GROUPS,
    LABELS,
    MONEY_KEYS,
    RFM_KEYS,
    TAG_KEYS,
    TEXT_KEYS,
)
from salesdesk.customers.segments.models import SegmentVisibility
from salesdesk.web.forms import StyledFormMixin

# Long choice lists as a multi-select, short ones as checkboxes.
SELECT_KEYS = ("industries", "sources")
LIST_SPLIT = re.compile(r"[,，、;；\n\r]+")


class SegmentForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    visibility = forms.ChoiceField(
        label=_("Visible to"),
        choices=SegmentVisibility.choices,
        initial=SegmentVisibility.PRIVATE,
        widget=forms.RadioSelect,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    wide_fields = ("name", "description", "visibility", "tags_any", "tags_all", "needs_contains")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in (k for _g, _l, keys in GROUPS for k in keys):
            self.fields[key] = self._criteria_field(key)
        # The mixin styled the fields declared on the class; style the criteria fields too.
        for name in (k for _g, _l, keys in GROUPS for k in keys):
            field = self.fields[name]
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            field.wide = name in self.wide_fields

    @staticmethod
    def _criteria_field(key: str) -> forms.Field:
        label = LABELS[key]
        if key in CHOICE_KEYS:
            choices = CHOICE_KEYS[key][1].choices
            widget = (
                forms.SelectMultiple(attrs={"size": 6})
                if key in SELECT_KEYS
                else forms.CheckboxSelectMultiple
            )
            return forms.MultipleChoiceField(
                label=label, choices=choices, required=False, widget=widget
            )
        if key in TEXT_KEYS:
            return forms.CharField(
                label=label,
                required=False,
                max_length=2000,
                help_text=_("Separate several names with commas, e.g. 广东, 江苏."),
            )
        if key in TAG_KEYS:
            return forms.ModelMultipleChoiceField(
                label=label,
                queryset=Tag.objects.order_by("category", "name", "id"),
                required=False,
                widget=forms.SelectMultiple(attrs={"size": 6}),
            )
        if key in MONEY_KEYS:
            return forms.DecimalField(
                label=label, required=False, min_value=0, max_digits=16, decimal_places=2
            )
        if key in RFM_KEYS:
            return forms.IntegerField(label=label, required=False, min_value=1, max_value=5)
        if key in DAY_KEYS:
            return forms.IntegerField(label=label, required=False, min_value=1, max_value=3650)
        if key in COUNT_KEYS:
            return forms.IntegerField(label=label, required=False, min_value=0)
        return forms.CharField(label=label, required=False, max_length=100)

    @classmethod
    def initial_from(cls, segment) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": segment.name,
            "description": segment.description,
            "visibility": segment.visibility,
            "version": segment.version,
        }
        for key, value in (segment.criteria or {}).items():
            initial[key] = ", ".join(value) if key in TEXT_KEYS else value
        return initial

    def sections(self) -> list[dict[str, Any]]:
        return [
            {"key": group, "heading": label, "fields": [self[k] for k in keys]}
            for group, label, keys in GROUPS
        ]

    def criteria(self) -> dict[str, Any]:
        """The raw criteria of the (valid) form, for the service to validate."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for key in (k for _g, _l, keys in GROUPS for k in keys):
            value = data.get(key)
            if value in (None, "", []):
                continue
            if key in TEXT_KEYS:
                value = [v.strip() for v in LIST_SPLIT.split(value) if v.strip()]
            elif key in TAG_KEYS:
                value = sorted(t.pk for t in value)
            elif key in MONEY_KEYS:
                value = str(value)
            elif isinstance(value, list):
                value = list(value)
            if value in ([], ""):
                continue
            out[key] = value
        return out

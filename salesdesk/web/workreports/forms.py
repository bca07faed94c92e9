from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.web.forms import StyledFormMixin
from salesdesk.workreports.models import ReportKind


class WorkReportForm(StyledFormMixin, forms.Form):
    wide_fields = ("summary", "plan")

    kind = forms.ChoiceField(label=_("Kind"), choices=ReportKind.choices)
    day = forms.DateField(
        label=_("Period"),
        help_text=_("Any day of the period: the day, its week (Monday–Sunday) or its month."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    summary = forms.CharField(
        label=_("Summary of this period"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    plan = forms.CharField(
        label=_("Plan for the next period"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the period of an existing report does not change
            del self.fields["kind"]
            del self.fields["day"]

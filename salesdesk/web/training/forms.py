from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.org.models import OrgUnit, User
from salesdesk.org.scoping import visible_to
from salesdesk.training.models import ProgramStatus
from salesdesk.web.forms import StyledFormMixin


class ProgramForm(StyledFormMixin, forms.Form):
    wide_fields = ("description",)

    title = forms.CharField(label=_("Title"), max_length=120)
    topic = forms.CharField(
        label=_("Topic"),
        max_length=60,
        required=False,
        help_text=_("For example: selling skills, product knowledge, negotiation."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ProgramStatus.choices)
    owner_unit = forms.ModelChoiceField(
        label=_("Owner unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("Company-wide"),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = visible_to(OrgUnit.objects.all(), user).order_by(
            "path"
        )

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("title", "topic", "status", "owner_unit", "description")}


class SessionForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    trainer = forms.ModelChoiceField(
        label=_("Trainer"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("External trainer"),
    )
    trainer_name = forms.CharField(
        label=_("Trainer (external)"),
        max_length=80,
        required=False,
        help_text=_("The name of a trainer from outside the company."),
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    online_link = forms.URLField(
        label=_("Online link"), max_length=300, required=False, assume_scheme="https"
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = User.objects.filter(is_active=True).order_by(
            "display_name", "username"
        )

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = ("title", "starts_at", "ends_at", "trainer", "trainer_name", "location")
        return {k: data[k] for k in (*fields, "online_link", "capacity")}

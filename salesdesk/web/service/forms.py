"""Forms of the return-visit, care and feedback pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.feedback.models import (
    SatisfactionKind,
    Severity,
    TicketStatus,
    TicketType,
)
from salesdesk.customers.visits.models import VisitKind
from salesdesk.org.models import User
from salesdesk.org.selectors import users_visible
from salesdesk.web.customers.forms import DATETIME_INPUT, OwnerChoiceField
from salesdesk.web.forms import StyledFormMixin


class ReturnVisitForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=VisitKind.choices)
    visited_at = forms.DateTimeField(label=_("When"), widget=DATETIME_INPUT, required=False)
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (1–5)"),
        choices=[("", "—"), *[(i, str(i)) for i in range(5, 0, -1)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    wide_fields = ("summary",)


class SatisfactionForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SatisfactionKind.choices)
    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=10)
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    wide_fields = ("comment",)


class _OwnerMixin:
    def _owners(self, actor):
        self.fields["owner"].queryset = users_visible(actor, include_inactive=False).order_by(
            "username"
        )


class TicketCreateForm(_OwnerMixin, StyledFormMixin, forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    owner = OwnerChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Empty: the customer's owner."),
    )
    due_at = forms.DateTimeField(
        label=_("Due"),
        widget=DATETIME_INPUT,
        required=False,
        help_text=_("Empty: by severity (critical 1 day, high 3, medium 7, low 14)."),
    )
    wide_fields = ("title", "description")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self._owners(actor)


class TicketEditForm(_OwnerMixin, StyledFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=TicketStatus.choices)
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    owner = OwnerChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_at = forms.DateTimeField(label=_("Due"), widget=DATETIME_INPUT)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    resolution = forms.CharField(
        label=_("Resolution"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required to resolve or close the ticket."),
    )
    wide_fields = ("title", "description", "resolution")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self._owners(actor)


class VisitPolicyForm(StyledFormMixin, forms.Form):
    interval_days = forms.IntegerField(
        label=_("Visit every (days)"), min_value=1, max_value=3650, required=False
    )


class GreetingTemplateForm(StyledFormMixin, forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Placeholders: {contact}, {customer}, {sender}, {years}."),
    )
    wide_fields = ("subject", "body")

"""Forms of the handover and merge pages. Querysets are scoped to the actor; the services check
everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.handover import selectors
from salesdesk.customers.handover.models import Handover
from salesdesk.customers.handover.services import REASON_MAX
from salesdesk.org.selectors import users_visible


class HandoverForm(forms.Form):
    SCOPES = (("all", _("All of their customers")), ("selected", _("Only the selected customers")))

    scope = forms.ChoiceField(label=_("Customers"), choices=SCOPES, initial="all")
    ids = forms.ModelMultipleChoiceField(queryset=None, required=False)
    to_users = forms.ModelMultipleChoiceField(
        label=_("Hand over to"),
        queryset=None,
        error_messages={"required": _("Choose at least one rep to receive the customers.")},
    )
    strategy = forms.ChoiceField(
        label=_("Distribution"), choices=Handover.Strategy.choices, initial="one"
    )
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, actor, from_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].queryset = selectors.customers_to_hand_over(actor, from_user)
        self.fields["to_users"].queryset = users_visible(actor, include_inactive=False).exclude(
            pk=from_user.pk
        )

    def clean(self):
        data = super().clean()
        if data.get("scope") == "selected" and not data.get("ids"):
            self.add_error("ids", _("Select the customers to hand over."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "to_users": list(data["to_users"]),
            "customer_ids": [c.pk for c in data["ids"]] if data["scope"] == "selected" else None,
            "strategy": data["strategy"],
        }

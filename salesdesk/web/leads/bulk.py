"""Bulk delete of the lead list (to the recycle bin). Assignment is views.lead_bulk_assign and
the selection export views.lead_export with `ids`. Transport only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesdesk.org.models import FunctionPermission
from salesdesk.pipeline.leads import services
from salesdesk.pipeline.leads.models import Lead
from salesdesk.web.lists import safe_back, selected_ids


def can_delete(user) -> bool:
    return bool(user.is_authenticated and user.has_function(FunctionPermission.DELETE))


@require_POST
@login_required
def lead_bulk_delete(request):
    user = request.user
    if not can_delete(user):
        raise PermissionDenied
    back = safe_back(request, reverse("web:leads"))
    ids = selected_ids(request)
    if not ids:
        messages.warning(request, _("Select the leads first."))
        return redirect(back)
    done = 0
    for lead in Lead.objects.editable_by(user).filter(pk__in=ids).order_by("pk"):
        try:
            services.lead_delete(actor=user, lead=lead, request=request)
        except (ValidationError, PermissionDenied, ObjectDoesNotExist):
            continue
        done += 1
    if done:
        messages.success(request, _("%(count)d leads moved to the recycle bin.") % {"count": done})
    if len(ids) > done:
        messages.warning(
            request,
            _("%(count)d selected leads were skipped: not yours to delete.")
            % {"count": len(ids) - done},
        )
    return redirect(back)

"""Bulk actions of the opportunity list: assign the selected deals to another owner, move them
to the recycle bin. Transport only: salesdesk.pipeline.assignment and services decide; the
selection export is the list's export with `ids` (views.opportunity_export_view)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesdesk.org.models import FunctionPermission, User
from salesdesk.pipeline import services
from salesdesk.pipeline.assignment import can_assign, opportunity_assign
from salesdesk.pipeline.models import Opportunity
from salesdesk.web.lists import safe_back, selected_ids


def can_delete(user) -> bool:
    return bool(user.is_authenticated and user.has_function(FunctionPermission.DELETE))


def _report(request, done_message: str, skipped_message: str, done: int, skipped: int) -> None:
    if done:
        messages.success(request, done_message)
    if skipped:
        messages.warning(request, skipped_message % {"count": skipped})


@require_POST
@login_required
def opportunity_bulk_assign(request):
    user = request.user
    if not can_assign(user):
        raise PermissionDenied
    back = safe_back(request, reverse("web:opportunities"))
    ids = selected_ids(request)
    if not ids:
        messages.warning(request, _("Select the opportunities first."))
        return redirect(back)
    owner_id = request.POST.get("new_owner", "")
    new_owner = (
        User.objects.visible_to(user).filter(pk=owner_id, is_active=True).first()
        if owner_id.isdigit()
        else None
    )
    if new_owner is None:
        messages.error(request, _("Choose the new owner."))
        return redirect(back)
    try:
        result = opportunity_assign(
            actor=user, opportunities=ids, new_owner=new_owner, request=request
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(back)
    done = len(result.assigned)
    _report(
        request,
        _("%(count)d opportunities assigned to %(owner)s.")
        % {"count": done, "owner": new_owner.name},
        _(
            "%(count)d selected opportunities were skipped: not open, already with that owner, "
            "or not yours to change."
        ),
        done,
        result.skipped,
    )
    return redirect(back)


@require_POST
@login_required
def opportunity_bulk_delete(request):
    user = request.user
    if not can_delete(user):
        raise PermissionDenied
    back = safe_back(request, reverse("web:opportunities"))
    ids = selected_ids(request)
    if not ids:
        messages.warning(request, _("Select the opportunities first."))
        return redirect(back)
    done = 0
    for opp in Opportunity.objects.editable_by(user).filter(pk__in=ids).order_by("pk"):
        try:
            services.opportunity_delete(actor=user, opportunity=opp, request=request)
        except (ValidationError, PermissionDenied, ObjectDoesNotExist):
            continue
        done += 1
    _report(
        request,
        _("%(count)d opportunities moved to the recycle bin.") % {"count": done},
        _("%(count)d selected opportunities were skipped: not yours to delete."),
        done,
        len(ids) - done,
    )
    return redirect(back)

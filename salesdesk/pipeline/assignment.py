"""Assigning opportunities to another owner (FUN-3), one deal or a selection from the list.

Only open deals the actor may change (`editable_by`) move; the others in the selection are
skipped and counted, never changed. The new owner must be an active user in the actor's scope
who belongs to an org unit; the deal takes that unit. Needs the transfer permission (ORG-3).
Each moved deal gets a new version (a form open on it is then stale) and a field-history row;
one audit event lists them. Past stage events keep the owner they had: time metrics describe
what happened."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from salesdesk.core.audit import audit_record
from salesdesk.org.models import FunctionPermission, User
from salesdesk.org.scoping import editable_by, visible_to
from salesdesk.pipeline.models import Opportunity, OpportunityStatus

AUDIT_KIND = "opportunity_assigned"


@dataclass(frozen=True)
class AssignResult:
    assigned: list[int]  # ids of the deals that moved
    skipped: int  # selected but not moved: not open, already the owner's, or out of reach


def can_assign(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_function(FunctionPermission.TRANSFER)
    )


def _assignable(actor: User, user: User | None) -> User:
    if user is None or not visible_to(User.objects.filter(pk=user.pk), actor).exists():
        raise ValidationError({"new_owner": [_("Select a valid user.")]})
    if not user.is_active:
        raise ValidationError({"new_owner": [_("This user is deactivated.")]})
    if user.unit_id is None:
        raise ValidationError({"new_owner": [_("This user does not belong to an org unit.")]})
    return user


@transaction.atomic
def opportunity_assign(
    *,
    actor: User,
    opportunities: Iterable[Opportunity | int],
    new_owner: User,
    request=None,
) -> AssignResult:
    """Give the selected open deals the actor may change to `new_owner`."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Your account is not active."))
    if not can_assign(actor):
        raise PermissionDenied(_("You do not have permission to assign opportunities."))
    _assignable(actor, new_owner)
    ids = list(dict.fromkeys(o.pk if isinstance(o, Opportunity) else int(o) for o in opportunities))
    rows = list(
        editable_by(Opportunity.objects.select_for_update(), actor)
        .filter(pk__in=ids, status=OpportunityStatus.OPEN)
        .exclude(owner_id=new_owner.pk)
        .order_by("pk")
    )
    for row in rows:
        row.owner = new_owner
        row.org_unit_id = new_owner.unit_id
        row.version += 1
        row._history_user = actor
        row._change_reason = "assigned"
        row.save(update_fields=["owner", "org_unit", "version", "updated_at"])
    if rows:
        audit_record(
            kind=AUDIT_KIND,
            actor=actor,
            request=request,
            data={"opportunities": [r.pk for r in rows], "owner": new_owner.pk},
        )
    return AssignResult(assigned=[r.pk for r in rows], skipped=len(ids) - len(rows))

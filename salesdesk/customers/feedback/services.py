"""Writes for satisfaction records and feedback tickets (CUS-11); one transaction each.

Tickets: the owner (the person who must resolve it; default the customer's owner) and the org
unit (the owner's) make it a scoped record; the due time defaults by severity (critical 1 day,
high 3, medium 7, low 14 days); resolving needs a resolution; edits are optimistic-locked with
field history; deletion moves the ticket to the recycle bin.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.changes import record_changes
from salesdesk.core.locking import check_version, save_versioned
from salesdesk.core.records import require_active
from salesdesk.core.recycle import record_soft_delete, recycle_bin
from salesdesk.customers.feedback.models import (
    OPEN_STATUSES,
    SCORE_RANGES,
    FeedbackTicket,
    SatisfactionKind,
    SatisfactionRecord,
    Severity,
    TicketStatus,
    TicketType,
)
from salesdesk.customers.models import Contact, Customer
from salesdesk.customers.services import _assignable_owner, _editable
from salesdesk.org.models import User

recycle_bin.register(FeedbackTicket)

DUE_DAYS = {Severity.CRITICAL: 1, Severity.HIGH: 3, Severity.MEDIUM: 7, Severity.LOW: 14}
TICKET_FIELDS = ("type", "severity", "title", "description", "due_at", "status", "resolution")


def default_due(severity: str, start: datetime | None = None) -> datetime:
    return (start or timezone.now()) + timedelta(days=DUE_DAYS.get(severity, 7))


def _score_errors(kind: str, score: Any) -> dict[str, list[str]]:
    if kind not in SatisfactionKind.values:
        return {"kind": [_("Select a valid choice.")]}
    low, high = SCORE_RANGES[kind]
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        return {
            "score": [_("Enter a score from %(low)d to %(high)d.") % {"low": low, "high": high}]
        }
    return {}


@transaction.atomic
def satisfaction_record_create(
    *,
    actor: User,
    customer: Customer,
    kind: str,
    score: int,
    comment: str = "",
    contact: Contact | None = None,
    recorded_at: datetime | None = None,
    request=None,
) -> SatisfactionRecord:
    """Record a CSAT (1–5) or NPS (0–10) score of a customer."""
    current = _editable(Customer, actor, customer.pk, lock=False)
    errors = _score_errors(kind, score)
    if (
        contact is not None
        and not Contact.objects.filter(pk=contact.pk, customer_id=current.pk).exists()
    ):
        errors["contact"] = [_("Select a contact of this customer.")]
    recorded_at = recorded_at or timezone.now()
    if timezone.is_naive(recorded_at):
        errors["recorded_at"] = [_("Enter a date and time with a time zone.")]
    if errors:
        raise ValidationError(errors)
    record = SatisfactionRecord.objects.create(
        customer=current,
        contact=contact,
        kind=kind,
        score=score,
        comment=(comment or "").strip(),
        recorded_by=actor,
        recorded_at=recorded_at,
    )
    record_changes.created(SatisfactionRecord, [record.pk])  # the metric layer (D43)
    return record


def _ticket_clean(ticket: FeedbackTicket) -> None:
    errors: dict[str, list[str]] = {}
    if ticket.type not in TicketType.values:
        errors["type"] = [_("Select a valid choice.")]
    if ticket.severity not in Severity.values:
        errors["severity"] = [_("Select a valid choice.")]
    if ticket.status not in TicketStatus.values:
        errors["status"] = [_("Select a valid choice.")]
    ticket.title = (ticket.title or "").strip()
    if not ticket.title:
        errors["title"] = [_("Give the ticket a title.")]
    elif len(ticket.title) > 200:
        errors["title"] = [_("Use at most 200 characters.")]
    ticket.description = (ticket.description or "").strip()
    ticket.resolution = (ticket.resolution or "").strip()
    if ticket.due_at is None or timezone.is_naive(ticket.due_at):
        errors["due_at"] = [_("Enter a date and time with a time zone.")]
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and not ticket.resolution:
        errors["resolution"] = [_("Describe the resolution before resolving the ticket.")]
    if errors:
        raise ValidationError(errors)
    if ticket.status in OPEN_STATUSES:
        ticket.resolved_at = None
    elif ticket.resolved_at is None:
        ticket.resolved_at = timezone.now()


@transaction.atomic
def feedback_ticket_create(
    *,
    actor: User,
    customer: Customer,
    type: str,
    title: str,
    severity: str = Severity.MEDIUM,
    description: str = "",
    owner: User | None = None,
    due_at: datetime | None = None,
    request=None,
) -> FeedbackTicket:
    """Open a ticket for a customer the actor may change. The owner defaults to the customer's
    owner (or the actor when the customer has none)."""
    current = _editable(Customer, actor, customer.pk, lock=False)
    if owner is None:
        owner = current.owner if current.owner_id else actor
        if not owner.is_active:
            owner = actor
    elif owner.pk != actor.pk:
        _assignable_owner(actor, owner)
    if owner.unit_id is None:
        raise ValidationError({"owner": [_("This user does not belong to an org unit.")]})
    ticket = FeedbackTicket(
        customer=current,
        owner=owner,
        org_unit_id=owner.unit_id,
        type=type,
        severity=severity,
        title=title,
        description=description,
        due_at=due_at or default_due(severity),
        status=TicketStatus.OPEN,
    )
    _ticket_clean(ticket)
    ticket._history_user = actor
    ticket.save()
    return ticket


@transaction.atomic
def feedback_ticket_update(
    *,
    actor: User,
    ticket: FeedbackTicket,
    expected_version: int | None = None,
    owner: User | None = None,
    request=None,
    **changes: Any,
) -> FeedbackTicket:
    """Change a ticket: its fields, its status (resolving needs a resolution) or its owner."""
    unknown = set(changes) - set(TICKET_FIELDS)
    if unknown:
        raise ValueError(f"unknown ticket fields: {sorted(unknown)}")
    current = _editable(FeedbackTicket, actor, ticket.pk)
    check_version(current, expected_version)
    fields = list(changes)
    for field, value in changes.items():
        setattr(current, field, value)
    if owner is not None and owner.pk != current.owner_id:
        _assignable_owner(actor, owner)
        current.owner = owner
        current.org_unit_id = owner.unit_id
        fields += ["owner", "org_unit"]
    _ticket_clean(current)
    save_versioned(
        current,
        expected_version=expected_version if expected_version is not None else current.version,
        fields=[*fields, "resolved_at", "title", "description", "resolution"],
        actor=actor,
    )
    return current


@transaction.atomic
def feedback_ticket_delete(*, actor: User, ticket: FeedbackTicket, request=None) -> FeedbackTicket:
    """Move a ticket to the recycle bin (needs the delete permission)."""
    require_active(actor)
    return record_soft_delete(model=FeedbackTicket, pk=ticket.pk, actor=actor, request=request)

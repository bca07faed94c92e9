"""Writes of training (PRF-5): programs, sessions, invitations, attendance and scores.

Rules:
- Every write needs `can_manage_training` (managers, directors, administrators); a program with an
  owner unit can only be changed by someone whose scope holds that unit.
- People are invited and their attendance recorded only when they are in the actor's scope
  (salesdesk.org.scoping); anyone else is refused with the list of names, and nothing changes.
- Programs are optimistic-locked (`expected_version`, StaleEditError → 409) and deleted to the
  recycle bin (delete permission too). One transaction per service.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.audit import audit_record
from salesdesk.core.locking import check_version, save_versioned
from salesdesk.core.models import AuditEvent
from salesdesk.core.records import reject_unknown
from salesdesk.core.recycle import record_restore, recycle_bin
from salesdesk.org.models import OrgUnit, User
from salesdesk.org.permissions import can_manage_training
from salesdesk.org.scoping import visible_to
from salesdesk.training.models import (
    Attendance,
    AttendanceStatus,
    ProgramStatus,
    TrainingProgram,
    TrainingSession,
)

recycle_bin.register(TrainingProgram)

PROGRAM_FIELDS = ("title", "topic", "description", "owner_unit", "status")
SESSION_FIELDS = ("title", "starts_at", "ends_at", "trainer", "trainer_name", "location")
SESSION_FIELDS += ("online_link", "capacity")
MAX_BULK = 500


# ---- access ----------------------------------------------------------------------------------


def require_manager(actor: User) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Your account is not active."))
    if not can_manage_training(actor):
        raise PermissionDenied(_("You do not have permission to manage training."))


def can_change_program(actor: User, program: TrainingProgram) -> bool:
    if not can_manage_training(actor) or not actor.is_active:
        return False
    if program.owner_unit_id is None:
        return True
    return visible_to(OrgUnit.all_objects.filter(pk=program.owner_unit_id), actor).exists()


def _require_program(actor: User, program: TrainingProgram) -> None:
    require_manager(actor)
    if not can_change_program(actor, program):
        raise PermissionDenied(_("This program belongs to a unit outside your scope."))


# ---- programs --------------------------------------------------------------------------------


def _program_clean(actor: User, program: TrainingProgram) -> None:
    program.title = (program.title or "").strip()
    program.topic = (program.topic or "").strip()
    program.description = (program.description or "").strip()
    if not program.title:
        raise ValidationError({"title": [_("Enter a title.")]})
    if len(program.title) > 120:
        raise ValidationError({"title": [_("Ensure this value has at most 120 characters.")]})
    if len(program.topic) > 60:
        raise ValidationError({"topic": [_("Ensure this value has at most 60 characters.")]})
    if program.status not in ProgramStatus.values:
        raise ValidationError({"status": [_("Select a valid status.")]})
    if program.owner_unit_id is not None and not (
        visible_to(OrgUnit.objects.filter(pk=program.owner_unit_id), actor).exists()
    ):
        raise ValidationError({"owner_unit": [_("Select a unit in your scope.")]})


def _unit_value(data: dict) -> dict:
    if "owner_unit" in data and not (
        data["owner_unit"] is None or hasattr(data["owner_unit"], "pk")
    ):
        data["owner_unit_id"] = data.pop("owner_unit")
    return data


@transaction.atomic
def program_create(*, actor: User, request=None, **fields: Any) -> TrainingProgram:
    require_manager(actor)
    reject_unknown(fields, PROGRAM_FIELDS)
    program = TrainingProgram(created_by=actor, **_unit_value(dict(fields)))
    _program_clean(actor, program)
    program._history_user = actor
    program.save()
    return program


@transaction.atomic
def program_update(
    *,
    actor: User,
    program: TrainingProgram,
    expected_version: int | None = None,
    request=None,
    **changes: Any,
) -> TrainingProgram:
    _require_program(actor, program)
    reject_unknown(changes, PROGRAM_FIELDS)
    current = TrainingProgram.objects.select_for_update().get(pk=program.pk)
    check_version(current, expected_version)
    for name, value in _unit_value(dict(changes)).items():
        setattr(current, name, value)
    _program_clean(actor, current)
    fields = ["title", "topic", "description", "owner_unit_id", "status"]
    save_versioned(current, expected_version=current.version, fields=fields, actor=actor)
    return current


@transaction.atomic
def program_delete(*, actor: User, program: TrainingProgram, request=None) -> TrainingProgram:
    _require_program(actor, program)
    if not actor.has_function("can_delete"):
        raise PermissionDenied(_("You do not have permission to delete records."))
    current = TrainingProgram.objects.select_for_update().filter(pk=program.pk).first()
    if current is None:
        raise TrainingProgram.DoesNotExist
    current.deleted_at = timezone.now()
    current.deleted_by = actor
    current._change_reason = "deleted"
    current._history_user = actor
    current.save(update_fields=["deleted_at", "deleted_by"])
    audit_record(kind=AuditEvent.Kind.RECORD_DELETED, actor=actor, request=request, target=current)
    return current


def program_restore(*, actor: User, program: TrainingProgram, request=None) -> TrainingProgram:
    require_manager(actor)
    return record_restore(model=TrainingProgram, pk=program.pk, actor=actor, request=request)


# ---- sessions --------------------------------------------------------------------------------


def _session_clean(session: TrainingSession) -> None:
    session.title = (session.title or "").strip()
    session.trainer_name = (session.trainer_name or "").strip()
    session.location = (session.location or "").strip()
    session.online_link = (session.online_link or "").strip()
    errors: dict[str, list[str]] = {}
    if not session.title:
        errors["title"] = [_("Enter a title.")]
    elif len(session.title) > 120:
        errors["title"] = [_("Ensure this value has at most 120 characters.")]
    if session.starts_at is None:
        errors["starts_at"] = [_("Enter when the session starts.")]
    if session.ends_at is None:
        errors["ends_at"] = [_("Enter when the session ends.")]
    elif session.starts_at is not None and session.ends_at <= session.starts_at:
        errors["ends_at"] = [_("The session must end after it starts.")]
    if session.online_link and not session.online_link.startswith(("https://", "http://")):
        errors["online_link"] = [_("Enter a web address starting with https://.")]
    if session.capacity is not None and session.capacity < 1:
        errors["capacity"] = [_("The capacity is at least 1.")]
    if session.trainer_id is not None and not User.objects.filter(pk=session.trainer_id).exists():
        errors["trainer"] = [_("Select a person.")]
    if len(session.trainer_name) > 80 or len(session.location) > 200:
        errors["location"] = [_("Ensure this value has at most 200 characters.")]
    if errors:
        raise ValidationError(errors)
    if session.capacity is not None and session.pk:
        invited = session.attendances.count()
        if invited > session.capacity:
            raise ValidationError(
                {
                    "capacity": [
                        _("%(count)s people are already invited; the capacity cannot be lower.")
                        % {"count": invited}
                    ]
                }
            )


def _trainer_value(data: dict) -> dict:
    if "trainer" in data and not (data["trainer"] is None or hasattr(data["trainer"], "pk")):
        data["trainer_id"] = data.pop("trainer")
    return data


@transaction.atomic
def session_create(
    *, actor: User, program: TrainingProgram, request=None, **fields: Any
) -> TrainingSession:
    _require_program(actor, program)
    reject_unknown(fields, SESSION_FIELDS)
    session = TrainingSession(program=program, **_trainer_value(dict(fields)))
    _session_clean(session)
    session.save()
    return session


@transaction.atomic
def session_update(
    *,
    actor: User,
    session: TrainingSession,
    expected_version: int | None = None,
    request=None,
    **changes: Any,
) -> TrainingSession:
    _require_program(actor, session.program)
    reject_unknown(changes, SESSION_FIELDS)
    current = TrainingSession.objects.select_for_update().get(pk=session.pk)
    check_version(current, expected_version)
    for name, value in _trainer_value(dict(changes)).items():
        setattr(current, name, value)
    _session_clean(current)
    fields = [f if f != "trainer" else "trainer_id" for f in SESSION_FIELDS]
    save_versioned(current, expected_version=current.version, fields=fields, actor=actor)
    return current


@transaction.atomic
def session_delete(*, actor: User, session: TrainingSession, request=None) -> None:
    _require_program(actor, session.program)
    if Attendance.objects.filter(session=session, status=AttendanceStatus.ATTENDED).exists():
        raise ValidationError(
            _("People attended this session; it cannot be deleted (their records would be lost).")
        )
    Attendance.objects.filter(session=session).delete()
    session.delete()


# ---- invitations and attendance --------------------------------------------------------------


class PersonOutOfScope(ValidationError):
    """Someone named is not in the actor's scope (the API answers 404, the pages a message)."""


def _people_in_scope(actor: User, user_ids: list[int]) -> dict[int, User]:
    ids = sorted({int(pk) for pk in user_ids})
    found = {u.pk: u for u in visible_to(User.objects.filter(pk__in=ids), actor)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise PersonOutOfScope(
            {
                "users": [
                    _("These people are not in your scope: %(ids)s.")
                    % {"ids": ", ".join(str(pk) for pk in missing)}
                ]
            }
        )
    return found


@dataclass
class InviteResult:
    invited: int = 0
    already: int = 0


@transaction.atomic
def attendance_invite(
    *, actor: User, session: TrainingSession, user_ids: list[int], request=None
) -> InviteResult:
    """Invite people (in the actor's scope, active) to a session; people already invited stay as
    they are. The session's capacity is never exceeded."""
    _require_program(actor, session.program)
    if not user_ids:
        raise ValidationError({"users": [_("Select at least one person.")]})
    if len(user_ids) > MAX_BULK:
        raise ValidationError({"users": [_("At most %(n)s people at a time.") % {"n": MAX_BULK}]})
    people = _people_in_scope(actor, user_ids)
    inactive = [u.name for u in people.values() if not u.is_active]
    if inactive:
        raise ValidationError(
            {
                "users": [
                    _("Inactive people cannot be invited: %(names)s.")
                    % {"names": ", ".join(inactive)}
                ]
            }
        )
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    existing = set(Attendance.objects.filter(session=session).values_list("user_id", flat=True))
    new = [pk for pk in people if pk not in existing]
    if session.capacity is not None and len(existing) + len(new) > session.capacity:
        raise ValidationError(
            {
                "users": [
                    _("The session holds %(capacity)s people; %(count)s are already invited.")
                    % {"capacity": session.capacity, "count": len(existing)}
                ]
            }
        )
    Attendance.objects.bulk_create([Attendance(session=session, user_id=pk) for pk in new])
    return InviteResult(invited=len(new), already=len(people) - len(new))


def parse_score(raw: Any, field: str) -> Decimal | None:
    """A score from a form or the API: empty → None; else a number 0–100 with one decimal."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValidationError({field: [_("A score is a number from 0 to 100.")]})
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("A score is a number from 0 to 100.")]}) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValidationError({field: [_("A score is a number from 0 to 100.")]})
    if value != value.quantize(Decimal("0.1")):
        raise ValidationError({field: [_("A score has at most one decimal.")]})
    return value.quantize(Decimal("0.1"))


@dataclass
class AttendanceRow:
    """One row of the attendance grid: the person and what to record (None = leave as it is)."""

    user_id: int
    status: str | None = None
    pre_score: Any = None
    post_score: Any = None
    feedback: str | None = None
    # Explicitly clear a score (the grid sends every cell; the API only what it changes).
    clear_scores: bool = False


@transaction.atomic
def attendance_record(
    *, actor: User, session: TrainingSession, rows: list[AttendanceRow], request=None
) -> list[Attendance]:
    """Record status, scores and feedback for people of one session (the grid). All rows are
    checked first; one bad row refuses the whole grid with the person's name in the message."""
    _require_program(actor, session.program)
    if not rows:
        raise ValidationError({"rows": [_("Nothing to record.")]})
    if len(rows) > MAX_BULK:
        raise ValidationError({"rows": [_("At most %(n)s people at a time.") % {"n": MAX_BULK}]})
    people = _people_in_scope(actor, [r.user_id for r in rows])
    current = {
        a.user_id: a
        for a in Attendance.objects.select_for_update().filter(
            session=session, user_id__in=list(people)
        )
    }
    not_invited = [people[r.user_id].name for r in rows if r.user_id not in current]
    if not_invited:
        raise ValidationError(
            {
                "rows": [
                    _("Not invited to this session: %(names)s.") % {"names": ", ".join(not_invited)}
                ]
            }
        )
    now = timezone.now()
    changed = []
    for row in rows:
        record = current[row.user_id]
        name = people[row.user_id].name
        try:
            if row.status is not None:
                if row.status not in AttendanceStatus.values:
                    raise ValidationError({"status": [_("Select a valid status.")]})
                record.status = row.status
            pre = parse_score(row.pre_score, "pre_score")
            post = parse_score(row.post_score, "post_score")
        except ValidationError as exc:
            messages = exc.message_dict
            raise ValidationError(
                {field: [f"{name}: {m}" for m in msgs] for field, msgs in messages.items()}
            ) from None
        if pre is not None or row.clear_scores:
            record.pre_score = pre
        if post is not None or row.clear_scores:
            record.post_score = post
        if row.feedback is not None:
            record.feedback = row.feedback.strip()[:2000]
        if record.post_score is not None and record.status != AttendanceStatus.ATTENDED:
            raise ValidationError(
                {
                    "post_score": [
                        _("%(name)s: a post-training score needs the status “attended”.")
                        % {"name": name}
                    ]
                }
            )
        record.updated_at = now
        changed.append(record)
    Attendance.objects.bulk_update(
        changed, ["status", "pre_score", "post_score", "feedback", "updated_at"]
    )
    return changed


@transaction.atomic
def attendance_remove(*, actor: User, session: TrainingSession, user_id: int, request=None) -> None:
    _require_program(actor, session.program)
    _people_in_scope(actor, [user_id])
    Attendance.objects.filter(session=session, user_id=user_id).delete()

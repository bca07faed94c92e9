"""Training services: permission and scope checks, validation with clear messages, optimistic
locking, the recycle bin; every refusal changes nothing."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salesdesk.core.locking import StaleEditError
from salesdesk.training import services
from salesdesk.training.models import Attendance, TrainingProgram, TrainingSession
from tests.training.conftest import SESSION_DAY, at

pytestmark = pytest.mark.django_db


def _attendance():
    return list(Attendance.objects.order_by("pk").values())


@pytest.mark.parametrize("persona", ["rep", "other_rep", "lead", "deactivated"])
def test_only_training_managers_write(org, program, session, persona):
    user = org.personas()[persona]
    before = (list(TrainingProgram.objects.values()), list(TrainingSession.objects.values()))
    with pytest.raises(PermissionDenied):
        services.program_create(actor=user, title="X")
    with pytest.raises(PermissionDenied):
        services.program_update(actor=user, program=program, title="Y")
    with pytest.raises(PermissionDenied):
        services.session_create(
            actor=user,
            program=program,
            title="S",
            starts_at=at(SESSION_DAY),
            ends_at=at(SESSION_DAY, 10),
        )
    with pytest.raises(PermissionDenied):
        services.attendance_invite(actor=user, session=session, user_ids=[org.rep.pk])
    assert before == (
        list(TrainingProgram.objects.values()),
        list(TrainingSession.objects.values()),
    )
    assert _attendance() == []


def test_program_validation_and_stale_edit(org, program):
    with pytest.raises(ValidationError) as exc:
        services.program_create(actor=org.director, title="  ")
    assert exc.value.message_dict == {"title": ["Enter a title."]}
    with pytest.raises(ValidationError) as exc:
        services.program_create(actor=org.director, title="T", status="bogus")
    assert exc.value.message_dict == {"status": ["Select a valid status."]}
    with pytest.raises(ValidationError) as exc:
        services.program_create(actor=org.director, title="T", owner_unit=org.hq.pk)
    assert exc.value.message_dict == {"owner_unit": ["Select a unit in your scope."]}
    updated = services.program_update(
        actor=org.director, program=program, expected_version=1, title="新标题 New"
    )
    assert (updated.title, updated.version) == ("新标题 New", 2)
    with pytest.raises(StaleEditError):
        services.program_update(actor=org.director, program=program, expected_version=1, title="Z")
    assert TrainingProgram.objects.get(pk=program.pk).title == "新标题 New"


def test_a_unit_program_is_changed_only_from_inside_its_scope(org, manager):
    program = services.program_create(
        actor=org.director, title="Team A only", owner_unit=org.team_a.pk
    )
    assert not services.can_change_program(manager, program)
    with pytest.raises(PermissionDenied):
        services.program_update(actor=manager, program=program, title="mine now")
    assert services.can_change_program(org.director, program)


def test_delete_to_recycle_bin_and_restore(org, program):
    services.program_delete(actor=org.director, program=program)
    assert not TrainingProgram.objects.filter(pk=program.pk).exists()
    assert TrainingProgram.all_objects.get(pk=program.pk).deleted_by == org.director
    services.program_restore(actor=org.admin, program=program)
    assert TrainingProgram.objects.filter(pk=program.pk).exists()


def test_session_validation(org, program):
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            actor=org.director,
            program=program,
            title="",
            starts_at=at(SESSION_DAY, 10),
            ends_at=at(SESSION_DAY, 9),
            online_link="ftp://x",
            capacity=0,
        )
    assert exc.value.message_dict == {
        "title": ["Enter a title."],
        "ends_at": ["The session must end after it starts."],
        "online_link": ["Enter a web address starting with https://."],
        "capacity": ["The capacity is at least 1."],
    }
    assert not TrainingSession.objects.exists()


def test_invite_within_scope_and_capacity(org, manager, session):
    # the manager of Team B cannot invite Team A's rep: nothing changes
    with pytest.raises(services.PersonOutOfScope):
        services.attendance_invite(
            actor=manager, session=session, user_ids=[org.other_rep.pk, org.rep.pk]
        )
    assert _attendance() == []
    result = services.attendance_invite(actor=manager, session=session, user_ids=[org.other_rep.pk])
    assert (result.invited, result.already) == (1, 0)
    again = services.attendance_invite(
        actor=org.director, session=session, user_ids=[org.other_rep.pk, org.rep.pk]
    )
    assert (again.invited, again.already) == (1, 1)
    with pytest.raises(ValidationError) as exc:
        services.attendance_invite(
            actor=org.director, session=session, user_ids=[org.deactivated.pk]
        )
    assert "Inactive people cannot be invited" in exc.value.messages[0]
    session.capacity = 2
    session.save()
    with pytest.raises(ValidationError) as exc:
        services.attendance_invite(actor=org.director, session=session, user_ids=[org.lead.pk])
    assert exc.value.messages == ["The session holds 2 people; 2 are already invited."]
    assert Attendance.objects.count() == 2


@pytest.mark.parametrize(
    ("pre", "post", "status", "message"),
    [
        ("101", "", "attended", "A score is a number from 0 to 100."),
        ("-1", "", "attended", "A score is a number from 0 to 100."),
        ("abc", "", "attended", "A score is a number from 0 to 100."),
        ("50.25", "", "attended", "A score has at most one decimal."),
        ("", "70", "absent", "a post-training score needs the status “attended”."),
        ("", "", "gone", "Select a valid status."),
    ],
)
def test_recording_bad_rows_refuses_the_whole_grid(org, attended, pre, post, status, message):
    before = _attendance()
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(
            actor=org.director,
            session=attended,
            rows=[
                services.AttendanceRow(org.other_rep.pk, "attended", "90", "95"),
                services.AttendanceRow(org.rep.pk, status, pre, post),
            ],
        )
    assert any(message in m and org.rep.name in m for m in exc.value.messages), exc.value.messages
    assert _attendance() == before


def test_recording_scores(org, attended):
    rep = Attendance.objects.get(user=org.rep)
    assert (rep.status, rep.pre_score, rep.post_score, rep.feedback) == (
        "attended",
        D("60.0"),
        D("80.0"),
        "很有用 Useful",
    )
    # a row leaves what it does not send; clear_scores empties the scores
    services.attendance_record(
        actor=org.director,
        session=attended,
        rows=[services.AttendanceRow(org.rep.pk, post_score="85.5")],
    )
    rep.refresh_from_db()
    assert (rep.pre_score, rep.post_score) == (D("60.0"), D("85.5"))
    services.attendance_record(
        actor=org.director,
        session=attended,
        rows=[services.AttendanceRow(org.rep.pk, clear_scores=True)],
    )
    rep.refresh_from_db()
    assert (rep.pre_score, rep.post_score) == (None, None)


def test_recording_someone_not_invited_or_out_of_scope(org, manager, attended, third):
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(
            actor=org.director,
            session=attended,
            rows=[services.AttendanceRow(third.pk, "attended")],
        )
    assert exc.value.messages == [f"Not invited to this session: {third.name}."]
    with pytest.raises(services.PersonOutOfScope):
        services.attendance_record(
            actor=manager, session=attended, rows=[services.AttendanceRow(org.rep.pk, "absent")]
        )
    assert Attendance.objects.get(user=org.rep).status == "attended"


def test_a_session_people_attended_is_not_deleted(org, attended):
    with pytest.raises(ValidationError):
        services.session_delete(actor=org.director, session=attended)
    assert TrainingSession.objects.filter(pk=attended.pk).exists()

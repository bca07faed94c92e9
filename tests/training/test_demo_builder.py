"""Demo training: bounded, deterministic, and the effect page has numbers over the demo facts."""

from __future__ import annotations

from datetime import date

import pytest

from salesdesk.demo.runner import build_demo
from salesdesk.org.models import User
from salesdesk.training import selectors
from salesdesk.training.models import Attendance, TrainingProgram, TrainingSession

TODAY = date(2026, 6, 15)


@pytest.mark.django_db
def test_small_demo_has_programs_attendance_and_an_effect():
    build_demo(size="small", seed=2026, today=TODAY)
    assert TrainingProgram.objects.count() == 3
    assert TrainingSession.objects.count() == 4
    attended = Attendance.objects.filter(status="attended")
    assert attended.exists() and attended.filter(post_score__isnull=False).exists()
    assert not Attendance.objects.filter(
        status="invited", session__starts_at__date__lt=date(2026, 6, 1)
    ).exists()
    key_account = TrainingProgram.objects.get(title__startswith="大客户")
    director = User.objects.get(username="director")
    report = selectors.program_effect(director, key_account, metric="signed_amount", today=TODAY)
    assert report.effect.trainees.size > 0 and report.effect.peers.size > 0
    assert report.effect.did is not None and report.complete_weeks == 8
    assert report.scores.improvement > 0
    first = _rows()
    build_demo(size="small", seed=2026, today=TODAY, reset=True)  # the same seed, the same data
    assert _rows() == first


def _rows():
    return sorted(
        Attendance.objects.values_list(
            "session__title", "user__username", "status", "pre_score", "post_score"
        )
    )

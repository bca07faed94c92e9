"""Training pages × personas: status codes, permissions (403 before anything changes), 0 leaks
(a rep never sees another rep's scores), the attendance grid round trip, the effect page."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from salesdesk.training.models import Attendance, TrainingProgram

pytestmark = pytest.mark.django_db
PERSONAS = ("rep", "other_rep", "lead", "manager", "director", "admin")


def _people(org, manager):
    return {**org.personas(), "manager": manager}


def test_every_page_opens_for_everyone_signed_in(org, manager, program, attended, login):
    urls = [
        reverse("web:training_list"),
        reverse("web:training_list") + "?q=销售&sort=-title&status=planned",
        reverse("web:training_mine"),
        reverse("web:training_program_detail", args=[program.pk]),
        reverse("web:training_session_detail", args=[attended.pk]),
        reverse("web:training_effect", args=[program.pk]) + "?metric=win_rate&weeks=4",
        reverse("web:training_effect", args=[program.pk]) + "?metric=bogus&weeks=99",
    ]
    for persona in PERSONAS:
        client = login(_people(org, manager)[persona])
        for url in urls:
            assert client.get(url).status_code == 200, (persona, url)
    assert login(None).get(urls[0]).status_code == 302
    assert login(org.rep).get(reverse("web:training_program_detail", args=[999])).status_code == 404


@pytest.mark.parametrize("persona", ["rep", "other_rep", "lead"])
def test_write_pages_are_forbidden_without_permission(
    org, manager, program, attended, login, persona
):
    client = login(org.personas()[persona])
    before = (
        list(Attendance.objects.order_by("pk").values()),
        list(TrainingProgram.objects.values()),
    )
    for name, args in [
        ("web:training_program_create", []),
        ("web:training_program_edit", [program.pk]),
        ("web:training_session_create", [program.pk]),
        ("web:training_session_edit", [attended.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403
    posts = [
        (reverse("web:training_program_create"), {"title": "X", "status": "planned"}),
        (reverse("web:training_program_delete", args=[program.pk]), {}),
        (reverse("web:training_session_invite", args=[attended.pk]), {"users": [org.lead.pk]}),
        (
            reverse("web:training_session_record", args=[attended.pk]),
            {"row": [org.rep.pk], f"status-{org.rep.pk}": "absent"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403
    after = list(Attendance.objects.order_by("pk").values()), list(TrainingProgram.objects.values())
    assert before == after


def test_a_rep_never_sees_another_reps_scores(org, manager, attended, login):
    url = reverse("web:training_session_detail", args=[attended.pk])
    rep_page = login(org.rep).get(url).content.decode()
    assert org.rep.name in rep_page and org.other_rep.name not in rep_page
    assert "80.0" in rep_page
    other_page = login(org.other_rep).get(url).content.decode()
    assert org.rep.name not in other_page and "80.0" not in other_page
    assert "55.0" in other_page  # their own pre-training score
    manager_page = login(manager).get(url).content.decode()  # Team B: other_rep only
    assert org.other_rep.name in manager_page and org.rep.name not in manager_page
    director_page = login(org.director).get(url).content.decode()
    assert org.rep.name in director_page and org.other_rep.name in director_page
    mine = login(org.other_rep).get(reverse("web:training_mine")).content.decode()
    assert "55.0" in mine and "80.0" not in mine


def test_program_and_session_forms_round_trip(org, login):
    client = login(org.director)
    response = client.post(
        reverse("web:training_program_create"),
        {"title": "产品知识 Product knowledge", "topic": "product", "status": "active"},
    )
    program = TrainingProgram.objects.get(title="产品知识 Product knowledge")
    assert response.status_code == 302
    bad = client.post(reverse("web:training_program_create"), {"title": "", "status": "active"})
    assert bad.status_code == 422
    response = client.post(
        reverse("web:training_session_create", args=[program.pk]),
        {"title": "S1", "starts_at": "2026-03-04T09:00", "ends_at": "2026-03-04T08:00"},
    )
    assert response.status_code == 422
    assert "The session must end after it starts." in response.content.decode()
    response = client.post(
        reverse("web:training_program_edit", args=[program.pk]),
        {"title": "P2", "status": "active", "version": 99},
    )
    assert response.status_code == 409
    assert TrainingProgram.objects.get(pk=program.pk).title == "产品知识 Product knowledge"


def test_the_attendance_grid_records_scores(org, attended, login):
    client = login(org.director)
    rep, other = org.rep.pk, org.other_rep.pk
    response = client.post(
        reverse("web:training_session_record", args=[attended.pk]),
        {
            "row": [rep, other],
            f"status-{rep}": "attended",
            f"pre-{rep}": "61",
            f"post-{rep}": "90",
            f"status-{other}": "excused",
            f"pre-{other}": "",
            f"post-{other}": "",
        },
    )
    assert response.status_code == 302
    got = {a.user_id: (a.status, a.pre_score, a.post_score) for a in Attendance.objects.all()}
    assert got == {rep: ("attended", D("61.0"), D("90.0")), other: ("excused", None, None)}
    bad = client.post(
        reverse("web:training_session_record", args=[attended.pk]),
        {"row": [rep], f"status-{rep}": "attended", f"pre-{rep}": "120"},
        follow=True,
    )
    assert "A score is a number from 0 to 100." in bad.content.decode()
    assert Attendance.objects.get(user_id=rep).pre_score == D("61.0")


def test_the_effect_page_shows_the_numbers_and_caveats(org, third, program, attended, facts, login):
    page = login(org.director).get(
        reverse("web:training_effect", args=[program.pk]) + "?metric=signed_amount&weeks=2"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "training-effect-data" in html and "data-training-effect-chart" in html
    assert "parallel trends" in html and "selection bias" in html
    assert "¥150.00" in html  # the difference in differences (see test_selectors)


def test_list_and_effect_pages_pin_their_queries(org, third, program, attended, facts, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from salesdesk.training import services

    for n in range(5):
        services.program_create(actor=org.director, title=f"P{n}")
    client = login(org.director)
    url = reverse("web:training_list")
    client.get(url)  # warm the session and the per-user caches
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5, 25):
        services.program_create(actor=org.director, title=f"P{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)  # independent of the number of programs
    effect = reverse("web:training_effect", args=[program.pk]) + "?weeks=8"
    with CaptureQueriesContext(connection) as queries:
        client.get(effect)
    weekly = [q for q in queries.captured_queries if "metrics_metricfact" in q["sql"]]
    assert len(weekly) == 16  # one grouped read per week of the two windows


def test_pages_render_in_chinese(org, program, attended, facts):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(org.director)
    for url in [
        reverse("web:training_list"),
        reverse("web:training_session_detail", args=[attended.pk]),
        reverse("web:training_effect", args=[program.pk]) + "?weeks=2",
    ]:
        assert client.get(url).status_code == 200, url

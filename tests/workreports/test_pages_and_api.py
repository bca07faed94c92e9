"""Work report pages and API: the access matrix (rep, other rep, team lead, manager, director,
admin) with exact visibility and denials that change nothing, the form, comments (htmx), read
status, the missing overview, pinned query counts and both languages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from salesdesk.workreports import services
from salesdesk.workreports.models import WorkReport, WorkReportComment, WorkReportRead
from tests.api.conftest import ApiClient
from tests.workreports.conftest import VISIBLE, persona

DELETERS = {"manager", "director", "admin"}


def _snapshot():
    return (
        list(WorkReport.all_objects.order_by("pk").values()),
        list(WorkReportComment.objects.order_by("pk").values_list("pk", "text")),
    )


def _client(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", sorted(VISIBLE))
def test_access_matrix_pages(org, manager, reports, name):
    user = persona(org, manager, name)
    client = _client(user)
    shown = set()
    for tab in ("mine", "team", "unread"):
        response = client.get(reverse("web:workreport_list") + f"?tab={tab}")
        assert response.status_code == 200
        shown |= {k for k, r in reports.items() if f'href="/work-reports/{r.pk}/"' in response.text}
    assert shown == VISIBLE[name]
    missing = client.get(reverse("web:workreport_missing"))
    assert missing.status_code == (403 if name in ("rep", "other_rep") else 200)
    for key, report in reports.items():
        before = _snapshot()
        edit = client.post(
            reverse("web:workreport_edit", args=[report.pk]),
            {"summary": "hacked", "plan": "", "version": report.version},
        )
        submit = client.post(reverse("web:workreport_submit", args=[report.pk]))
        is_own = report.owner_id == user.pk
        if key not in VISIBLE[name]:
            detail = client.get(reverse("web:workreport_detail", args=[report.pk]))
            comment = client.post(
                reverse("web:workreport_comment", args=[report.pk]), {"text": "x"}
            )
            delete = client.post(reverse("web:workreport_delete", args=[report.pk]))
            assert {detail.status_code, comment.status_code, delete.status_code} == {404}
            assert {edit.status_code, submit.status_code} == {404}
            assert _snapshot() == before
        elif not is_own:
            assert edit.status_code == 403 and submit.status_code == 403
            assert _snapshot() == before
            detail = client.get(reverse("web:workreport_detail", args=[report.pk]))
            assert detail.status_code == 200 and report.summary in detail.text
            assert WorkReportRead.objects.filter(report=report, reader=user).exists()
            assert "/edit/" not in detail.text
        else:
            assert edit.status_code in (302, 403)
    if name not in DELETERS:
        for key in VISIBLE[name] - {"rep_draft"}:  # an author may discard their own draft
            before = _snapshot()
            response = client.post(reverse("web:workreport_delete", args=[reports[key].pk]))
            assert response.status_code == 403
            assert _snapshot() == before


@pytest.mark.parametrize("name", sorted(VISIBLE))
def test_access_matrix_api(org, manager, reports, name):
    user = persona(org, manager, name)
    api = ApiClient(user)
    ids = set()
    for tab in ("mine", "team", "unread"):
        body = api.get(f"/api/v1/work-reports?tab={tab}&page_size=200").json()
        ids |= {i["id"] for i in body["items"]}
    assert {k for k, r in reports.items() if r.pk in ids} == VISIBLE[name]
    for key, report in reports.items():
        before = _snapshot()
        read = api.get(f"/api/v1/work-reports/{report.pk}")
        patch = api.patch(f"/api/v1/work-reports/{report.pk}", {"version": 1, "summary": "x"})
        submit = api.post(f"/api/v1/work-reports/{report.pk}/submit", {})
        is_own = report.owner_id == user.pk
        if key not in VISIBLE[name]:
            comment = api.post(f"/api/v1/work-reports/{report.pk}/comments", {"text": "x"})
            delete = api.delete(f"/api/v1/work-reports/{report.pk}")
            codes = {read, patch, submit, comment, delete}
            assert {r.status_code for r in codes} == {404}
            assert _snapshot() == before
        elif not is_own:
            assert read.status_code == 200
            assert read.json()["numbers"] == report.numbers
            assert (patch.status_code, submit.status_code) == (403, 403)
            assert _snapshot() == before
        if name not in DELETERS and key in VISIBLE[name] and key != "rep_draft":
            before = _snapshot()
            assert api.delete(f"/api/v1/work-reports/{report.pk}").status_code == 403
            assert _snapshot() == before


def test_api_create_update_submit_comment_and_read(org):
    api = ApiClient(org.rep)
    today = timezone.localdate()
    created = api.post("/api/v1/work-reports", {"kind": "weekly", "plan": "拜访华信"})
    assert created.status_code == 201, created.json()
    body = created.json()
    monday = today - timedelta(days=today.weekday())
    assert (body["period_start"], body["status"]) == (monday.isoformat(), "draft")
    assert body["numbers"]["signed_amount"] == "0.00"
    duplicate = api.post("/api/v1/work-reports", {"kind": "weekly"})
    assert duplicate.status_code == 422 and f"#{body['id']}" in duplicate.json()["fields"]["day"][0]
    future = api.post(
        "/api/v1/work-reports", {"kind": "daily", "day": (today + timedelta(days=2)).isoformat()}
    )
    assert future.status_code == 422 and "day" in future.json()["fields"]
    empty = api.post(f"/api/v1/work-reports/{body['id']}/submit", {"version": 1})
    assert empty.status_code == 422 and "summary" in empty.json()["fields"]
    ok = api.patch(f"/api/v1/work-reports/{body['id']}", {"version": 1, "summary": "签约 2 单"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api.patch(f"/api/v1/work-reports/{body['id']}", {"version": 1, "summary": "old"})
    assert stale.status_code == 409
    done = api.post(f"/api/v1/work-reports/{body['id']}/submit", {"version": 2})
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    lead = ApiClient(org.lead)
    assert lead.get("/api/v1/work-reports?tab=unread").json()["count"] == 1
    opened = lead.get(f"/api/v1/work-reports/{body['id']}").json()
    assert opened["summary"] == "签约 2 单"
    assert lead.get("/api/v1/work-reports?tab=unread").json()["count"] == 0
    comment = lead.post(f"/api/v1/work-reports/{body['id']}/comments", {"text": "不错"})
    assert comment.status_code == 201 and comment.json()["author"]["username"] == "lead"
    mine = api.get(f"/api/v1/work-reports/{body['id']}").json()
    assert [r["reader"]["username"] for r in mine["reads"]] == ["lead"]
    assert [c["text"] for c in mine["comments"]] == ["不错"]
    locked = api.patch(f"/api/v1/work-reports/{body['id']}", {"version": 3, "summary": "x"})
    assert locked.status_code == 403


def test_form_creates_submits_and_comments_through_the_pages(org):
    client = _client(org.rep)
    today = timezone.localdate()
    form = client.get(reverse("web:workreport_create") + "?kind=monthly")
    assert form.status_code == 200 and 'data-metric="signed_amount"' in form.text
    response = client.post(
        reverse("web:workreport_create"),
        {"kind": "daily", "day": today.isoformat(), "summary": "今天拜访 2 家", "submit": "1"},
    )
    assert response.status_code == 302
    report = WorkReport.objects.get(owner=org.rep)
    assert report.status == "submitted" and report.numbers["activities"] == "0"
    duplicate = client.post(
        reverse("web:workreport_create"), {"kind": "daily", "day": today.isoformat()}
    )
    assert duplicate.status_code == 200
    assert reverse("web:workreport_detail", args=[report.pk]) in duplicate.text
    lead = _client(org.lead)
    added = lead.post(
        reverse("web:workreport_comment", args=[report.pk]),
        {"text": "明天跟进报价"},
        HTTP_HX_REQUEST="true",
    )
    assert added.status_code == 200 and "明天跟进报价" in added.text
    assert "<html" not in added.text
    blank = lead.post(
        reverse("web:workreport_comment", args=[report.pk]), {"text": " "}, HTTP_HX_REQUEST="true"
    )
    assert blank.status_code == 422 and "Write a comment." in blank.text
    detail = client.get(reverse("web:workreport_detail", args=[report.pk]))
    assert "李主管 Lead Li" in detail.text and "/edit/" not in detail.text
    stale = client.post(reverse("web:workreport_edit", args=[report.pk]), {"version": 1})
    assert stale.status_code == 403


def test_stale_edit_page_shows_the_conflict(org):
    report = services.workreport_create(actor=org.rep, kind="daily", summary="v1")
    services.workreport_update(actor=org.rep, report=report, expected_version=1, summary="v2")
    response = _client(org.rep).post(
        reverse("web:workreport_edit", args=[report.pk]),
        {"summary": "mine", "plan": "", "version": 1},
    )
    assert response.status_code == 409 and "Reload the current version" in response.text
    report.refresh_from_db()
    assert report.summary == "v2"


def _more_reports(org, count, offset):
    today = timezone.localdate()
    for i in range(count):
        services.workreport_create(
            actor=org.rep,
            kind="daily",
            day=today - timedelta(days=offset + i),
            summary="s",
            submit=True,
        )


def test_list_page_and_api_queries_are_pinned(org, reports):
    def measure(count, offset):
        _more_reports(org, count, offset)
        client = _client(org.lead)
        api = ApiClient(org.lead)
        client.get(reverse("web:workreport_list") + "?tab=team")  # warm the session and caches
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("web:workreport_list") + "?tab=team").status_code == 200
        with CaptureQueriesContext(connection) as listing:
            assert api.get("/api/v1/work-reports?tab=team").status_code == 200
        return len(page), len(listing)

    first = measure(1, 10)
    assert measure(6, 20) == first
    assert first[1] <= 8, first


def test_pages_render_in_both_languages(org, reports):
    report = reports["rep_sub"]
    for language, words in (
        ("en", ["Work reports", "My team", "Numbers of the period", "Not yet submitted"]),
        ("zh-hans", ["工作报告", "我的团队", "本期数据", "未提交"]),
    ):
        client = _client(org.lead, language)
        pages = [
            client.get(reverse("web:workreport_list") + "?tab=team"),
            client.get(reverse("web:workreport_detail", args=[report.pk])),
            client.get(reverse("web:workreport_create")),
            client.get(reverse("web:workreport_missing")),
        ]
        assert [p.status_code for p in pages] == [200, 200, 200, 200]
        text = "".join(p.text for p in pages)
        for word in words:
            assert word in text, (language, word)

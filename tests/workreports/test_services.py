"""Work report services and selectors: period rules, the snapshot, editing, comments, reads,
the unread count, the missing overview and the inbox source."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from salesdesk.core.inbox import inbox_counts, inbox_items
from salesdesk.core.locking import StaleEditError
from salesdesk.metrics.selectors import metric_values
from salesdesk.metrics.sources import add_rows
from salesdesk.workreports import selectors, services
from salesdesk.workreports.models import (
    ReportStatus,
    WorkReport,
    WorkReportRead,
    period_for,
    period_label,
)
from salesdesk.workreports.numbers import SNAPSHOT_METRICS


@pytest.mark.parametrize(
    ("kind", "day", "start", "end", "label"),
    [
        ("daily", date(2026, 3, 4), date(2026, 3, 4), date(2026, 3, 4), "2026-03-04"),
        ("weekly", date(2026, 3, 4), date(2026, 3, 2), date(2026, 3, 8), "2026-W10"),
        # ISO week 1 of 2026 starts on Monday 29 December 2025.
        ("weekly", date(2026, 1, 1), date(2025, 12, 29), date(2026, 1, 4), "2026-W01"),
        # 2021-01-03 (a Sunday) belongs to 2020-W53.
        ("weekly", date(2021, 1, 3), date(2020, 12, 28), date(2021, 1, 3), "2020-W53"),
        ("weekly", date(2026, 3, 8), date(2026, 3, 2), date(2026, 3, 8), "2026-W10"),
        ("monthly", date(2024, 2, 17), date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        ("monthly", date(2025, 12, 31), date(2025, 12, 1), date(2025, 12, 31), "2025-12"),
        ("monthly", date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 31), "2026-01"),
    ],
)
def test_period_derivation(kind, day, start, end, label):
    assert period_for(kind, day) == (start, end)
    assert period_label(kind, start) == label


def _fact(fact, owner, day, value="0", count=1):
    add_rows([(fact, owner.pk, owner.unit_id, day, value, count)])


def test_submit_snapshots_the_metric_layer_figures_of_the_period(org):
    today = timezone.localdate()
    start, end = period_for("weekly", today - timedelta(days=7))
    _fact("signed", org.rep, start, "1200.50", 1)
    _fact("signed", org.rep, end, "800.00", 2)
    _fact("signed", org.rep, end + timedelta(days=1), "999.00", 1)  # next week: not counted
    _fact("signed", org.other_rep, start, "5000.00", 1)  # someone else: not counted
    _fact("payment", org.rep, start + timedelta(days=2), "300.25", 1)
    _fact("won", org.rep, start + timedelta(days=3), "4000.00", 2)
    _fact("activity", org.rep, start, "0", 5)
    report = services.workreport_create(
        actor=org.rep, kind="weekly", day=start, summary="拜访 3 家客户"
    )
    assert report.status == ReportStatus.DRAFT and report.numbers == {}
    submitted = services.workreport_submit(actor=org.rep, report=report, expected_version=1)
    assert submitted.numbers == {
        "signed_amount": "2000.50",
        "contract_count": "3",
        "payments_received": "300.25",
        "won_deals": "2",
        "won_amount": "4000.00",
        "new_customers": "0",
        "activities": "5",
    }
    for key in SNAPSHOT_METRICS:
        expected = metric_values(key, start=start, end=end, users=[org.rep])[None]
        assert Decimal(submitted.numbers[key]) == expected
    # The snapshot stays when the facts change later.
    _fact("signed", org.rep, start + timedelta(days=1), "1.00", 1)
    submitted.refresh_from_db()
    assert submitted.numbers["signed_amount"] == "2000.50"
    assert submitted.submitted_at is not None and submitted.version == 2


def test_validation_errors_change_nothing(org):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.workreport_create(actor=org.rep, kind="monthly", day=today + timedelta(days=40))
    assert "day" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.workreport_create(actor=org.rep, kind="yearly")
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.workreport_create(actor=org.rep, kind="daily", submit=True, summary="  ")
    assert exc.value.message_dict["summary"] == ["Write a summary before submitting the report."]
    assert WorkReport.all_objects.count() == 0
    first = services.workreport_create(actor=org.rep, kind="daily")
    with pytest.raises(services.DuplicateReportError) as dup:
        services.workreport_create(actor=org.rep, kind="daily", summary="again")
    assert dup.value.existing == first
    assert f"#{first.pk}" in dup.value.message_dict["day"][0]
    with pytest.raises(ValidationError):
        services.workreport_submit(actor=org.rep, report=first)
    first.refresh_from_db()
    assert (first.status, first.version, WorkReport.objects.count()) == ("draft", 1, 1)


def test_stale_edit_is_refused(org):
    report = services.workreport_create(actor=org.rep, kind="daily", summary="v1")
    services.workreport_update(actor=org.rep, report=report, expected_version=1, summary="v2")
    with pytest.raises(StaleEditError) as exc:
        services.workreport_update(actor=org.rep, report=report, expected_version=1, plan="old")
    assert "changed by" in exc.value.messages[0]
    report.refresh_from_db()
    assert (report.summary, report.plan, report.version) == ("v2", "", 2)
    assert report.history.count() == 2


def test_only_the_author_edits_and_not_after_a_manager_comment(org):
    report = services.workreport_create(actor=org.rep, kind="daily", summary="s", submit=True)
    with pytest.raises(PermissionDenied):
        services.workreport_update(actor=org.lead, report=report, summary="lead")
    with pytest.raises(WorkReport.DoesNotExist):
        services.workreport_update(actor=org.other_rep, report=report, summary="x")
    services.workreport_comment(actor=org.rep, report=report, text="a note of mine")
    services.workreport_update(actor=org.rep, report=report, summary="still mine")
    services.workreport_comment(actor=org.lead, report=report, text="好，继续跟进")
    with pytest.raises(PermissionDenied):
        services.workreport_update(actor=org.rep, report=report, summary="too late")
    report.refresh_from_db()
    assert report.summary == "still mine"
    assert [c.author for c in selectors.report_comments(report)] == [org.rep, org.lead]
    # Commenting marks the report read by the commenting manager.
    assert [r.reader for r in selectors.report_reads(report)] == [org.lead]


def test_comments_need_a_visible_submitted_report_and_text(org):
    draft = services.workreport_create(actor=org.rep, kind="daily", summary="s")
    with pytest.raises(WorkReport.DoesNotExist):  # a draft is private
        services.workreport_comment(actor=org.lead, report=draft, text="hi")
    with pytest.raises(ValidationError):
        services.workreport_comment(actor=org.rep, report=draft, text="hi")
    services.workreport_submit(actor=org.rep, report=draft)
    with pytest.raises(WorkReport.DoesNotExist):
        services.workreport_comment(actor=org.other_rep, report=draft, text="hi")
    with pytest.raises(ValidationError) as exc:
        services.workreport_comment(actor=org.lead, report=draft, text="  ")
    assert exc.value.message_dict == {"text": ["Write a comment."]}
    assert draft.comments.count() == 0


def test_reads_unread_count_and_inbox_source(org, manager, reports):
    until = timezone.now()
    assert selectors.unread_count(org.lead) == 1  # rep's submitted daily (not the draft)
    assert selectors.unread_count(org.director) == 3
    assert selectors.unread_count(manager) == 1
    assert selectors.unread_count(org.rep) == 0
    items = inbox_items(org.director, until=until, kinds={"workreport_unread"})
    assert sorted(i.key for i in items) == sorted(
        f"workreport_unread:{reports[k].pk}" for k in ("rep_sub", "other_sub", "lead_sub")
    )
    assert items[0].url.startswith("/work-reports/")
    assert inbox_counts(org.rep, until=until, kinds={"workreport_unread"}) == {
        "workreport_unread": 0
    }
    assert services.workreport_mark_read(reader=org.director, report=reports["rep_sub"])
    assert not services.workreport_mark_read(reader=org.director, report=reports["rep_sub"])
    assert not services.workreport_mark_read(reader=org.rep, report=reports["rep_sub"])
    assert inbox_counts(org.director, until=until, kinds={"workreport_unread"}) == {
        "workreport_unread": 2
    }
    assert WorkReportRead.objects.count() == 1


def test_missing_overview_lists_who_has_not_submitted(org, manager, reports):
    overview = selectors.missing_overview(org.director, today=timezone.localdate())
    rows = {r.user.username: (r.daily_missing, r.weekly_missing) for r in overview.rows}
    # rep: daily submitted, weekly only a draft; other_rep: no weekly; lead: no daily.
    assert rows == {"rep": (False, True), "other_rep": (False, True), "lead": (True, False)}
    lead_view = selectors.missing_overview(org.lead, today=timezone.localdate())
    assert {r.user.username: r.weekly_missing for r in lead_view.rows} == {"rep": True}
    assert selectors.missing_overview(org.rep, today=timezone.localdate()).rows == []


def test_delete_and_restore(org, reports):
    report = reports["rep_sub"]
    with pytest.raises(PermissionDenied):  # reps have no delete permission
        services.workreport_delete(actor=org.rep, report=report)
    services.workreport_delete(actor=org.director, report=report)
    assert not WorkReport.objects.filter(pk=report.pk).exists()
    again = services.workreport_create(
        actor=org.rep, kind="daily", day=report.period_start, summary="rewritten"
    )
    with pytest.raises(services.DuplicateReportError):
        services.workreport_restore(actor=org.director, report=report)
    with pytest.raises(WorkReport.DoesNotExist):  # the draft is private to its author
        services.workreport_delete(actor=org.director, report=again)
    services.workreport_submit(actor=org.rep, report=again)
    services.workreport_delete(actor=org.director, report=again)
    services.workreport_restore(actor=org.director, report=report)
    assert WorkReport.objects.filter(pk=report.pk).exists()


def test_an_author_discards_their_own_draft_but_nothing_else(org, reports):
    """Without the delete permission a rep may discard their own draft (to the recycle bin),
    never a submitted report; a draft stays private (another person cannot even find it)."""
    with pytest.raises(PermissionDenied):
        services.workreport_delete(actor=org.rep, report=reports["rep_sub"])
    with pytest.raises(WorkReport.DoesNotExist):
        services.workreport_delete(actor=org.lead, report=reports["rep_draft"])
    assert services.can_delete(reports["rep_draft"], org.rep)
    assert not services.can_delete(reports["rep_sub"], org.rep)
    services.workreport_delete(actor=org.rep, report=reports["rep_draft"])
    assert not WorkReport.objects.filter(pk=reports["rep_draft"].pk).exists()
    gone = WorkReport.all_objects.get(pk=reports["rep_draft"].pk)
    assert gone.deleted_by == org.rep
    assert WorkReport.objects.filter(pk=reports["rep_sub"].pk).exists()

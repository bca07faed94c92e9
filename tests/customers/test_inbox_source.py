"""The "task" source of the to-do inbox and the agenda built on the registry (CUS-8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdesk.core.agenda import agenda, due_count
from salesdesk.core.inbox import InboxItem, inbox_counts, inbox_items, inbox_registry
from salesdesk.core.recycle import record_soft_delete
from salesdesk.customers import services
from salesdesk.customers.models import Customer, Task
from tests.customers.conftest import make_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-03-10 10:00 in Shanghai (02:00 UTC)
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


def add_task(owner, title, due_at, customer=None, actor=None):
    return services.task_create(
        actor=actor or owner, title=title, due_at=due_at, customer=customer, owner=owner
    )


@pytest.fixture
def fake_source():
    """A second source (e.g. pool returns) registered for one test."""
    rows: list[InboxItem] = []

    def items(user, *, until, limit):
        return [r for r in rows if r.due_at <= until and r.title.startswith(user.username)][:limit]

    def count(user, *, until):
        return len(items(user, until=until, limit=1000))

    inbox_registry.autodiscover()
    # Only the task source and this one: the assertions stay exact whatever other apps register.
    saved = dict(inbox_registry._sources)
    inbox_registry._sources = {"task": saved["task"]}
    inbox_registry.register(
        "fake", label="Fake returns", icon="arrow-return-left", items=items, count=count
    )
    yield rows
    inbox_registry._sources = saved


class TestTaskSource:
    def test_open_tasks_of_the_user_due_by_until(self, org):
        customer = make_customer(org.rep, "北京星辰科技有限公司")
        late = add_task(org.rep, "Call back", NOW - timedelta(days=2), customer)
        today = add_task(org.rep, "Send quote", NOW + timedelta(hours=3))
        later = add_task(org.rep, "Visit", NOW + timedelta(days=5), customer)
        done = add_task(org.rep, "Done one", NOW - timedelta(days=1))
        services.task_complete(actor=org.rep, task=done)
        add_task(org.lead, "Lead's own", NOW)
        add_task(org.rep, "Assigned by lead", NOW + timedelta(hours=1), actor=org.lead)

        until = NOW + timedelta(days=1)
        items = inbox_items(org.rep, until=until, kinds=["task"])
        assert [(i.kind, i.title, i.customer_name, i.key) for i in items] == [
            ("task", "Call back", "北京星辰科技有限公司", f"task:{late.pk}"),
            (
                "task",
                "Assigned by lead",
                "",
                f"task:{Task.objects.get(title='Assigned by lead').pk}",
            ),
            ("task", "Send quote", "", f"task:{today.pk}"),
        ]
        assert items[0].url == reverse("web:customer_detail", args=[customer.pk]) + "?tab=tasks"
        assert items[2].url == reverse("web:my_tasks")
        assert items[0].icon == "check2-square"
        assert inbox_counts(org.rep, until=until, kinds=["task"]) == {"task": 3}
        assert inbox_counts(org.rep, until=later.due_at, kinds=["task"]) == {"task": 4}

    def test_nobody_sees_another_users_to_dos(self, org):
        add_task(org.rep, "Rep's", NOW)
        until = NOW + timedelta(days=1)
        for user in (org.lead, org.director, org.admin, org.other_rep):
            assert inbox_items(user, until=until, kinds=["task"]) == []
            assert inbox_counts(user, until=until, kinds=["task"]) == {"task": 0}

    def test_deactivated_user_has_no_to_dos(self, org):
        Task.objects.create(owner=org.deactivated, org_unit=org.team_a, title="Orphan", due_at=NOW)
        assert inbox_items(org.deactivated, until=NOW + timedelta(days=1), kinds=["task"]) == []
        assert due_count(org.deactivated, now=NOW) == 0

    def test_tasks_of_deleted_customers_and_deleted_tasks_are_left_out(self, org):
        customer = make_customer(org.rep, "上海远航贸易有限公司")
        add_task(org.rep, "About a deleted customer", NOW, customer)
        gone = add_task(org.rep, "Deleted task", NOW)
        services.task_delete(actor=org.admin, task=gone)
        Customer.all_objects.filter(pk=customer.pk).update(deleted_at=NOW)
        assert inbox_items(org.rep, until=NOW + timedelta(days=1), kinds=["task"]) == []

    def test_constant_queries(self, org):
        customers = [make_customer(org.rep, f"客户{i}") for i in range(6)]
        until = NOW + timedelta(days=10)
        add_task(org.rep, "First", NOW, customers[0])
        with CaptureQueriesContext(connection) as one:
            inbox_items(org.rep, until=until, kinds=["task"])
            inbox_counts(org.rep, until=until, kinds=["task"])
        for i, customer in enumerate(customers):
            add_task(org.rep, f"T{i}", NOW + timedelta(days=i), customer)
        with CaptureQueriesContext(connection) as many:
            assert len(inbox_items(org.rep, until=until, kinds=["task"])) == 7
            inbox_counts(org.rep, until=until, kinds=["task"])
        assert len(one) == len(many) == 2


class TestAgenda:
    def test_sections_in_the_users_time_zone(self, org, fake_source):
        org.rep.time_zone = "Asia/Shanghai"
        org.rep.save(update_fields=["time_zone"])
        add_task(org.rep, "Yesterday 23:30", datetime(2026, 3, 9, 23, 30, tzinfo=SHANGHAI))
        add_task(org.rep, "Today 00:00", datetime(2026, 3, 10, 0, 0, tzinfo=SHANGHAI))
        add_task(org.rep, "Today 23:59", datetime(2026, 3, 10, 23, 59, tzinfo=SHANGHAI))
        add_task(org.rep, "In 7 days", datetime(2026, 3, 17, 12, 0, tzinfo=SHANGHAI))
        add_task(org.rep, "In 8 days", datetime(2026, 3, 18, 0, 0, tzinfo=SHANGHAI))
        fake_source.append(
            InboxItem(
                kind="fake",
                due_at=datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI),
                title="rep: return 华为",
                key="fake:1",
            )
        )
        fake_source.append(
            InboxItem(kind="fake", due_at=NOW, title="lead: not the rep's", key="fake:2")
        )
        plan = agenda(org.rep, days=7, now=NOW)
        assert [(i.section, i.kind, i.title) for i in plan.items] == [
            ("overdue", "task", "Yesterday 23:30"),
            ("today", "task", "Today 00:00"),
            ("today", "fake", "rep: return 华为"),
            ("today", "task", "Today 23:59"),
            ("upcoming", "task", "In 7 days"),
        ]
        assert plan.counts == {"task": 4, "fake": 1}
        assert plan.total == 5
        assert [(c["key"], str(c["label"]), c["count"]) for c in plan.chips()] == [
            ("task", "Tasks", 4),
            ("fake", "Fake returns", 1),
        ]
        assert due_count(org.rep, now=NOW) == 4
        only_fake = agenda(org.rep, days=7, now=NOW, kinds=["fake"])
        assert [i.title for i in only_fake.items] == ["rep: return 华为"]
        assert only_fake.counts == {"task": 4, "fake": 1}  # the chips keep every count
        # London: the same instants fall on other local days.
        org.rep.time_zone = "Europe/London"
        plan = agenda(org.rep, days=0, now=NOW, kinds=["task"])  # 02:00 on 10 March in London
        assert [(i.section, i.title) for i in plan.items] == [
            ("overdue", "Yesterday 23:30"),  # 15:30 on 9 March
            ("overdue", "Today 00:00"),  # 16:00 on 9 March
            ("today", "Today 23:59"),  # 15:59 on 10 March
        ]

    def test_limit_marks_truncation(self, org):
        for i in range(4):
            add_task(org.rep, f"T{i}", NOW + timedelta(hours=i))
        plan = agenda(org.rep, days=0, now=NOW, limit=3)
        assert [i.title for i in plan.items] == ["T0", "T1", "T2"]
        assert plan.truncated is True
        assert plan.total == 4

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        offsets=st.lists(st.integers(min_value=-20 * 24, max_value=20 * 24), max_size=12),
        days=st.sampled_from([0, 7, 14]),
    )
    def test_items_are_sorted_partitioned_and_counted(self, org, offsets, days):
        Task.all_objects.all().delete()
        for i, hours in enumerate(offsets):
            Task.objects.create(
                owner=org.rep,
                org_unit=org.team_a,
                title=f"T{i}",
                due_at=NOW + timedelta(hours=hours),
            )
        plan = agenda(org.rep, days=days, now=NOW, kinds=["task"])
        dues = [i.due_at for i in plan.items]
        assert dues == sorted(dues)
        assert all(d <= plan.until for d in dues)
        assert (
            len(plan.items)
            == plan.counts["task"]
            == sum(1 for h in offsets if NOW + timedelta(hours=h) <= plan.until)
        )
        order = {"overdue": 0, "today": 1, "upcoming": 2}
        assert [order[i.section] for i in plan.items] == sorted(
            order[i.section] for i in plan.items
        )
        if days == 0:
            assert all(i.section != "upcoming" for i in plan.items)


def test_deleted_task_goes_to_the_recycle_bin_and_leaves_the_inbox(org):
    task = add_task(org.rep, "Temporary", NOW)
    record_soft_delete(model=Task, pk=task.pk, actor=org.admin)
    assert agenda(org.rep, days=7, now=NOW, kinds=["task"]).items == []

"""The To-do inbox page, the bell, the home "my day" card and the daily email setting (CUS-8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from salesdesk.core.digest import PREFERENCE_KEY, digest_preference
from salesdesk.core.inbox import InboxItem, inbox_registry
from salesdesk.core.models import Notification, UserPreference
from salesdesk.customers import services
from salesdesk.customers.models import Task
from tests.customers.conftest import make_customer


def add_task(owner, title, due_at, customer=None):
    return services.task_create(actor=owner, title=title, due_at=due_at, customer=customer)


@pytest.fixture
def fake_source():
    rows: list[InboxItem] = []

    def items(user, *, until, limit):
        return [r for r in rows if r.due_at <= until and r.body == user.username][:limit]

    def count(user, *, until):
        return len(items(user, until=until, limit=1000))

    inbox_registry.autodiscover()
    # Only the task source and this one: the assertions stay exact whatever other apps register.
    saved = dict(inbox_registry._sources)
    inbox_registry._sources = {"task": saved["task"]}
    inbox_registry.register(
        "pool_return", label="Pool returns", icon="arrow-return-left", items=items, count=count
    )
    yield rows
    inbox_registry._sources = saved


@pytest.fixture
def day(org):
    """The rep's to-dos around now: one overdue, two today, one in 3 days, one in 10 days."""
    org.rep.time_zone = "Asia/Shanghai"
    org.rep.save(update_fields=["time_zone"])
    now = timezone.now()
    start = timezone.localtime(now, timezone=_zone("Asia/Shanghai")).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    customer = make_customer(org.rep, "北京星辰科技有限公司")
    return {
        "customer": customer,
        "late": add_task(org.rep, "Call back 华为", start - timedelta(days=2), customer),
        "morning": add_task(org.rep, "Morning call", start + timedelta(minutes=1)),
        "evening": add_task(org.rep, "Evening quote", start + timedelta(hours=23, minutes=58)),
        "soon": add_task(org.rep, "Visit plant", start + timedelta(days=3, hours=10), customer),
        "far": add_task(org.rep, "Contract renewal", start + timedelta(days=10, hours=10)),
        "start": start,
    }


def _zone(name):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def titles(section) -> list[str]:
    return [i.title for i in section["items"]]


class TestInboxPage:
    def test_sections_chips_and_links(self, org, login, day, fake_source):
        fake_source.append(
            InboxItem(
                kind="pool_return",
                due_at=day["start"] + timedelta(hours=12),
                title="北京星辰科技有限公司 returns to the pool",
                body="rep",
                url="/customers/1/",
                icon="arrow-return-left",
                customer_name="北京星辰科技有限公司",
                key="pool:1",
            )
        )
        response = login(org.rep).get(reverse("web:inbox"))
        assert response.status_code == 200
        sections = {s["key"]: s for s in response.context["sections"]}
        assert titles(sections["overdue"]) == ["Call back 华为"]
        assert titles(sections["today"]) == [
            "Morning call",
            "北京星辰科技有限公司 returns to the pool",
            "Evening quote",
        ]
        assert titles(sections["upcoming"]) == ["Visit plant"]
        assert [(c["key"], str(c["label"]), c["count"]) for c in response.context["chips"]] == [
            ("task", "Tasks", 4),
            ("pool_return", "Pool returns", 1),
        ]
        content = response.content.decode()
        assert "Contract renewal" not in content
        task = day["late"]
        assert (
            f'hx-post="/inbox/tasks/{task.pk}/complete/" hx-target="closest li" '
            'hx-swap="outerHTML"' in content
        )
        assert (
            'hx-post="/inbox/tasks/'
            not in content.split("returns to the pool")[1].split("</li>")[0]
        )
        assert f'href="/customers/{day["customer"].pk}/?tab=tasks"' in content
        assert '<span class="badge text-bg-light sd-num ms-1">5</span>' in content  # "All"
        assert 'href="/customers/tasks/"' in content  # "My tasks" stays reachable
        assert 'class="sd-nav-link active" href="/inbox/"' in content

    def test_source_filter_and_horizon(self, org, login, day, fake_source):
        client = login(org.rep)
        only_tasks = client.get(reverse("web:inbox"), {"kind": "task", "days": "14"})
        sections = {s["key"]: s for s in only_tasks.context["sections"]}
        assert titles(sections["upcoming"]) == ["Visit plant", "Contract renewal"]
        assert only_tasks.context["kind"] == "task"
        pool = client.get(reverse("web:inbox"), {"kind": "pool_return"})
        assert pool.context["plan"].items == []
        assert "Nothing to do right now" in pool.content.decode()
        today = client.get(reverse("web:inbox"), {"days": "0"})
        assert [s["key"] for s in today.context["sections"]] == ["overdue", "today"]
        # Unknown values fall back to the defaults.
        odd = client.get(reverse("web:inbox"), {"days": "999", "kind": "nope"})
        assert (odd.context["days"], odd.context["kind"]) == (7, "")

    def test_each_user_sees_only_their_own_to_dos(self, org, login, day):
        for user in (org.lead, org.director, org.admin, org.other_rep):
            response = login(user).get(reverse("web:inbox"))
            assert response.context["plan"].items == []
            assert "Call back 华为" not in response.content.decode()

    def test_empty_state(self, org, login):
        content = login(org.rep).get(reverse("web:inbox")).content.decode()
        assert "Nothing to do right now" in content
        assert "Go to customers" in content

    def test_complete_inline(self, org, login, day):
        task = day["morning"]
        response = login(org.rep).post(
            reverse("web:inbox_task_complete", args=[task.pk]), HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        assert response["HX-Trigger"] == "sd-inbox-changed"
        assert "“Morning call” is done." in response.content.decode()
        task.refresh_from_db()
        assert task.done_at is not None
        # A second click says so and changes nothing.
        done_at = task.done_at
        again = login(org.rep).post(
            reverse("web:inbox_task_complete", args=[task.pk]), HTTP_HX_REQUEST="true"
        )
        assert "This task is already done." in again.content.decode()
        task.refresh_from_db()
        assert task.done_at == done_at

    def test_complete_without_htmx_redirects_back(self, org, login, day):
        response = login(org.rep).post(reverse("web:inbox_task_complete", args=[day["far"].pk]))
        assert response["Location"] == reverse("web:inbox")
        assert Task.objects.get(pk=day["far"].pk).done_at is not None

    def test_nobody_completes_someone_elses_task(self, org, login, day):
        # Even the rep's manager (who may edit the task elsewhere) cannot tick it off here.
        task = day["morning"]
        for user in (org.lead, org.other_rep, org.admin):
            response = login(user).post(
                reverse("web:inbox_task_complete", args=[task.pk]), HTTP_HX_REQUEST="true"
            )
            assert response.status_code == 404
        assert Task.objects.get(pk=task.pk).done_at is None
        assert (
            login(org.rep).get(reverse("web:inbox_task_complete", args=[task.pk])).status_code
            == 405
        )

    def test_signed_out_users_are_sent_to_sign_in(self, org, login):
        response = login(None).get(reverse("web:inbox"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))


class TestBell:
    def test_count_is_due_to_dos_plus_unread_notifications(self, org, login, day, fake_source):
        Notification.objects.create(user=org.rep, title="Unread")
        Notification.objects.create(user=org.rep, title="Read", read_at=timezone.now())
        Notification.objects.create(user=org.lead, title="Not the rep's")
        fake_source.append(
            InboxItem(kind="pool_return", due_at=day["start"], title="Return", body="rep")
        )
        fake_source.append(
            InboxItem(
                kind="pool_return",
                due_at=day["start"] + timedelta(days=2),
                title="Later",
                body="rep",
            )
        )
        response = login(org.rep).get(reverse("web:inbox_bell"), HTTP_HX_REQUEST="true")
        # overdue 1 + today 2 tasks + 1 pool return today + 1 unread notification
        assert response.content.decode().strip() == (
            '<span id="sd-unread-badge" class="sd-badge" hx-get="/inbox/bell/" '
            'hx-trigger="sd-inbox-changed from:body" hx-swap="outerHTML">5'
            '<span class="visually-hidden"> to do or unread</span></span>'
        )
        assert response.context["count"] == 5
        assert login(org.lead).get(reverse("web:inbox_bell")).context["count"] == 1

    def test_zero_hides_the_badge_and_many_show_99_plus(self, org, login):
        client = login(org.rep)
        assert 'class="sd-badge d-none"' in client.get(reverse("web:inbox_bell")).content.decode()
        Notification.objects.bulk_create(
            [Notification(user=org.rep, title=f"N{i}") for i in range(120)]
        )
        assert ">99+<" in client.get(reverse("web:inbox_bell")).content.decode()

    def test_panel_lists_todays_to_dos_first(self, org, login, day):
        Notification.objects.create(user=org.rep, title="Unread")
        panel = login(org.rep).get(reverse("web:notifications"), HTTP_HX_REQUEST="true")
        assert [i.title for i in panel.context["my_day"].items] == [
            "Call back 华为",
            "Morning call",
            "Evening quote",
        ]
        content = panel.content.decode()
        assert 'href="/inbox/">Open the to-do inbox</a>' in content
        assert 'hx-swap-oob="outerHTML" class="sd-badge"' in content
        assert panel.context["bell_total"] == 4

    def test_bell_query_count_is_pinned(self, org, login, day, django_assert_num_queries):
        """The badge loads after the page (htmx); a fragment without the shell pays nothing."""
        client = login(org.rep)
        client.get(reverse("web:home"))
        client.get(reverse("web:inbox_bell"), HTTP_HX_REQUEST="true")
        # session, user (with role and unit), 1 count per source, the unread count; the pool
        # source asks nothing while no pool rule exists (its set-up is cached)
        # neither the pool source (no rule) nor contract approvals (the rep may not approve)
        # nor work reports to read (a rep has no team)
        querying = len(inbox_registry.sources()) - 4  # nor tier proposals: a rep does not evaluate
        assert 3 + querying <= 12
        with django_assert_num_queries(3 + querying):
            client.get(reverse("web:inbox_bell"), HTTP_HX_REQUEST="true")


class TestHome:
    def test_my_day_card(self, org, login, day):
        client = login(org.rep)
        content = client.get(reverse("web:home")).content.decode()
        assert "My to-dos" in content
        assert '<a class="small" href="/inbox/">To-do inbox</a>' in content
        # The card's list loads after the page (htmx), like the bell.
        assert 'hx-get="/home/my-day/" hx-trigger="load"' in content
        response = client.get(reverse("web:home_my_day"), HTTP_HX_REQUEST="true")
        assert [(i.section, i.title) for i in response.context["my_day"].items] == [
            ("overdue", "Call back 华为"),
            ("today", "Morning call"),
            ("today", "Evening quote"),
        ]

    def test_my_day_card_query_count(self, org, login, day, django_assert_num_queries):
        client = login(org.rep)
        client.get(reverse("web:home"))
        client.get(reverse("web:home_my_day"), HTTP_HX_REQUEST="true")
        # session, user (with role and unit), one item query per inbox source but the pool's
        # neither the pool source (no rule) nor contract approvals (the rep may not approve)
        # nor work reports to read (a rep has no team)
        querying = len(inbox_registry.sources()) - 4  # nor tier proposals: a rep does not evaluate
        with django_assert_num_queries(2 + querying):
            client.get(reverse("web:home_my_day"), HTTP_HX_REQUEST="true")

    def test_my_day_shows_eight_and_links_to_the_rest(self, org, login):
        now = timezone.now()
        for i in range(10):
            add_task(org.rep, f"Late {i}", now - timedelta(days=2, minutes=i))
        response = login(org.rep).get(reverse("web:home_my_day"), HTTP_HX_REQUEST="true")
        assert len(response.context["my_day"].items) == 8
        assert response.context["my_day"].truncated is True
        assert "See all in the to-do inbox" in response.content.decode()


class TestDailyEmailSetting:
    def test_default_on_at_8_for_users_with_an_email(self, org):
        org.rep.email = "rep@example.com"
        assert (digest_preference(org.rep).enabled, digest_preference(org.rep).hour) == (True, 8)
        assert digest_preference(org.lead).enabled is False  # no address

    def test_save(self, org, login):
        org.rep.email = "rep@example.com"
        org.rep.save(update_fields=["email"])
        client = login(org.rep)
        page = client.get(reverse("web:inbox_email"))
        assert page.context["form"].initial == {"enabled": True, "hour": 8}
        response = client.post(reverse("web:inbox_email"), {"hour": "18"})
        assert response["Location"] == reverse("web:inbox_email")
        assert UserPreference.objects.get(user=org.rep, key=PREFERENCE_KEY).value == {
            "enabled": False,
            "hour": 18,
        }
        client.post(reverse("web:inbox_email"), {"enabled": "on", "hour": "7"})
        pref = digest_preference(org.rep)
        assert (pref.enabled, pref.hour) == (True, 7)

    def test_invalid_input_changes_nothing(self, org, login):
        client = login(org.lead)  # no email address
        response = client.post(reverse("web:inbox_email"), {"enabled": "on", "hour": "8"})
        assert response.status_code == 200
        assert response.context["form"].errors == {
            "enabled": ["Add an email address to your profile first."]
        }
        response = client.post(reverse("web:inbox_email"), {"hour": "24"})
        assert response.context["form"].errors == {
            "hour": ["Select a valid choice. 24 is not one of the available choices."]
        }
        assert not UserPreference.objects.filter(key=PREFERENCE_KEY).exists()
        assert "Your profile has no email address" in response.content.decode()


@pytest.mark.parametrize("extra_rows", [False, True])
def test_inbox_page_query_count_is_pinned(org, login, django_assert_num_queries, extra_rows):
    """Session, user (with role and unit), per source one item query (its chip's count comes
    from the items), the shell's unread count (initial badge)."""
    client = login(org.rep)
    client.get(reverse("web:home"))
    customers = [make_customer(org.rep, f"客户{i}") for i in range(3)]
    now = timezone.now()
    for i in range(12 if extra_rows else 1):
        add_task(org.rep, f"T{i}", now + timedelta(hours=i - 6), customers[i % 3])
    Notification.objects.create(user=org.rep, title="Unread")
    client.get(reverse("web:inbox"))
    # the pool source: cached set-up, no rule; contract approvals: the rep may not approve
    querying = len(inbox_registry.sources()) - 4  # nor tier proposals: a rep does not evaluate
    assert 3 + querying <= 12
    with django_assert_num_queries(3 + querying):
        assert client.get(reverse("web:inbox")).status_code == 200

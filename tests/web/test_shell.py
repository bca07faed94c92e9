"""The shell: global search (scoped), language switch, notifications, home."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from salesdesk.core.models import Notification
from salesdesk.core.search import SearchHit, search_registry
from salesdesk.org.models import User


def hits(user, query):
    return {g.key: [(h.title, h.url) for h in g.hits] for g in search_registry.search(user, query)}


class TestGlobalSearch:
    def test_results_are_scoped(self, org):
        assert hits(org.rep, "Zhao") == {}
        assert hits(org.rep, "Zhang") == {"users": [("张三 Zhang San", "")]}
        assert hits(org.director, "Zhao") == {"users": [("赵六 Zhao Liu", "")]}
        assert hits(org.rep, "Team") == {"units": [("Team A 一组", "")]}
        assert hits(org.lead, "Team B") == {}
        assert hits(org.deactivated, "Zhang") == {}

    def test_configurators_get_links_to_the_detail_pages(self, org):
        assert hits(org.admin, "Team") == {
            "units": [
                ("Team A 一组", reverse("web:unit_detail", args=[org.team_a.pk])),
                ("Team B 二组", reverse("web:unit_detail", args=[org.team_b.pk])),
            ]
        }
        assert hits(org.admin, "gone") == {
            "users": [("离职 Gone", reverse("web:user_detail", args=[org.deactivated.pk]))]
        }

    def test_blank_query_finds_nothing(self, org):
        assert search_registry.search(org.admin, "   ") == []

    def test_dropdown_fragment(self, org, login):
        response = login(org.director).get(
            reverse("web:search"), {"q": "zh"}, HTTP_HX_REQUEST="true"
        )
        content = response.content.decode()
        assert "<html" not in content
        assert '<span class="sd-search-hit-title">赵六 Zhao Liu</span>' in content
        assert '<span class="sd-search-hit-title">张三 Zhang San</span>' in content
        assert (
            '<span class="sd-search-hit-sub">other_rep · Team B 二组 · Sales rep</span>' in content
        )
        assert "管理员 Admin" not in content.replace(org.director.name, "")

    def test_rep_does_not_find_colleagues_outside_their_scope(self, org, login):
        response = login(org.rep).get(reverse("web:search"), {"q": "Zhao"}, HTTP_HX_REQUEST="true")
        assert response.content.decode().strip() == (
            '<div class="sd-search-empty"><i class="bi bi-search me-2" aria-hidden="true"></i>'
            "Nothing found for “Zhao”.</div>"
        )

    def test_other_areas_can_register_providers(self, org):
        def customers(user, query, limit):
            return [SearchHit(title=f"Customer {query}", url="/c/1/", icon="building")]

        search_registry.register("test_customers", "Customers", customers, order=5)
        try:
            groups = search_registry.search(org.rep, "Acme")
            assert [(g.key, [h.title for h in g.hits]) for g in groups] == [
                ("test_customers", ["Customer Acme"])
            ]
        finally:
            search_registry.unregister("test_customers")


class TestLanguageSwitch:
    def test_signed_in_choice_is_saved_on_the_user(self, org, login):
        client = login(org.rep)
        response = client.post(
            reverse("web:set_language"), {"language": "en", "next": "/settings/users/"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/settings/users/"
        assert User.objects.get(pk=org.rep.pk).language == "en"
        assert client.session["salesdesk_language"] == "en"
        assert response.cookies["salesdesk_language"].value == "en"
        response = client.post(reverse("web:set_language"), {"language": "zh-hans"})
        assert User.objects.get(pk=org.rep.pk).language == "zh-hans"
        assert response["Location"] == reverse("web:home")
        page = client.get(reverse("web:home"))
        assert page["Content-Language"] == "zh-hans"
        assert '<html lang="zh-hans"' in page.content.decode()

    def test_anonymous_choice_goes_to_session_and_cookie_only(self, org, login):
        client = login(None)
        before = list(User.objects.values_list("language", flat=True))
        response = client.post(reverse("web:set_language"), {"language": "en"})
        assert response.cookies["salesdesk_language"].value == "en"
        assert client.session["salesdesk_language"] == "en"
        assert list(User.objects.values_list("language", flat=True)) == before

    def test_unknown_language_and_foreign_next_are_ignored(self, org, login):
        client = login(org.rep)
        response = client.post(
            reverse("web:set_language"), {"language": "xx", "next": "https://evil.example/"}
        )
        assert response["Location"] == reverse("web:home")
        assert User.objects.get(pk=org.rep.pk).language == ""
        response = client.post(
            reverse("web:set_language"), {"language": "en", "next": "https://evil.example/"}
        )
        assert response["Location"] == reverse("web:home")


class TestNotifications:
    def test_unread_count_in_the_bell(self, org, login):
        Notification.objects.create(user=org.rep, title="Call 华为")
        Notification.objects.create(user=org.rep, title="Old", read_at=timezone.now())
        Notification.objects.create(user=org.lead, title="Not yours")
        client = login(org.rep)
        content = client.get(reverse("web:home")).content.decode()
        # The page renders the unread count; the badge then loads the full bell number (htmx).
        assert (
            '<span id="sd-unread-badge" class="sd-badge" hx-get="/inbox/bell/" '
            'hx-trigger="load, sd-inbox-changed from:body" hx-swap="outerHTML">1'
            '<span class="visually-hidden"> unread</span></span>'
        ) in content
        bell = client.get(reverse("web:inbox_bell"), HTTP_HX_REQUEST="true").content.decode()
        assert bell.strip() == (
            '<span id="sd-unread-badge" class="sd-badge" hx-get="/inbox/bell/" '
            'hx-trigger="sd-inbox-changed from:body" hx-swap="outerHTML">1'
            '<span class="visually-hidden"> to do or unread</span></span>'
        )

    def test_panel_and_mark_read(self, org, login):
        mine = Notification.objects.create(user=org.rep, title="Call 华为", url="/settings/")
        client = login(org.rep)
        panel = client.get(reverse("web:notifications"), HTTP_HX_REQUEST="true")
        assert [n.title for n in panel.context["items"]] == ["Call 华为"]
        response = client.post(reverse("web:notification_read", args=[mine.pk]))
        assert response["Location"] == "/settings/"
        mine.refresh_from_db()
        assert mine.read_at is not None

    def test_someone_elses_notification_is_404(self, org, login):
        theirs = Notification.objects.create(user=org.lead, title="Lead only")
        response = login(org.rep).post(reverse("web:notification_read", args=[theirs.pk]))
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.read_at is None

    def test_mark_all_read(self, org, login):
        for i in range(3):
            Notification.objects.create(user=org.rep, title=f"N{i}")
        other = Notification.objects.create(user=org.lead, title="Lead's")
        response = login(org.rep).post(
            reverse("web:notifications_read_all"), HTTP_HX_REQUEST="true"
        )
        assert Notification.objects.filter(user=org.rep, read_at__isnull=True).count() == 0
        assert Notification.objects.get(pk=other.pk).read_at is None
        assert (
            '<span id="sd-unread-badge" hx-swap-oob="outerHTML" class="sd-badge d-none" '
            'hx-get="/inbox/bell/" hx-trigger="sd-inbox-changed from:body" '
            'hx-swap="outerHTML">0<span' in response.content.decode()
        )


class TestHome:
    def test_todos_ordered_with_due_status(self, org, login):
        now = timezone.now()
        Notification.objects.create(
            user=org.lead, level="todo", title="Later", due_at=now + timedelta(days=3)
        )
        Notification.objects.create(
            user=org.lead, level="todo", title="Late", due_at=now - timedelta(days=1)
        )
        response = login(org.lead).get(reverse("web:home"))
        assert [(t.title, t.overdue) for t in response.context["todos"]] == [
            ("Late", True),
            ("Later", False),
        ]
        assert [p.username for p in response.context["team"]] == ["rep"]
        content = response.content.decode()
        assert "Good day, 李主管 Lead Li" in content

    def test_empty_home_says_what_comes_here(self, org, login):
        client = login(org.rep)
        content = client.get(reverse("web:home_my_day"), HTTP_HX_REQUEST="true").content.decode()
        assert "Nothing to do right now" in content

    def test_navigation_shows_only_allowed_pages(self, org, login):
        def nav(user):
            response = login(user).get(reverse("web:home"))
            return [
                (str(s.label), [str(i.label) for i in s.items])
                for s in response.context["nav_sections"]
            ]

        work = ("Workspace", ["Home", "To-do"])
        plain = ["Customers", "Contacts", "Return visits", "Care", "Feedback", "Segments"]
        customers = ("Customers", plain)
        # The public pool: pool administrators (director, admin) always; others when members.
        # Handover: for those who may transfer customers.
        handing = ("Customers", [*plain, "Handover"])
        pooling = ("Customers", [*plain[:2], "Public pool", *plain[2:], "Handover"])
        sales = (
            "Sales",
            [
                "Leads",
                "Opportunities",
                "Pipeline board",
                "Contracts",
                "Receivables",
                "Returns",
                "Products",
                "Channels",
            ],
        )
        targets = (
            "Targets & performance",
            [
                "Goals",
                "Progress",
                "Evaluations",
                "Leaderboard",
                "Commissions",
                "Tiers",
                "Training",
                "Work reports",
            ],
        )
        analysis = ("Analysis", ["Funnel", "Time metrics", "Metrics"])
        assert nav(org.rep) == [work, customers, sales, targets, analysis, ("Settings", ["Import"])]
        assert nav(org.lead) == [work, handing, sales, targets, analysis, ("Settings", ["Import"])]
        assert nav(org.director) == [
            work,
            pooling,
            sales,
            targets,
            analysis,
            ("Settings", ["Public pools", "Commission plans", "Import", "Recycle bin"]),
        ]
        assert nav(org.admin) == [
            work,
            pooling,
            sales,
            targets,
            analysis,
            (
                "Settings",
                [
                    "Pipelines & stages",
                    "Lead assignment",
                    "Organisation",
                    "Users",
                    "Roles & permissions",
                    "Public pools",
                    "Working calendar",
                    "KPI schemes",
                    "Sales tiers",
                    "Commission plans",
                    "Approval chains",
                    "Return visit rules",
                    "Greeting templates",
                    "Import",
                    "Recycle bin",
                    "Audit log",
                    "API documentation",
                ],
            ),
        ]

"""What every page of the shell needs: navigation, unread count, languages, user menu.

Only entries whose page exists and that the user may open are shown (UI.md). Everything is lazy:
a page (or htmx fragment) that does not show the shell runs no query for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.handover.selectors import can_hand_over
from salesdesk.web import access


@dataclass
class NavItem:
    label: str
    url_name: str
    icon: str
    check: object = None  # callable(user) -> bool; None: every signed-in user
    # URL names (prefixes) that mark this entry active.
    active_prefixes: tuple[str, ...] = ()
    external: bool = False
    url: str = ""
    active: bool = False


@dataclass
class NavSection:
    label: str
    items: list[NavItem] = field(default_factory=list)


def _nav_definition() -> list[NavSection]:
    return [
        NavSection(
            _("Workspace"),
            [
                NavItem(_("Home"), "web:home", "house", active_prefixes=("home",)),
                NavItem(_("To-do"), "web:inbox", "check2-square", None, ("inbox", "my_task")),
            ],
        ),
        NavSection(
            _("Customers"),
            [
                NavItem(
                    _("Customers"),
                    "web:customers",
                    "buildings",
                    None,
                    ("customer", "follow_up", "task_create"),
                ),
                NavItem(_("Contacts"), "web:contacts", "person-lines-fill", None, ("contact",)),
                NavItem(_("Public pool"), "web:pool", "inboxes", _can_use_pool, ("pool",)),
                NavItem(
                    _("Return visits"),
                    "web:return_visit_list",
                    "telephone-outbound",
                    None,
                    ("return_visit",),
                ),
                NavItem(_("Care"), "web:care_list", "gift", None, ("care_",)),
                NavItem(
                    _("Feedback"),
                    "web:feedback_list",
                    "megaphone",
                    None,
                    ("feedback_", "satisfaction_"),
                ),
                NavItem(_("Segments"), "web:segments", "pie-chart", None, ("segment",)),
                NavItem(_("Handover"), "web:handover_list", "people", can_hand_over, ("handover",)),
            ],
        ),
        NavSection(
            _("Sales"),
            [
                NavItem(
                    _("Leads"),
                    "web:leads",
                    "person-plus",
                    None,
                    ("leads", "lead_create", "lead_detail", "lead_edit", "lead_export"),
                ),
                NavItem(
                    _("Opportunities"),
                    "web:opportunities",
                    "briefcase",
                    None,
                    ("opportunit",),
                ),
                NavItem(_("Pipeline board"), "web:board", "kanban", None, ("board",)),
                NavItem(
                    _("Contracts"), "web:contract_list", "file-earmark-text", None, ("contract",)
                ),
                NavItem(
                    _("Receivables"), "web:receivable_list", "cash-coin", None, ("receivable",)
                ),
                NavItem(
                    _("Returns"),
                    "web:return_list",
                    "arrow-return-left",
                    None,
                    ("return_list", "return_create"),
                ),
                NavItem(
                    _("Products"),
                    "web:product_list",
                    "box-seam",
                    None,
                    ("product", "price_list"),
                ),
                NavItem(
                    _("Channels"),
                    "web:channel_list",
                    "signpost-split",
                    None,
                    ("channel", "partner"),
                ),
            ],
        ),
        NavSection(
            _("Targets & performance"),
            [
                NavItem(_("Goals"), "web:goal_list", "bullseye", None, ("goal_",)),
                NavItem(_("Progress"), "web:progress", "graph-up-arrow", None, ("progress",)),
                NavItem(
                    _("Evaluations"),
                    "web:evaluation_list",
                    "clipboard-check",
                    None,
                    ("evaluation",),
                ),
                NavItem(_("Leaderboard"), "web:leaderboard", "trophy", None, ("leaderboard",)),
                NavItem(
                    _("Commissions"),
                    "web:commission_list",
                    "cash-coin",
                    None,
                    ("commission_list", "commission_detail"),
                ),
                NavItem(
                    _("Tiers"), "web:tier_people", "ladder", None, ("tier_people", "tier_review")
                ),
                NavItem(_("Training"), "web:training_list", "mortarboard", None, ("training",)),
                NavItem(
                    _("Work reports"), "web:workreport_list", "journal-text", None, ("workreport",)
                ),
            ],
        ),
        NavSection(
            _("Analysis"),
            [
                NavItem(_("Funnel"), "web:funnel", "funnel", None, ("funnel",)),
                NavItem(
                    _("Time metrics"), "web:time_metrics", "stopwatch", None, ("time_metrics",)
                ),
                NavItem(_("Metrics"), "web:metrics", "bar-chart-line", None, ("metrics",)),
            ],
        ),
        NavSection(
            _("Settings"),
            [
                NavItem(
                    _("Pipelines & stages"),
                    "web:settings_pipelines",
                    "sliders",
                    access.can_configure,
                    ("settings_pipeline", "settings_reason"),
                ),
                NavItem(
                    _("Lead assignment"),
                    "web:lead_rules",
                    "signpost-split",
                    access.can_configure,
                    ("lead_rules",),
                ),
                NavItem(
                    _("Organisation"), "web:units", "diagram-3", access.can_configure, ("unit",)
                ),
                NavItem(_("Users"), "web:users", "people", access.can_configure, ("user",)),
                NavItem(
                    _("Roles & permissions"),
                    "web:roles",
                    "shield-lock",
                    access.can_configure,
                    ("role",),
                ),
                NavItem(
                    _("Public pools"),
                    "web:settings_pools",
                    "inboxes-fill",
                    _can_admin_pools,
                    ("settings_pool",),
                ),
                NavItem(
                    _("Working calendar"),
                    "web:settings_calendar",
                    "calendar-week",
                    access.can_configure,
                    ("settings_calendar",),
                ),
                NavItem(
                    _("KPI schemes"),
                    "web:kpi_scheme_list",
                    "clipboard-data",
                    access.can_configure,
                    ("kpi_scheme",),
                ),
                NavItem(
                    _("Sales tiers"),
                    "web:tier_list",
                    "ladder",
                    access.can_configure,
                    ("tier_list", "tier_create", "tier_edit"),
                ),
                NavItem(
                    _("Commission plans"),
                    "web:commission_plan_list",
                    "percent",
                    _can_manage_commissions,
                    ("commission_plan",),
                ),
                NavItem(
                    _("Approval chains"),
                    "web:approval_chain_list",
                    "diagram-2",
                    access.can_configure,
                    ("approval_chain",),
                ),
                NavItem(
                    _("Return visit rules"),
                    "web:visit_policy_list",
                    "calendar2-week",
                    access.can_configure,
                    ("visit_policy",),
                ),
                NavItem(
                    _("Greeting templates"),
                    "web:greeting_template_list",
                    "envelope-heart",
                    access.can_configure,
                    ("greeting_template",),
                ),
                NavItem(_("Import"), "web:import_list", "upload", None, ("import",)),
                NavItem(
                    _("Recycle bin"),
                    "web:recycle_bin",
                    "trash3",
                    access.can_use_recycle_bin,
                    ("recycle",),
                ),
                NavItem(
                    _("Audit log"),
                    "web:audit_log",
                    "journal-text",
                    access.can_view_audit_log,
                    ("audit",),
                ),
                NavItem(
                    _("API documentation"),
                    "",
                    "braces",
                    access.can_configure,
                    external=True,
                    url="/api/docs",
                ),
            ],
        ),
    ]


def _can_manage_commissions(user) -> bool:
    from salesdesk.org.permissions import can_manage_commissions

    return can_manage_commissions(user)


def _can_use_pool(user) -> bool:
    from salesdesk.customers.pool.selectors import is_pool_user

    return is_pool_user(user)


def _can_admin_pools(user) -> bool:
    from salesdesk.customers.pool.selectors import can_admin_pools

    return can_admin_pools(user)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def build_nav(request) -> list[NavSection]:
    user = request.user
    if not user.is_authenticated:
        return []
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match and match.namespace == "web" else ""
    sections = []
    for section in _nav_definition():
        items = []
        for item in section.items:
            if item.check is not None and not item.check(user):
                continue
            if not item.external:
                item.url = _url(item.url_name)
                if not item.url:
                    continue
            item.active = any(current.startswith(p) for p in item.active_prefixes)
            items.append(item)
        if items:
            sections.append(NavSection(section.label, items))
    return sections


def build_user_menu(request) -> list[dict]:
    entries = [
        (_("My profile"), "web:account", "person-circle"),
        (_("Sign-in & security"), "web:account_security", "shield-check"),
        (_("API tokens"), "web:account_tokens", "key"),
    ]
    return [
        {"label": label, "url": url, "icon": icon}
        for label, name, icon in entries
        if (url := _url(name))
    ]


def _unread_count(request) -> int:
    from salesdesk.core.models import Notification

    if not request.user.is_authenticated:
        return 0
    return Notification.objects.filter(user=request.user, read_at__isnull=True).count()


class LazyCount:
    """An int computed on first use (so fragments that do not show it cost no query)."""

    def __init__(self, func):
        self._func = func
        self._value = None

    def value(self) -> int:
        if self._value is None:
            self._value = self._func()
        return self._value

    def __int__(self):
        return self.value()

    def __str__(self):
        return str(self.value())

    def __bool__(self):
        return self.value() > 0

    def __gt__(self, other):
        return self.value() > other

    def __eq__(self, other):
        return self.value() == other

    def __hash__(self):
        return hash(self.value())


def shell(request):
    return {
        "nav_sections": SimpleLazyObject(lambda: build_nav(request)),
        "user_menu": SimpleLazyObject(lambda: build_user_menu(request)),
        "unread_count": LazyCount(lambda: _unread_count(request)),
        "shell_languages": settings.LANGUAGES,
        "logout_url": _url("web:logout"),
    }

"""Pinned query counts of every list page (constant in the number of rows), security headers on
every HTML page, and no inline scripts in any template (CSP)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

import salesdesk.org.services  # noqa: F401  (registers org units with the recycle bin)
from salesdesk.core.models import AuditEvent, Notification
from salesdesk.core.recycle import record_soft_delete
from salesdesk.org.models import OrgUnit, Role
from tests.conftest import make_unit, make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "salesdesk" / "templates"


def add_rows(org, n: int, start: int = 0) -> None:
    """More of every kind of row the list pages show."""
    for i in range(start, start + n):
        unit = make_unit(f"Team X{i}", "team", org.east)
        make_user(f"bulk{i:03d}", "rep", unit, org.lead, display_name=f"Bulk {i}")
        gone = make_unit(f"Deleted {i}", "team", org.east)
        record_soft_delete(model=OrgUnit, pk=gone.pk, actor=org.admin)
        AuditEvent.objects.create(kind="login", actor=org.rep, username="rep")
        Notification.objects.create(user=org.admin, level="todo", title=f"To-do {i}")
        Notification.objects.create(user=org.admin, title=f"Info {i}")


LIST_PAGES = {
    # page: (url factory, pinned number of queries); the session user comes with its role and
    # unit in one query (LockoutModelBackend.get_user); home's to-do card loads after the page
    "home": (lambda org: reverse("web:home"), 6),
    "units": (lambda org: reverse("web:units"), 4),
    "users": (lambda org: reverse("web:users"), 7),
    "users_filtered": (
        lambda org: (
            reverse("web:users") + f"?unit={org.east.pk}&role="
            f"{Role.objects.get(code='rep').pk}&active=1&q=b&sort=-unit"
        ),
        9,
    ),
    "roles": (lambda org: reverse("web:roles"), 4),
    "recycle_bin": (lambda org: reverse("web:recycle_bin") + "?type=org.orgunit", 5),
    "audit_log": (lambda org: reverse("web:audit_log") + "?kind=login", 5),
    "notifications": (lambda org: reverse("web:notifications"), 5),
    # customers and contacts: a pinyin-prefix query, then a name-substring query each; phones: none
    "search": (lambda org: reverse("web:search") + "?q=b", 12),
    "unit_detail": (lambda org: reverse("web:unit_detail", args=[org.east.pk]), 6),
    "unit_history": (
        lambda org: reverse("web:unit_detail", args=[org.east.pk]) + "?tab=history",
        6,
    ),
    "user_detail": (lambda org: reverse("web:user_detail", args=[org.lead.pk]), 5),
    "user_history": (
        lambda org: reverse("web:user_detail", args=[org.lead.pk]) + "?tab=history",
        8,
    ),
}


@pytest.mark.parametrize("page", sorted(LIST_PAGES))
def test_query_count_is_pinned_and_constant(org, login, django_assert_num_queries, page):
    url_for, expected = LIST_PAGES[page]
    client = login(org.admin)
    client.get(reverse("web:home"))  # session bookkeeping happens on the first request
    add_rows(org, 3)
    url = url_for(org)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    add_rows(org, 12, start=3)
    for i in range(5):  # history grows too
        from salesdesk.org import services

        services.user_update(actor=org.admin, user=org.lead, title=f"Lead {i}")
        services.unit_update(actor=org.admin, unit=org.east, code=f"E{i}")
    assert OrgUnit.all_objects.count() == 34
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def html_pages(org):
    role = Role.objects.get(code="rep")
    return [
        reverse("web:home"),
        reverse("web:inbox"),
        reverse("web:inbox_email"),
        reverse("web:search") + "?q=a",
        reverse("web:notifications"),
        reverse("web:units"),
        reverse("web:unit_create"),
        reverse("web:unit_detail", args=[org.team_a.pk]),
        reverse("web:unit_detail", args=[org.team_a.pk]) + "?tab=history",
        reverse("web:unit_edit", args=[org.team_a.pk]),
        reverse("web:unit_move", args=[org.team_a.pk]),
        reverse("web:users"),
        reverse("web:user_create"),
        reverse("web:user_detail", args=[org.rep.pk]),
        reverse("web:user_edit", args=[org.rep.pk]),
        reverse("web:user_password", args=[org.rep.pk]),
        reverse("web:roles"),
        reverse("web:role_edit", args=[role.pk]),
        reverse("web:recycle_bin"),
        reverse("web:audit_log"),
        reverse("web:unit_detail", args=[999999]),  # the 404 page
    ]


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_security_headers_on_every_page(org, login):
    client = login(org.admin)
    for url in html_pages(org):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert_security_headers(response)
    assert_security_headers(login(org.rep).get(reverse("web:users")))  # the 403 page


def test_pages_load_no_inline_or_external_scripts(org, login):
    client = login(org.admin)
    script = re.compile(r"<script\b([^>]*)>", re.I)
    for url in html_pages(org):
        content = client.get(url).content.decode()
        tags = script.findall(content)
        assert tags, url
        for attrs in tags:
            assert re.search(r'\bsrc="/static/', attrs) or 'type="application/json"' in attrs, (
                url,
                attrs,
            )
        assert not re.search(r"\son[a-z]+\s*=", content, re.I), url
        assert "javascript:" not in content.lower(), url
        assert "http://" not in content and "https://" not in content, url


def test_templates_contain_no_inline_scripts():
    files = sorted(TEMPLATES.rglob("*.html"))
    assert len(files) >= 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>", text, re.I):
            attrs = match.group(1)
            assert "src=" in attrs or 'type="application/json"' in attrs, (path, attrs)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", text, re.I), path
        assert "javascript:" not in text.lower(), path


def test_htmx_is_configured_for_csp(org, login):
    content = login(org.admin).get(reverse("web:home")).content.decode()
    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false,'
        '"allowEval":false,"allowScriptTags":false,"selfRequestsOnly":true,'
        '"historyCacheSize":0,"defaultSwapStyle":"innerHTML"}\'>'
    ) in content

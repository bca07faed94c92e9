"""Browser journeys of the platform (issue 2), in both languages, in headless Debian chromium:
sign in, switch language, create a unit and a user, deactivate the user, find them with the global
search, sign out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from salesdesk.org.models import OrgUnit, User
from tests.conftest import PASSWORD

TEXT = {
    "zh-hans": {
        "login_button": "登录",
        "units": "组织架构",
        "deactivated": "已停用",
        "signed_out": "登录",
    },
    "en": {
        "login_button": "Sign in",
        "units": "Organisation",
        "deactivated": "Deactivated",
        "signed_out": "Sign in",
    },
}
BROWSER_LANG = {"zh-hans": "zh-CN", "en": "en-US"}
OTHER = {"zh-hans": "en", "en": "zh-hans"}


def sign_in(page, username: str) -> None:
    page.goto(page.base + "/account/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/$"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_admin_journey(org, page_factory, screenshot, lang):
    page = page_factory(BROWSER_LANG[lang])
    text = TEXT[lang]

    # The login page follows the browser's language.
    page.goto(page.base + "/account/login/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("form:has(input[name=password]) button[type=submit]")).to_contain_text(
        text["login_button"]
    )
    screenshot(page, f"login-{lang}")
    sign_in(page, "admin")
    expect(page.locator("h1")).to_contain_text("管理员 Admin")
    expect(page.locator("nav")).to_contain_text(text["units"])
    screenshot(page, f"home-{lang}")

    # Switch language: the page re-renders in the other language and the choice is saved.
    other = OTHER[lang]
    page.locator("button[title] .bi-translate").first.click()
    page.locator(f"button[name=language][value={other}]").click()
    expect(page.locator("html")).to_have_attribute("lang", other)
    assert User.objects.get(username="admin").language == other
    page.locator("button[title] .bi-translate").first.click()
    page.locator(f"button[name=language][value={lang}]").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # Create a unit under East.
    page.goto(page.base + "/settings/org/new/")
    page.fill("input[name=name]", f"Journey Team {lang}")
    page.select_option("select[name=kind]", "team")
    page.select_option("select[name=parent]", str(org.east.pk))
    page.locator("form.sd-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/settings/org/\d+/$"))
    unit = OrgUnit.objects.get(name=f"Journey Team {lang}")
    assert unit.path == f"{org.east.path}{unit.pk}/"
    page.goto(page.base + "/settings/org/")
    expect(page.get_by_role("link", name=f"Journey Team {lang}")).to_be_visible()
    screenshot(page, f"units-{lang}")

    # Create a user in it.
    username = f"journey.{lang.replace('-', '')}"
    page.goto(page.base + "/settings/users/new/")
    page.fill("input[name=username]", username)
    page.fill("input[name=display_name]", f"旅程 Journey {lang}")
    page.select_option("select[name=unit]", str(unit.pk))
    page.select_option("select[name=role]", str(org.rep.role_id))
    page.fill("input[name=password]", "Quiet-Harbour-2026")
    page.fill("input[name=password_again]", "Quiet-Harbour-2026")
    page.locator("form.sd-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/settings/users/\d+/$"))
    created = User.objects.get(username=username)
    assert (created.unit_id, created.role_id, created.is_active) == (unit.pk, org.rep.role_id, True)
    page.goto(page.base + "/settings/users/")
    screenshot(page, f"users-{lang}")

    # Deactivate them through the confirmation dialog.
    page.goto(page.base + f"/settings/users/{created.pk}/")
    page.locator("form[action$='/deactivate/'] button[type=submit]").click()
    page.locator("#sd-confirm-ok").click()
    expect(page.locator("body")).to_contain_text(text["deactivated"])
    created.refresh_from_db()
    assert created.is_active is False

    # Find them with the global search (typing `/` focuses the box).
    page.goto(page.base + "/")
    page.keyboard.press("/")
    expect(page.locator("#sd-search-input")).to_be_focused()
    page.keyboard.type("Journey")
    results = page.locator("#sd-search-results")
    expect(results).to_contain_text(f"旅程 Journey {lang}")
    expect(results).to_contain_text(f"Journey Team {lang}")

    # Sign out.
    page.locator(".sd-user-btn").click()
    page.locator("form[action$='/logout/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/account/login/.*"))
    page.goto(page.base + "/settings/users/")
    assert "/account/login/" in page.url
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_rep_sees_no_settings_and_phone_layout(org, page_factory, screenshot):
    page = page_factory("zh-CN", viewport=(390, 844))
    sign_in(page, "rep")
    assert page.locator("a[href='/settings/users/']").count() == 0
    assert page.js_errors == []
    response = page.goto(page.base + "/settings/users/")
    assert response.status == 403
    page.js_errors.clear()  # the browser logs the 403 response itself
    page.goto(page.base + "/")
    screenshot(page, "home-phone")
    assert page.js_errors == []

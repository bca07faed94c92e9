"""Browser journey of the to-do inbox (CUS-8) on a phone: the bell's number loads after the page,
its panel lists today's to-dos, the inbox completes a task inline and the bell follows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from salesdesk.core.models import Notification
from salesdesk.customers import services
from salesdesk.customers.models import Task
from tests.customers.conftest import make_customer
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_inbox_on_a_phone(org, page_factory, screenshot, lang):
    now = timezone.now()
    customer = make_customer(org.rep, "北京星辰科技有限公司")
    late = services.task_create(
        actor=org.rep, title="回电话 Call back", due_at=now - timedelta(days=2), customer=customer
    )
    services.task_create(
        actor=org.rep, title="发报价 Send quote", due_at=now + timedelta(minutes=5)
    )
    Notification.objects.create(user=org.rep, title="欢迎 Welcome")

    page = page_factory(BROWSER_LANG[lang], viewport=(390, 844))
    sign_in(page, "rep")
    badge = page.locator("#sd-unread-badge")
    expect(badge).to_contain_text("3")  # 1 overdue + 1 today + 1 unread notification
    expect(page.locator("#my-day")).to_contain_text("回电话 Call back")
    screenshot(page, f"home-my-day-phone-{lang}")

    page.locator("#sd-bell").click()
    panel = page.locator("#sd-notif-panel")
    expect(panel.locator(".sd-bell-todo")).to_have_count(2)
    panel.locator("a[href='/inbox/']").click()
    page.wait_for_url("**/inbox/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, f"inbox-phone-{lang}")

    page.locator(f"form[action='/inbox/tasks/{late.pk}/complete/'] button").click()
    expect(page.locator("#inbox-overdue .sd-inbox-done")).to_contain_text("回电话 Call back")
    expect(badge).to_contain_text("2")
    assert Task.objects.get(pk=late.pk).done_at is not None
    assert page.js_errors == []

"""Browser tests: Playwright for Python driving Debian's chromium against the live test server."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = os.environ.get("SALESDESK_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def serial_requests_on_shared_sqlite():
    """With in-memory SQLite the live server's request threads share the test's one database
    connection (Django's LiveServerThread), so two requests at once (a page's htmx fragments load
    together: the bell, the home card) can read each other's half-done queries. Serialise the
    application call there; PostgreSQL runs keep their real concurrency."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        yield
        return
    lock = threading.Lock()
    original = WSGIHandler.__call__

    def serial(self, environ, start_response):
        with lock:
            return original(self, environ, start_response)

    WSGIHandler.__call__ = serial
    yield
    WSGIHandler.__call__ = original


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"chromium not found at {CHROMIUM}")
        pytest.skip(f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page_factory(browser, live_server):
    contexts = []

    def make(language: str = "zh-CN", viewport=(1400, 900)):
        context = browser.new_context(
            locale=language,
            extra_http_headers={"Accept-Language": language},
            viewport={"width": viewport[0], "height": viewport[1]},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.js_errors = errors
        page.base = live_server.url
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    def save(page, name: str) -> None:
        if os.environ.get("SALESDESK_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

    return save

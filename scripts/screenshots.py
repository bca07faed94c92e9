"""Screenshots of the main pages for the README, taken from a running demo instance.

    salesdesk serve --demo &          # or: bash scripts/start.sh
    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--lang zh-CN]

Writes docs/screenshots/<page>.png with headless Debian chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PAGES = [
    ("home", "/"),
    ("customers", "/customers/?view=all"),
    ("customer-form", "/customers/new/"),
    ("tasks", "/customers/tasks/"),
    ("inbox", "/inbox/?days=7"),
    ("pool", "/customers/pool/"),
    ("return-visits", "/customers/return-visits/"),
    ("care", "/customers/care/"),
    ("feedback-dashboard", "/customers/feedback/dashboard/"),
    ("segments", "/customers/segments/"),
    ("handover", "/customers/handovers/new/"),
    ("import", "/imports/new/"),
    ("units", "/settings/org/"),
    ("users", "/settings/users/"),
    ("roles", "/settings/roles/"),
    ("audit", "/settings/audit-log/"),
    ("security", "/account/security/"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--lang", default="zh-CN")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="SalesDesk-Demo-2026")
    parser.add_argument(
        "--only",
        nargs="*",
        help="just these pages (names as in PAGES), e.g. --username rep --only inbox",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.lang.startswith("zh") else "-en"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(
            locale=args.lang,
            extra_http_headers={"Accept-Language": args.lang},
            viewport={"width": 1400, "height": 860},
        )
        page = context.new_page()
        page.goto(args.base + "/account/login/")
        page.screenshot(path=str(OUT / f"login{suffix}.png"))
        page.fill("input[name=username]", args.username)
        page.fill("input[name=password]", args.password)
        page.locator("form:has(input[name=password]) button[type=submit]").click()
        page.wait_for_url(args.base + "/")
        for name, url in PAGES:
            if args.only is not None and name not in args.only:
                continue
            page.goto(args.base + url)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT / f"{name}{suffix}.png"))
        if args.only is not None:
            browser.close()
            return
        page.goto(args.base + "/customers/?view=all")
        page.locator("table a[href*='/customers/']").first.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / f"customer-detail{suffix}.png"), full_page=True)
        phone = browser.new_context(
            locale=args.lang,
            storage_state=context.storage_state(),
            viewport={"width": 390, "height": 844},
            device_scale_factor=1,
        ).new_page()
        phone.goto(args.base + "/settings/users/")
        phone.screenshot(path=str(OUT / f"users-phone{suffix}.png"))
        browser.close()


if __name__ == "__main__":
    main()

"""Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os

import pytest

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in the test thread; Django must still allow the
# ORM there (STACK-NOTES trap 2). Test environment only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium():
    """One browser per module: Playwright's sync API keeps an event loop running in this
    thread while it is open, which async_to_sync elsewhere in the suite must not meet."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(
        viewport={"width": 1280, "height": 800}, base_url=live_server.url
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, has_touch=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo_people(standard_roles):
    from accounts.demo import seed_people

    seed_people()


def sign_in(page, email: str, password: str = "keel-demo") -> None:
    page.goto("/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()

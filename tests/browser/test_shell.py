"""Each demo role signs in, finds the shell, switches to dark mode and signs out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_ROLES = [
    ("admin@keel.test", "Ada Admin", "Admin"),
    ("manager@keel.test", "Morgan Manager", "Sales manager"),
    ("rep@keel.test", "Riley Rep", "Sales rep"),
    ("rep2@keel.test", "Sam Second", "Sales rep"),
    ("support@keel.test", "Sky Support", "Support agent"),
]
DARK_BACKGROUND = "rgb(14, 17, 22)"
LIGHT_BACKGROUND = "rgb(246, 247, 249)"


@pytest.mark.parametrize(("email", "name", "role"), DEMO_ROLES, ids=[r[0] for r in DEMO_ROLES])
def test_sign_in_see_the_shell_go_dark_and_sign_out(page, demo_people, email, name, role):
    sign_in(page, email)

    expect(page.get_by_role("heading", level=1)).to_contain_text(name.split()[0])
    expect(page.get_by_text(role, exact=False).first).to_be_visible()
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    is_admin = role == "Admin"
    expect(page.get_by_role("link", name="System status")).to_have_count(1 if is_admin else 0)
    expect(
        page.get_by_role("status").get_by_text(f"Successfully signed in as {name}")
    ).to_be_visible()

    menu = page.get_by_role("button", name=f"Account menu for {name}")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    theme = page.get_by_role("group", name="Theme")
    with page.expect_response(lambda r: r.url.endswith("/accounts/theme/")) as saved:
        theme.get_by_role("button", name="Dark").click()
    assert saved.value.status == 204
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(theme.get_by_role("button", name="Dark")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == DARK_BACKGROUND

    page.reload()  # remembered for this user, server-side
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == DARK_BACKGROUND

    page.get_by_role("button", name=f"Account menu for {name}").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name="Sign in to Keel")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_system_theme_follows_the_operating_system(page, demo_people):
    page.emulate_media(color_scheme="dark")
    sign_in(page, "rep@keel.test")
    expect(page.locator("html")).to_have_attribute("data-theme", "system")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == DARK_BACKGROUND
    page.emulate_media(color_scheme="light")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == LIGHT_BACKGROUND


def test_keyboard_only_skip_link_menu_and_escape(page, demo_people):
    sign_in(page, "manager@keel.test")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "keyboard focus must be visible"

    menu = page.get_by_role("button", name="Account menu for Morgan Manager")
    menu.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Profile", exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Profile", exact=True)).to_be_hidden()
    expect(menu).to_be_focused()


def test_a_wrong_password_says_so(page, demo_people):
    sign_in(page, "rep@keel.test", password="not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_on_a_phone_the_navigation_is_a_drawer(phone, demo_people):
    sign_in(phone, "admin@keel.test")
    sidebar = phone.get_by_role("complementary", name="Sidebar")
    expect(sidebar).to_be_hidden()
    toggle = phone.get_by_role("button", name="Open navigation")
    toggle.click()
    expect(sidebar).to_be_visible()
    expect(phone.get_by_role("button", name="Close navigation")).to_have_attribute(
        "aria-expanded", "true"
    )
    phone.get_by_role("link", name="System status").click()
    expect(phone.get_by_role("heading", name="System status", level=1)).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling on a phone"


def test_profile_change_time_zone(page, demo_people):
    sign_in(page, "rep2@keel.test")
    page.get_by_role("button", name="Account menu for Sam Second").click()
    page.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Profile saved.")).to_be_visible()
    page.get_by_role("link", name="Home").click()
    expect(page.get_by_text("(Asia/Tokyo)")).to_be_visible()

"""Two-factor authentication in the browser: set up an authenticator app (codes from pyotp),
sign in again through the challenge, and sign in with a passkey held by Chromium's virtual
authenticator."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DARK_BACKGROUND = "rgb(14, 17, 22)"


def sign_out(page) -> None:
    page.get_by_role("button", name=re.compile("^Account menu for")).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_set_up_an_authenticator_app_and_sign_in_with_it(page, demo_people):
    from accounts.models import User

    User.objects.filter(email="rep@keel.test").update(theme="dark")
    sign_in(page, "rep@keel.test")
    invite = page.get_by_role("note").filter(has_text="second step")
    expect(invite).to_be_visible()
    invite.get_by_role("link", name="Set up two-factor authentication").click()
    expect(page.get_by_role("heading", name="Two-factor authentication", level=1)).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == DARK_BACKGROUND

    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.locator("svg").filter(has_text="QR code")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    totp = pyotp.TOTP(secret)  # the phone: an implementation independent of django-otp
    page.get_by_label("Code from the app").fill("123456" if totp.now() != "123456" else "654321")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    page.wait_for_timeout(1100)  # django-otp's device delay after a wrong code: one second
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", name="Your new backup codes")).to_be_visible()
    codes = page.locator("ol.backup-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_text("On", exact=True)).to_be_visible()
    sign_out(page)

    # The password alone now leads to the challenge, and nowhere else.
    sign_in(page, "rep@keel.test")
    expect(page.get_by_role("heading", name="One more step")).to_be_visible()
    page.goto("/leads/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/\?next=%2Fleads%2F$"))
    page.get_by_label("Code").fill(totp.at(time.time() + 30))  # the next step: not yet used
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/leads/$"))
    sign_out(page)

    # A backup code works once.
    sign_in(page, "rep@keel.test")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Riley")
    sign_out(page)
    sign_in(page, "rep@keel.test")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")


def test_add_a_passkey_and_sign_in_with_it(page, demo_people):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    sign_in(page, "manager@keel.test")
    page.goto("/accounts/two-factor/")
    page.get_by_label("Name of the new passkey").fill("Test laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("heading", name="Your new backup codes")).to_be_visible()
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("button", name="Remove passkey Test laptop")).to_be_visible()
    sign_out(page)

    sign_in(page, "manager@keel.test")
    expect(page.get_by_role("heading", name="One more step")).to_be_visible()
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Morgan")

    from accounts.models import AuditEntry

    methods = AuditEntry.objects.filter(action="auth.twofactor_verified").values_list(
        "changes__method", flat=True
    )
    assert "passkey" in list(methods)
    sign_out(page)

    # The same passkey alone signs in: no email, no password, no challenge.
    page.goto("/accounts/login/?next=/deals/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(re.compile(r"/deals/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Deals")
    methods = AuditEntry.objects.filter(action="auth.twofactor_verified").values_list(
        "changes__method", flat=True
    )
    assert "passkey-login" in list(methods)

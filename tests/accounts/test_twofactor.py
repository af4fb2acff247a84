"""Two-factor authentication: the challenge after the password, enrolment, backup codes,
throttling, the per-role policy and the recent-check decorator."""

from __future__ import annotations

import re

import pyotp
import pytest
import time_machine
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from accounts import roles, twofactor
from accounts.models import AuditEntry, AuthenticatorApp, BackupCodes, Passkey, UserSession
from crm import access
from tests.accounts.twofactor_helpers import CHALLENGE, enrol_app, pass_challenge, require_for

pytestmark = pytest.mark.django_db
HOME = reverse("accounts:home")
SETUP = reverse("accounts:twofactor-setup")
APP = reverse("accounts:twofactor-app")
CODES = reverse("accounts:twofactor-backup-codes")
NEW_CODES = reverse("accounts:twofactor-backup-codes-new")
DISABLE = reverse("accounts:twofactor-disable")
ALLOWLIST = reverse("accounts:ip-allowlist")
AUDIT = reverse("accounts:audit-log")
LOGIN = reverse("account_login")


def actions():
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def sign_in(client, user, password="pw-for-tests"):
    return client.post(LOGIN, {"login": user.email, "password": password})


# ---------------------------------------------------------------- the challenge


def test_password_alone_reaches_only_the_challenge(client, rep):
    totp = enrol_app(rep)
    response = sign_in(client, rep)
    assert response.status_code == 302
    page = client.get(response.url)
    assert page.status_code == 302
    assert page.url.startswith(CHALLENGE)
    assert client.get(page.url).status_code == 200
    done = pass_challenge(client, totp, next_url=reverse("leads:lead-list"))
    assert done.status_code == 302
    assert done.url == reverse("leads:lead-list")
    assert client.get(reverse("leads:lead-list")).status_code == 200
    assert "auth.twofactor_verified" in actions()


def staff_pages():
    """Every GET page of Keel without arguments, as the access tables name them."""
    for namespace, table in access.declared().items():
        for name, rule in table.items():
            full = f"{namespace}:{name}" if namespace else name
            if rule.public or full in twofactor.CHALLENGE_URLS:
                continue
            try:
                yield reverse(full)
            except Exception:
                continue


def test_the_middleware_blocks_every_staff_page_until_verified(client_for, admin_user):
    enrol_app(admin_user)
    client = client_for(admin_user)
    pages = [*staff_pages(), "/admin/", reverse("admin:accounts_user_changelist")]
    assert len(pages) > 15
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(CHALLENGE), url
    # htmx requests are told to load the challenge as a whole page
    hx = client.get(reverse("leads:lead-list"), HTTP_HX_REQUEST="true")
    assert hx.status_code == 204
    assert hx["HX-Redirect"].startswith(CHALLENGE)
    # a form post is refused too, nothing is written
    post = client.post(reverse("accounts:profile"), {"full_name": "Changed", "theme": "dark"})
    assert post.status_code == 302
    assert post.url.startswith(CHALLENGE)
    admin_user.refresh_from_db()
    assert admin_user.full_name == "Ada Admin"


def test_static_files_and_sign_out_stay_open(client_for, rep):
    enrol_app(rep)
    client = client_for(rep)
    assert client.get("/static/js/twofactor.js").status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_verification_rotates_the_session_key_and_follows_the_session_list(client, rep):
    totp = enrol_app(rep)
    sign_in(client, rep)
    before = client.session.session_key
    assert UserSession.objects.filter(session_key=before).exists()
    pass_challenge(client, totp)
    after = client.session.session_key
    assert after != before
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [after]


def test_a_wrong_code_is_refused_and_audited(client_for, rep):
    enrol_app(rep)
    client = client_for(rep)
    response = client.post(CHALLENGE, {"code": "000000"})
    assert response.status_code == 400
    assert "not right" in response.content.decode()
    row = AuditEntry.objects.get(action="auth.twofactor_failed")
    assert row.actor_id == rep.pk
    assert row.changes["method"] == "app"
    assert client.get(HOME).status_code == 302  # still not verified


def test_a_code_is_accepted_once(client_for, rep):
    totp = enrol_app(rep)
    code = totp.now()
    first = client_for(rep)
    assert first.post(CHALLENGE, {"code": code}).status_code == 302
    second = client_for(rep)  # another sign-in replays the same code
    assert second.post(CHALLENGE, {"code": code}).status_code == 400


def test_five_wrong_codes_then_a_wait(client_for, rep, settings):
    settings.CRM_2FA_MAX_FAILURES = 5
    totp = enrol_app(rep)
    AuthenticatorApp.objects.update(throttling_failure_count=0)
    client = client_for(rep)
    with time_machine.travel("2026-03-02 10:00:05", tick=False):
        for _ in range(5):
            AuthenticatorApp.objects.update(throttling_failure_timestamp=None)  # device throttle
            assert client.post(CHALLENGE, {"code": "111111"}).status_code == 400
        blocked = client.post(CHALLENGE, {"code": totp.now()})
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "Too many wrong codes" in blocked.content.decode()
    throttled = AuditEntry.objects.filter(action="auth.twofactor_failed", changes__throttled=True)
    assert throttled.count() == 1
    assert AuditEntry.objects.filter(action="auth.twofactor_failed").count() == 6
    with time_machine.travel("2026-03-02 10:05:10", tick=False):
        AuthenticatorApp.objects.update(throttling_failure_timestamp=None)
        assert client.post(CHALLENGE, {"code": totp.now()}).status_code == 302


def test_the_device_throttle_holds_without_the_cache_counter(client_for, rep, settings):
    """django-otp's own per-device delay doubles after each failure, in the database."""
    settings.CRM_2FA_MAX_FAILURES = 100
    totp = enrol_app(rep)
    client = client_for(rep)
    with time_machine.travel("2026-03-02 10:00:05", tick=False):
        assert client.post(CHALLENGE, {"code": "111111"}).status_code == 400
        assert client.post(CHALLENGE, {"code": "222222"}).status_code == 429
        assert client.post(CHALLENGE, {"code": totp.now()}).status_code == 429


def test_password_reset_does_not_bypass_two_factor(client, rep, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    enrol_app(rep)
    client.post(reverse("account_reset_password"), {"email": rep.email})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    form = client.get(link.group(1), follow=True)
    post_url = form.redirect_chain[-1][0] if form.redirect_chain else link.group(1)
    done = client.post(post_url, {"password1": "A-new-pass-92x", "password2": "A-new-pass-92x"})
    assert done.status_code == 302
    assert "_auth_user_id" not in client.session  # no sign-in on reset
    assert "auth.password_reset" in actions()
    response = sign_in(client, rep, "A-new-pass-92x")
    assert client.get(response.url).url.startswith(CHALLENGE)
    assert AuthenticatorApp.objects.filter(user=rep, confirmed=True).exists()


def test_password_change_is_audited(client_for, rep):
    client = client_for(rep)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": "pw-for-tests", "password1": "An0ther-pass!", "password2": "An0ther-pass!"},
    )
    assert "auth.password_changed" in actions()


# ---------------------------------------------------------------- backup codes


def enrol_with_codes(client, user):
    """Enrol through the pages; returns (totp, the ten backup codes shown)."""
    page = client.get(APP)
    assert page.status_code == 200
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    totp = pyotp.TOTP(secret)
    done = client.post(APP, {"code": totp.now()})
    assert done.status_code == 302
    assert done.url == CODES
    shown = client.get(CODES).content.decode()
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4})</code>", shown)
    return totp, codes


def test_enrolment_shows_a_qr_code_and_ten_codes_once(client_for, rep):
    client = client_for(rep)
    page = client.get(APP).content.decode()
    assert "<svg" in page
    assert "QR code" in page
    assert "<script" not in page.split("<main", 1)[1]  # no inline script
    _totp, codes = enrol_with_codes(client, rep)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert codes[0] not in client.get(CODES).content.decode()  # shown once
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert not stored & {c.replace("-", "") for c in codes}
    assert not stored & set(codes)
    assert "twofactor.enabled" in actions()
    assert client.session.get(twofactor.VERIFIED_AT)  # the enrolling session is verified


def test_the_seed_is_encrypted_in_the_database(rep):
    from django.db import connection

    enrol_app(rep)
    device = AuthenticatorApp.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_authenticatorapp")
        (stored,) = cursor.fetchone()
    assert device.key not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token


def test_a_backup_code_works_once(client, rep):
    client.force_login(rep)
    _, codes = enrol_with_codes(client, rep)
    for attempt, expected in ((codes[3], 302), (codes[3], 400)):
        client.logout()
        client.force_login(rep)
        assert client.post(CHALLENGE, {"code": attempt}).status_code == expected
    client.logout()
    client.force_login(rep)
    BackupCodes.objects.update(throttling_failure_timestamp=None)  # past the 1 s device delay
    assert client.post(CHALLENGE, {"code": codes[4].upper().replace("-", " ")}).status_code == 302
    assert StaticToken.objects.count() == 8
    methods = AuditEntry.objects.filter(action="auth.twofactor_verified")
    assert [row.changes["method"] for row in methods].count("backup") == 2


def test_regenerating_codes_replaces_them_and_is_audited(client, rep):
    client.force_login(rep)
    _, old = enrol_with_codes(client, rep)
    assert client.post(NEW_CODES).status_code == 302
    new = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4})</code>", client.get(CODES).content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    assert "twofactor.backup_codes_regenerated" in actions()
    client.logout()
    client.force_login(rep)
    assert client.post(CHALLENGE, {"code": old[0]}).status_code == 400


# ---------------------------------------------------------------- policy


def test_a_role_that_requires_two_factor_sends_to_enrolment_first(client_for, rep):
    require_for(roles.SALES_REP)
    client = client_for(rep)
    for url in (HOME, reverse("leads:lead-list"), reverse("accounts:profile")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(SETUP), url
    assert client.get(SETUP).status_code == 200
    assert client.get(APP).status_code == 200
    enrol_with_codes(client, rep)
    assert client.get(HOME).status_code == 200


def test_roles_without_the_requirement_see_an_invitation(client_for, manager):
    page = client_for(manager).get(HOME)
    assert page.status_code == 200
    assert "Set up two-factor authentication" in page.content.decode()


def test_admins_require_two_factor_on_a_real_install(admin_user):
    """Migration 0011 turns the requirement on for the Admin role; the demo turns it off."""
    import importlib

    from django.apps import apps

    from accounts import demo
    from accounts.models import Role

    migration = importlib.import_module("accounts.migrations.0011_two_factor_policy")
    migration.admins_require_two_factor(apps, None)
    assert Role.objects.get(slug=roles.ADMIN).require_two_factor
    assert twofactor.is_required(admin_user)
    demo.seed_people()
    assert not Role.objects.get(slug=roles.ADMIN).require_two_factor


def test_turning_off_is_refused_when_the_role_requires_it(client_for, rep):
    totp = enrol_app(rep)
    require_for(roles.SALES_REP)
    client = client_for(rep)
    pass_challenge(client, totp)
    response = client.post(DISABLE, follow=True)
    assert "requires two-factor" in response.content.decode()
    assert AuthenticatorApp.objects.filter(user=rep).exists()
    assert client.post(reverse("accounts:twofactor-app-remove")).status_code == 302
    assert AuthenticatorApp.objects.filter(user=rep).exists()


def test_turning_off_needs_a_recent_check_and_is_audited(client_for, rep):
    totp = enrol_app(rep)
    client = client_for(rep)
    with time_machine.travel("2026-03-02 10:00:00", tick=False):
        pass_challenge(client, totp)
    with time_machine.travel("2026-03-02 10:20:00", tick=False):
        stale = client.post(DISABLE)
        assert stale.status_code == 302
        assert stale.url.startswith(CHALLENGE)
        assert AuthenticatorApp.objects.filter(user=rep).exists()
        pass_challenge(client, totp)
        assert client.post(DISABLE).status_code == 302
        assert client.get(HOME).status_code == 200  # nothing left to check
    assert not AuthenticatorApp.objects.filter(user=rep).exists()
    assert not BackupCodes.objects.filter(user=rep).exists()
    assert "twofactor.disabled" in actions()


def test_nobody_removes_another_users_passkey(client_for, rep, other_rep):
    key = Passkey.objects.create(
        user=other_rep, name="Key", confirmed=True, credential_id="abc", public_key="pk"
    )
    response = client_for(rep).post(reverse("accounts:passkey-remove", args=[key.pk]))
    assert response.status_code == 404
    assert Passkey.objects.filter(pk=key.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (SETUP, APP, CHALLENGE, CODES):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)


# ---------------------------------------------------------------- recent check


@pytest.mark.parametrize("url", [ALLOWLIST, AUDIT, "/settings/roles/new/", "/settings/users/new/"])
def test_security_settings_ask_for_a_recent_check(client_for, admin_user, url):
    totp = enrol_app(admin_user)
    client = client_for(admin_user)
    with time_machine.travel("2026-03-02 10:00:00", tick=False):
        pass_challenge(client, totp)
        assert client.get(url).status_code == 200
    with time_machine.travel("2026-03-02 10:14:00", tick=False):
        assert client.get(url).status_code == 200
    with time_machine.travel("2026-03-02 10:16:00", tick=False):
        stale = client.get(url)
        assert stale.status_code == 302
        assert stale.url == f"{CHALLENGE}?next={url.replace('/', '%2F')}"
        page = client.get(stale.url)
        assert "Confirm it is you" in page.content.decode()
        back = pass_challenge(client, totp, next_url=url)
        assert back.status_code == 302
        assert back.url == url
        assert client.get(url).status_code == 200


def test_the_decorator_lets_users_without_a_second_factor_through(rf_user_request):
    calls = []

    @twofactor.recent_check_required
    def view(request):
        calls.append(request)
        return "ok"

    assert view(rf_user_request) == "ok"
    assert calls


def test_the_decorator_keeps_only_local_next_targets(client_for, rep):
    totp = enrol_app(rep)
    client = client_for(rep)
    response = pass_challenge(client, totp, next_url="https://evil.example/")
    assert response.url == HOME


@pytest.fixture
def rf_user_request(rep):
    request = RequestFactory().get("/settings/")
    request.user = rep
    request.user.is_verified = lambda: False
    request.session = {}
    return request


# ---------------------------------------------------------------- pages, per role and cost


@pytest.mark.parametrize("persona", ["admin_user", "manager", "rep", "support", "read_only"])
def test_every_role_manages_their_own_second_factor(request, client_for, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200
    assert "Two-factor authentication" in page.content.decode()
    assert client.get(SETUP).status_code == 200


def test_the_profile_section_costs_the_same_with_many_passkeys(
    client_for, rep, django_assert_max_num_queries
):
    enrol_app(rep)
    client = client_for(rep)
    client.force_login(rep)
    session = client.session
    device = AuthenticatorApp.objects.get(user=rep)
    session["otp_device_id"] = device.persistent_id
    session.save()
    client.get(SETUP)
    with django_assert_max_num_queries(40) as few:
        client.get(SETUP)
    for n in range(6):
        Passkey.objects.create(
            user=rep, name=f"Key {n}", confirmed=True, credential_id=f"id{n}", public_key="pk"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(SETUP)
    assert page.content.decode().count("Remove passkey") == 6


# ---------------------------------------------------------------- the live websocket


@pytest.mark.django_db(transaction=True)
def test_the_live_socket_needs_the_second_factor_too(standard_roles):
    from asgiref.sync import async_to_sync
    from asgiref.testing import ApplicationCommunicator

    from crm.consumers import CLOSE_UNAUTHENTICATED, LiveConsumer
    from tests.accounts.factories import UserFactory

    user = UserFactory(role=roles.SALES_REP)
    device = AuthenticatorApp.objects.create(user=user, name="Phone", confirmed=True)

    async def opens(session) -> bool:
        scope = {"type": "websocket", "path": "/ws/live/", "headers": [], "subprotocols": []}
        app = ApplicationCommunicator(
            LiveConsumer.as_asgi(), {**scope, "user": user, "session": session}
        )
        await app.send_input({"type": "websocket.connect"})
        assert (await app.receive_output(timeout=2))["type"] == "websocket.accept"
        closed = await app.receive_nothing(timeout=0.3)
        if not closed:
            message = await app.receive_output(timeout=2)
            assert message == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
            return False
        await app.send_input({"type": "websocket.disconnect", "code": 1000})
        await app.wait(timeout=2)
        return True

    assert async_to_sync(opens)({}) is False
    assert async_to_sync(opens)({"otp_device_id": device.persistent_id}) is True


# ---------------------------------------------------------------- Django admin


def test_admins_switch_the_policy_and_remove_lost_devices_audited(client_for, admin_user, rep):
    from accounts.models import Role

    totp = enrol_app(admin_user)
    enrol_app(rep)
    client = client_for(admin_user)
    pass_challenge(client, totp)
    role = Role.objects.get(slug=roles.SALES_REP)
    response = client.post(
        reverse("admin:accounts_role_change", args=[role.pk]),
        {
            "name": role.name,
            "slug": role.slug,
            "description": role.description,
            "rank": role.rank,
            "require_two_factor": "on",
        },
    )
    assert response.status_code == 302
    assert Role.objects.get(pk=role.pk).require_two_factor
    row = AuditEntry.objects.get(action="security.two_factor_policy_changed")
    assert row.changes == {"require_two_factor": [False, True]}

    lost = AuthenticatorApp.objects.get(user=rep)
    page = client.get(reverse("admin:accounts_authenticatorapp_change", args=[lost.pk]))
    assert page.status_code == 200
    assert lost.key not in page.content.decode()  # the seed is never shown
    url = reverse("admin:accounts_authenticatorapp_delete", args=[lost.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not AuthenticatorApp.objects.filter(user=rep).exists()
    removed = AuditEntry.objects.filter(action="twofactor.disabled").first()
    assert removed.changes["by_admin"] is True
    assert removed.object_id == str(rep.pk)


def test_people_without_the_admin_permission_cannot_reach_devices(client_for, manager):
    response = client_for(manager).get(reverse("admin:accounts_authenticatorapp_changelist"))
    assert response.status_code == 302  # the Django admin sends non-staff to its sign-in

"""Signing in with a passkey alone: no email, no password; the passkey's user verification
makes it both factors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import twofactor_views
from accounts.models import AuditEntry, Passkey
from tests.accounts.test_twofactor_passkeys import (
    SoftwareAuthenticator,
    b64,
    post_json,
    register,
)

pytestmark = pytest.mark.django_db
OPTIONS = reverse("accounts:passkey-login-options")
LOGIN = reverse("accounts:passkey-login")
HOME = reverse("accounts:home")


@pytest.fixture
def enrolled(client_for, rep):
    """``rep`` with a passkey, and a browser where nobody is signed in."""
    authenticator = SoftwareAuthenticator()
    assert register(client_for(rep), authenticator).status_code == 200
    client = client_for(None)
    return authenticator, client


def answer(authenticator, client, user, *, verified=True, handle=None):
    options = post_json(client, OPTIONS).json()
    assert options["allowCredentials"] == []
    assert options["userVerification"] == "required"
    handle = handle or b64(f"keel-user-{user.pk}".encode())
    if not verified:
        return _unverified(authenticator, options, handle)
    credential = authenticator.get(options)
    credential["response"]["userHandle"] = handle
    return credential


def _unverified(authenticator, options, handle):
    """An assertion signed with only the user-present flag (nobody unlocked the key)."""
    import hashlib
    import struct

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    authenticator.counter += 1
    rp_hash = hashlib.sha256(authenticator.rp_id.encode()).digest()
    auth_data = rp_hash + bytes([0x01]) + struct.pack(">I", authenticator.counter)
    client_data = authenticator._client_data("webauthn.get", options["challenge"])
    signature = authenticator.key.sign(
        auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
    )
    return {
        "id": b64(authenticator.credential_id),
        "rawId": b64(authenticator.credential_id),
        "type": "public-key",
        "response": {
            "clientDataJSON": b64(client_data),
            "authenticatorData": b64(auth_data),
            "signature": b64(signature),
            "userHandle": handle,
        },
        "clientExtensionResults": {},
    }


def test_the_login_page_offers_it(client_for):
    page = client_for(None).get(reverse("account_login")).content.decode()
    assert "Sign in with a passkey" in page
    assert 'data-passkey="authenticate"' in page


def test_a_passkey_signs_in_with_both_factors(enrolled, rep):
    authenticator, client = enrolled
    credential = answer(authenticator, client, rep)
    response = post_json(client, LOGIN, {"credential": credential, "next": "/leads/"})
    assert response.status_code == 200, response.content
    assert response.json()["redirect"] == "/leads/"
    assert client.get(HOME).status_code == 200  # no second-factor challenge
    assert Passkey.objects.get().sign_count == authenticator.counter
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "changes"))
    assert "auth.login" in [action for action, _ in actions]
    assert ("auth.twofactor_verified", {"method": "passkey-login"}) in actions


@pytest.mark.parametrize("problem", ["unverified", "other-handle", "deactivated", "replayed"])
def test_a_doubtful_passkey_signs_nobody_in(enrolled, rep, other_rep, problem):
    authenticator, client = enrolled
    handle = b64(f"keel-user-{other_rep.pk}".encode()) if problem == "other-handle" else None
    credential = answer(authenticator, client, rep, verified=problem != "unverified", handle=handle)
    if problem == "deactivated":
        rep.is_active = False
        rep.save()
    if problem == "replayed":
        assert post_json(client, LOGIN, {"credential": credential}).status_code == 200
        client.logout()
    response = post_json(client, LOGIN, {"credential": credential})
    assert response.status_code == 400
    assert response.json()["error"].startswith("That passkey was not accepted") or (
        "expired" in response.json()["error"]
    )
    assert client.get(HOME).status_code == 302
    assert AuditEntry.objects.filter(action="auth.login_failed").exists()


def test_guessing_is_throttled_per_address(client_for, monkeypatch):
    monkeypatch.setattr(twofactor_views, "PASSKEY_LOGIN_RATE", (2, 300))
    client = client_for(None)
    assert post_json(client, OPTIONS).status_code == 200
    assert post_json(client, OPTIONS).status_code == 200
    response = post_json(client, OPTIONS)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0

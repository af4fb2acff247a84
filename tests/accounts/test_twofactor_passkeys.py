"""Passkeys: registration and authentication verified on the server against a software
authenticator built here (an ES256 key from ``cryptography``, "none" attestation)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from accounts.models import AuditEntry, Passkey
from tests.accounts.twofactor_helpers import CHALLENGE

pytestmark = pytest.mark.django_db
ORIGIN = "http://testserver"
RP_ID = "testserver"
REG_OPTIONS = reverse("accounts:passkey-register-options")
REGISTER = reverse("accounts:passkey-register")
AUTH_OPTIONS = reverse("accounts:passkey-auth-options")
AUTH = reverse("accounts:passkey-auth")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftwareAuthenticator:
    """Just enough of a FIDO2 authenticator: one ES256 credential, a signature counter."""

    def __init__(self, rp_id: str = RP_ID, origin: str = ORIGIN) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0
        self.rp_id, self.origin = rp_id, origin

    def _cose(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}
        ).encode()

    def create(self, options: dict) -> dict:
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        attested = b"\0" * 16 + struct.pack(">H", len(self.credential_id)) + self.credential_id
        flags = bytes([0x45])  # user present, user verified, attested credential data
        auth_data = rp_hash + flags + struct.pack(">I", self.counter) + attested + self._cose()
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(self._client_data("webauthn.create", options["challenge"])),
                "attestationObject": b64(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }

    def get(self, options: dict, *, counter: int | None = None) -> dict:
        self.counter = self.counter + 1 if counter is None else counter
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        auth_data = rp_hash + bytes([0x05]) + struct.pack(">I", self.counter)
        client_data = self._client_data("webauthn.get", options["challenge"])
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(signature),
                "userHandle": None,
            },
            "clientExtensionResults": {},
        }


def post_json(client, url, body=None):
    return client.post(
        url, json.dumps(body or {}), content_type="application/json", HTTP_ACCEPT="application/json"
    )


def register(client, authenticator, name="Laptop"):
    options = post_json(client, REG_OPTIONS).json()
    assert options["rp"]["id"] == RP_ID
    return post_json(client, REGISTER, {"credential": authenticator.create(options), "name": name})


def test_a_passkey_registers_and_turns_two_factor_on(client_for, rep):
    client = client_for(rep)
    authenticator = SoftwareAuthenticator()
    response = register(client, authenticator)
    assert response.status_code == 200, response.content
    assert response.json()["redirect"] == reverse("accounts:twofactor-backup-codes")
    passkey = Passkey.objects.get(user=rep)
    assert passkey.credential_id == b64(authenticator.credential_id)
    assert passkey.name == "Laptop"
    assert passkey.transports == ["internal"]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"passkey.added", "twofactor.enabled"} <= actions
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT public_key FROM accounts_passkey")
        (stored,) = cursor.fetchone()
    assert stored.startswith("gAAAAA")
    assert stored != passkey.public_key


def test_signing_in_with_the_passkey(client_for, rep):
    client = client_for(rep)
    authenticator = SoftwareAuthenticator()
    register(client, authenticator)
    fresh = client_for(rep)
    assert fresh.get(reverse("accounts:home")).url.startswith(CHALLENGE)
    assert "Use a passkey" in fresh.get(CHALLENGE).content.decode()
    options = post_json(fresh, AUTH_OPTIONS).json()
    assert options["allowCredentials"][0]["id"] == b64(authenticator.credential_id)
    body = {"credential": authenticator.get(options), "next": reverse("leads:lead-list")}
    response = post_json(fresh, AUTH, body)
    assert response.status_code == 200, response.content
    assert response.json()["redirect"] == reverse("leads:lead-list")
    assert fresh.get(reverse("accounts:home")).status_code == 200
    assert Passkey.objects.get().sign_count == 1
    verified = AuditEntry.objects.filter(action="auth.twofactor_verified").first()
    assert verified.changes["method"] == "passkey"


@pytest.mark.parametrize(
    "tamper",
    ["wrong-origin", "replayed-counter", "reused-challenge", "other-key", "no-challenge"],
)
def test_a_bad_assertion_is_refused(client_for, rep, tamper):
    client = client_for(rep)
    authenticator = SoftwareAuthenticator()
    register(client, authenticator)
    fresh = client_for(rep)
    options = post_json(fresh, AUTH_OPTIONS).json()
    good = authenticator.get(options)
    assert post_json(fresh, AUTH, {"credential": good}).status_code == 200
    fresh = client_for(rep)
    if tamper == "no-challenge":
        credential = authenticator.get(options)
    else:
        options = post_json(fresh, AUTH_OPTIONS).json()
        if tamper == "wrong-origin":
            credential = SoftwareAuthenticator.get(
                _with(authenticator, origin="https://evil.example"), options
            )
        elif tamper == "replayed-counter":
            credential = authenticator.get(options, counter=1)  # not above the stored 1
        elif tamper == "reused-challenge":
            credential = good
        else:
            other = SoftwareAuthenticator()
            other.credential_id = authenticator.credential_id  # same id, another key
            credential = other.get(options)
    response = post_json(fresh, AUTH, {"credential": credential})
    assert response.status_code == 400
    assert fresh.get(reverse("accounts:home")).status_code == 302  # still not verified
    assert AuditEntry.objects.filter(action="auth.twofactor_failed").exists() or (
        tamper == "no-challenge"
    )


def _with(authenticator, **changes):
    copy = SoftwareAuthenticator.__new__(SoftwareAuthenticator)
    copy.__dict__.update(authenticator.__dict__, **changes)
    return copy


def test_a_registration_for_another_site_is_refused(client_for, rep):
    client = client_for(rep)
    options = post_json(client, REG_OPTIONS).json()
    credential = SoftwareAuthenticator(rp_id="evil.example").create(options)
    response = post_json(client, REGISTER, {"credential": credential, "name": "x"})
    assert response.status_code == 400
    assert not Passkey.objects.exists()


def test_removing_the_last_passkey_turns_two_factor_off(client_for, rep):
    client = client_for(rep)
    register(client, SoftwareAuthenticator())
    passkey = Passkey.objects.get()
    response = client.post(reverse("accounts:passkey-remove", args=[passkey.pk]))
    assert response.status_code == 302
    assert not Passkey.objects.exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"passkey.removed", "twofactor.disabled"} <= actions


def test_another_users_passkey_does_not_verify_me(client_for, rep, other_rep):
    theirs = SoftwareAuthenticator()
    register(client_for(other_rep), theirs)
    register(client_for(rep), SoftwareAuthenticator())
    mine = client_for(rep)
    options = post_json(mine, AUTH_OPTIONS).json()
    response = post_json(mine, AUTH, {"credential": theirs.get(options)})
    assert response.status_code == 400
    assert mine.get(reverse("accounts:home")).status_code == 302

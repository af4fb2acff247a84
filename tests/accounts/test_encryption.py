"""Encryption at rest: keys, the system check, and key rotation round trip."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import encryption
from accounts.models import AuthenticatorApp, Passkey

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def stored(table, column="key"):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_the_registry_names_every_encrypted_column():
    labels = {entry.label for entry in encryption.registered()}
    assert {"accounts.AuthenticatorApp.key", "accounts.Passkey.public_key"} <= labels


def test_without_keys_development_derives_one_from_secret_key(settings):
    settings.CRM_ENCRYPTION_KEYS = []
    token = encryption.encrypt("seed")
    assert Fernet(encryption.derived_key(settings.SECRET_KEY)).decrypt(token.encode()) == b"seed"
    assert encryption.keys_are_derived()


def test_production_without_keys_is_a_system_check_error(settings):
    settings.CRM_ENCRYPTION_KEYS = []
    settings.DEBUG = False
    settings.CRM_ALLOW_EMBEDDED = False
    assert [e.id for e in encryption.encryption_keys_check()] == ["accounts.E001"]
    settings.CRM_ENCRYPTION_KEYS = ["not-a-key"]
    assert [e.id for e in encryption.encryption_keys_check()] == ["accounts.E002"]
    settings.CRM_ENCRYPTION_KEYS = [NEW]
    assert encryption.encryption_keys_check() == []


def test_a_tampered_value_is_refused(settings, rep):
    settings.CRM_ENCRYPTION_KEYS = [NEW]
    AuthenticatorApp.objects.create(user=rep, name="Phone")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_authenticatorapp SET key = 'gAAAAAforged'")
    with pytest.raises(encryption.DecryptionError, match=r"AuthenticatorApp\.key"):
        AuthenticatorApp.objects.get()


@pytest.mark.django_db
def test_rotation_round_trip(settings, rep, other_rep, capsys):
    settings.CRM_ENCRYPTION_KEYS = [OLD]
    apps = [AuthenticatorApp.objects.create(user=u, name="Phone") for u in (rep, other_rep, rep)]
    seeds = [app.key for app in apps]
    Passkey.objects.create(user=rep, name="Key", credential_id="c1", public_key="cose-bytes")
    before = stored("accounts_authenticatorapp")

    settings.CRM_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_encryption_keys", batch=2)
    out = capsys.readouterr().out
    assert "accounts.AuthenticatorApp.key: 3 re-encrypted, 0 already" in out
    assert "accounts.Passkey.public_key: 1 re-encrypted" in out
    after = stored("accounts_authenticatorapp")
    assert not set(before) & set(after)

    call_command("rotate_encryption_keys")  # idempotent: nothing left to do
    assert "3 already under the current key" in capsys.readouterr().out
    assert stored("accounts_authenticatorapp") == after

    settings.CRM_ENCRYPTION_KEYS = [NEW]  # the old key is gone: everything still reads
    assert [AuthenticatorApp.objects.get(pk=a.pk).key for a in apps] == seeds
    assert Passkey.objects.get().public_key == "cose-bytes"
    settings.CRM_ENCRYPTION_KEYS = [OLD]  # and the old key alone no longer does
    with pytest.raises(encryption.DecryptionError):
        AuthenticatorApp.objects.get(pk=apps[0].pk)


@pytest.mark.django_db
def test_rotation_without_the_old_key_stops_and_changes_nothing(settings, rep):
    settings.CRM_ENCRYPTION_KEYS = [OLD]
    AuthenticatorApp.objects.create(user=rep, name="Phone")
    before = stored("accounts_authenticatorapp")
    settings.CRM_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(CommandError, match="not in CRM_ENCRYPTION_KEYS"):
        call_command("rotate_encryption_keys")
    assert stored("accounts_authenticatorapp") == before


def test_an_unknown_field_is_refused():
    with pytest.raises(CommandError, match="Not an encrypted column"):
        call_command("rotate_encryption_keys", field=["accounts.User.email"])

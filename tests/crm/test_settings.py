"""Settings in both modes, read in fresh processes so each environment is applied from scratch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DATABASE_URL": "postgres://keel:pw@db.internal:5432/keel",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "SECRET_KEY": "a-long-random-production-key-" + "q" * 30,
    "ALLOWED_HOSTS": "crm.example.com",
    "EMAIL_URL": "smtp+tls://keel:secret@smtp.example.com:587",
    "CRM_ENCRYPTION_KEYS": "m2PSWapkizZ2ZL8d40BXKs2riRWQ-jefMeHj0N9AZ1Q=",  # a test-only Fernet key
}
PROBE = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "pool": settings.DATABASES["default"].get("OPTIONS", {}).get("pool"),
    "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
    "cache": settings.CACHES["default"]["BACKEND"],
    "channels": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "broker": settings.CELERY_BROKER_URL,
    "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "email_backend": settings.EMAIL_BACKEND,
    "email_tls": settings.EMAIL_USE_TLS,
}))
"""


def run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "PYTHONPATH"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "crm.settings", "CRM_VAR_DIR": str(tmp_path)}, **env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def probe(env: dict[str, str], tmp_path: Path) -> dict:
    done = run(["-c", PROBE], env, tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_embedded_default_needs_nothing_set(tmp_path):
    found = probe({}, tmp_path)
    assert found["DEBUG"] is True
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["cache"].endswith("LocMemCache")
    assert found["channels"] == "channels.layers.InMemoryChannelLayer"
    assert found["broker"] == "filesystem://localhost/"
    assert found["email_backend"].endswith("console.EmailBackend")


def test_production_mode_uses_postgresql_pool_and_redis_everywhere(tmp_path):
    found = probe(PRODUCTION, tmp_path)
    assert found["DEBUG"] is False
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["pool"] == {"min_size": 1, "max_size": 10, "timeout": 10}
    assert found["conn_max_age"] == 0
    assert found["cache"] == "crm.cache.ResilientRedisCache"
    assert found["channels"] == "channels_redis.core.RedisChannelLayer"
    assert found["broker"] == PRODUCTION["REDIS_URL"]
    assert found["ssl_redirect"] is True
    assert found["session_secure"] is True
    assert found["email_backend"].endswith("smtp.EmailBackend")
    assert found["email_tls"] is True


@pytest.mark.parametrize(
    "secret", ["", "django-insecure-keel-development-only-never-use-in-production"]
)
def test_debug_off_refuses_a_missing_or_default_secret_key(tmp_path, secret):
    env = {**PRODUCTION, "SECRET_KEY": secret}
    done = run(["-c", PROBE], env, tmp_path)
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr


def test_a_bad_value_fails_at_start_naming_the_variable(tmp_path):
    done = run(["-c", PROBE], {**PRODUCTION, "CRM_DB_POOL_MAX": "lots"}, tmp_path)
    assert done.returncode != 0
    assert "CRM_DB_POOL_MAX='lots' is invalid" in done.stderr


def test_debug_off_refuses_embedded_backends_unless_opted_in(tmp_path):
    env = {"DEBUG": "0", "SECRET_KEY": PRODUCTION["SECRET_KEY"]}
    refused = run(["manage.py", "check"], env, tmp_path)
    assert refused.returncode != 0
    assert "crm.E001" in refused.stderr

    allowed = run(["manage.py", "check"], {**env, "CRM_ALLOW_EMBEDDED": "1"}, tmp_path)
    assert allowed.returncode == 0, allowed.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


def test_check_refuses_production_without_encryption_keys(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "CRM_ENCRYPTION_KEYS"}
    done = run(["manage.py", "check"], env, tmp_path)
    assert done.returncode != 0
    assert "accounts.E001" in done.stderr + done.stdout


def test_check_deploy_warns_when_email_is_not_configured(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"}
    done = run(["manage.py", "check", "--deploy"], env, tmp_path)
    assert "crm.W001" in done.stderr + done.stdout

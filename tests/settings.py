"""Test settings: Keel's settings with faster hashing and tasks run in-process.

Service tests start real servers and workers with ``crm.settings`` itself
(tests/services/conftest.py); only the test process uses these overrides.
"""

import os

os.environ.setdefault("SECRET_KEY", "keel-tests-only-" + "x" * 40)
os.environ.setdefault("CRM_SSL_REDIRECT", "0")  # the test client speaks plain HTTP

from crm.settings import *  # noqa: F403
from crm.settings import DATABASES, EMBEDDED_DATABASE, STORAGES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 3x faster here
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # no collectstatic before tests (STACK-NOTES trap 3)
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

if EMBEDDED_DATABASE:
    # A file rather than memory, so the servers that service and browser tests start can
    # open the same test database.
    # One file per test run, so that runs in parallel (several checkouts' engineers on one
    # machine) never share a test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-keel-{os.getpid()}.sqlite3")}

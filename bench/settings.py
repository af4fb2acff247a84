"""Keel's production settings plus the yardstick page, for the benchmark server only.

The harness starts uvicorn with ``DJANGO_SETTINGS_MODULE=bench.settings`` so the yardstick
runs in the very same server process as Keel's pages, without Keel knowing about it.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from crm.env import env_str
from crm.settings import *  # noqa: F403
from crm.settings import EMBEDDED_DATABASE, EMBEDDED_REDIS, INSTALLED_APPS, VAR_DIR

if EMBEDDED_DATABASE or EMBEDDED_REDIS:
    raise ImproperlyConfigured(
        "bench.settings measures production mode: set DATABASE_URL and REDIS_URL "
        "(python -m bench does)."
    )

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"

# Manifest storage (DEBUG off) needs collectstatic; the harness collects into a temporary
# directory so a run never touches the repository's staticfiles/.
STATIC_ROOT = Path(env_str("BENCH_STATIC_ROOT", str(VAR_DIR / "bench-static")))

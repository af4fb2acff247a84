"""Print, as JSON, the settings the benchmark server runs with, for the results' record.

The harness asks the server's own settings rather than restating Keel's defaults, so the
record stays true when the defaults or the environment change.
"""

import json
from typing import Any

import django
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the benchmark server's database, cache, session and debug settings as JSON."

    def handle(self, *args: Any, **options: Any) -> None:
        database = settings.DATABASES["default"]
        facts = {
            "django": django.get_version(),
            "debug": settings.DEBUG,
            "pool": database.get("OPTIONS", {}).get("pool"),
            "conn_max_age": database.get("CONN_MAX_AGE", 0),
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            "sessions": settings.SESSION_ENGINE.rsplit(".", 1)[-1],
        }
        self.stdout.write(json.dumps(facts))

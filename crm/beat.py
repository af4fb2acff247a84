"""The beat scheduler: django-celery-beat's database scheduler plus a heartbeat.

System schedules live in code (``CELERY_BEAT_SCHEDULE``) and are synced into the database;
user-defined schedules (reports, workflows) are database rows. Every
``CRM_BEAT_HEARTBEAT_SECONDS`` the scheduler records that it is alive, which ``/health/``
reports as the scheduler's status.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django_celery_beat.schedulers import DatabaseScheduler

from crm.models import Heartbeat

logger = logging.getLogger(__name__)

BEAT_HEARTBEAT = "beat"


def beat_heartbeat_record() -> None:
    Heartbeat.objects.update_or_create(name=BEAT_HEARTBEAT, defaults={"at": timezone.now()})


class HeartbeatScheduler(DatabaseScheduler):
    _last_heartbeat: float = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        delay = super().tick(*args, **kwargs)
        interval = settings.CRM_BEAT_HEARTBEAT_SECONDS
        if time.monotonic() - self._last_heartbeat >= interval:
            try:
                close_old_connections()
                beat_heartbeat_record()
                self._last_heartbeat = time.monotonic()
            except DatabaseError:
                logger.warning("Beat could not record its heartbeat.", exc_info=True)
        return min(delay, interval)

"""Embedded mode: the Celery worker and beat inside the web server's process.

``manage.py serve`` uses this so that ``make run`` needs no broker, database server or
second process. The worker runs a thread pool in a daemon thread and beat runs threaded;
both must start before the server's event loop does (STACK-NOTES trap 1).
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any

from celery.beat import EmbeddedService
from django.conf import settings

from crm.celery import QUEUES
from crm.celery import app as celery_app

logger = logging.getLogger(__name__)


@dataclass
class EmbeddedWorkers:
    worker: Any
    worker_thread: threading.Thread
    beat: Any | None

    def stop(self) -> None:
        if self.beat is not None:
            self.beat.stop()
        self.worker.stop(in_sighandler=False)
        self.worker_thread.join(timeout=10)


def start_embedded_workers(*, concurrency: int = 4, beat: bool = True) -> EmbeddedWorkers:
    for folder in ("queue", "control"):
        (settings.BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    worker = celery_app.WorkController(
        hostname=f"embedded@{socket.gethostname()}",
        pool_cls="threads",
        concurrency=concurrency,
        queues=list(QUEUES),
        without_mingle=True,
        without_gossip=True,
        without_heartbeat=True,
        loglevel=logging.INFO,
    )
    worker_thread = threading.Thread(target=worker.start, name="celery-worker", daemon=True)
    worker_thread.start()
    beat_service = None
    if beat:
        beat_service = EmbeddedService(
            celery_app, thread=True, scheduler_cls=settings.CELERY_BEAT_SCHEDULER
        )
        beat_service.start()
    logger.info(
        "Embedded worker (%s threads, queues %s)%s started.",
        concurrency,
        ", ".join(QUEUES),
        " and beat" if beat else "",
    )
    return EmbeddedWorkers(worker=worker, worker_thread=worker_thread, beat=beat_service)

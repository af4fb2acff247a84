"""Serve Keel: pages and websockets over ASGI, plus (embedded mode) the worker and beat."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm import realtime
from crm.env import env_int


class Command(BaseCommand):
    help = (
        "Serve Keel in one process. In embedded mode (no REDIS_URL) it also runs the Celery "
        "worker and beat, so nothing else needs to be started."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=None, help="Default: $PORT or 8000.")
        parser.add_argument(
            "--worker",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Run the Celery worker and beat in this process (default: in embedded mode).",
        )
        parser.add_argument("--concurrency", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"] or env_int("PORT", 8000, min_value=1, max_value=65535)
        run_worker = options["worker"]
        if run_worker is None:
            run_worker = settings.EMBEDDED_REDIS
        if settings.EMBEDDED_REDIS and not run_worker:
            raise CommandError("Embedded mode has no other worker: do not pass --no-worker.")

        workers = None
        if run_worker:
            from crm.embedded import start_embedded_workers

            workers = start_embedded_workers(concurrency=options["concurrency"])

        mode = (
            "embedded" if settings.EMBEDDED_DATABASE and settings.EMBEDDED_REDIS else "production"
        )
        self.stdout.write(
            self.style.SUCCESS(f"Keel is running at http://{options['host']}:{port}/")
            + f"  ({mode} mode{', worker and beat in this process' if run_worker else ''};"
            " Ctrl+C stops it)"
        )
        config = uvicorn.Config(
            "crm.asgi:application",
            host=options["host"],
            port=port,
            lifespan="off",
            log_config=None,  # Django's LOGGING already configured the loggers
            proxy_headers=not settings.DEBUG,
            server_header=False,
        )
        server = uvicorn.Server(config)

        async def main() -> None:
            realtime.set_server_loop(asyncio.get_running_loop())
            await server.serve()

        try:
            asyncio.run(main())
        finally:
            if workers is not None:
                workers.stop()

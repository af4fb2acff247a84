"""Real processes for service tests: the ASGI server, a Celery worker, a Redis server.

In production mode (``DATABASE_URL``/``REDIS_URL`` set) the stack is what docker-compose runs:
uvicorn serving ``crm.asgi`` and a separate ``celery worker`` with beat, on PostgreSQL and
Redis. In embedded mode it is ``manage.py serve``: one process with the worker and beat
inside. Either way the processes use the test database, so a test creates rows with the
ORM (``transactional_db``) and the servers see them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = os.environ.get("SECRET_KEY", "keel-tests-only-" + "x" * 40)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def services_missing() -> str | None:
    """Why service tests cannot run here, or None when they can."""
    if os.environ.get("DATABASE_URL") and not _reachable(os.environ["DATABASE_URL"], 5432):
        return "DATABASE_URL is set but PostgreSQL does not answer"
    if os.environ.get("REDIS_URL") and not _reachable(os.environ["REDIS_URL"], 6379):
        return "REDIS_URL is set but Redis does not answer"
    return None


def test_database_env() -> dict[str, str]:
    """Environment that points a subprocess at the database this test session created."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return {"CRM_SQLITE_PATH": str(db["NAME"])}
    parts = urlsplit(os.environ["DATABASE_URL"])
    return {"DATABASE_URL": urlunsplit(parts._replace(path=f"/{db['NAME']}"))}


def base_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_", "CRM_SQLITE"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="crm.settings",
        SECRET_KEY=SECRET_KEY,
        DEBUG="0",
        CRM_ALLOW_EMBEDDED="1",
        CRM_SSL_REDIRECT="0",
        CRM_LOG_FORMAT="text",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(test_database_env())
    env.update(extra)
    return env


@dataclass
class Stack:
    """Processes started for a test; ``url`` is the web server's base URL."""

    url: str
    port: int
    log_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.log_dir.glob("*.log"))
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def wait_healthy(self, timeout: float = 120) -> dict:
        """Wait until /health/ answers 200 (every component green)."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"A process exited early.\n{self.logs()}")
            with contextlib.suppress(OSError):
                status, body = self.get("/health/")
                last = body.decode(errors="replace")
                if status == 200:
                    return json.loads(body)
            time.sleep(0.5)
        raise TimeoutError(f"Keel did not become healthy: {last}\n{self.logs()}")


@contextlib.contextmanager
def keel_stack(
    log_dir: Path, *, extra_env: dict[str, str] | None = None, pages: bool = False
) -> Iterator[Stack]:
    """``pages``: a browser will load pages, so the static files are collected first (the
    servers run with DEBUG off, which serves them from the manifest, as in production)."""
    port = free_port()
    stack = Stack(url=f"http://127.0.0.1:{port}", port=port, log_dir=log_dir)
    env = base_env(**(extra_env or {}))
    if pages:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
    try:
        if settings.EMBEDDED_REDIS:
            env["CRM_VAR_DIR"] = str(log_dir / "var")
            stack.start(
                "serve",
                [sys.executable, "manage.py", "serve", "--port", str(port)],
                env,
            )
        else:
            stack.start(
                "web",
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "crm.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--lifespan",
                    "off",
                    "--workers",
                    "2",
                ],
                env,
            )
            stack.start("worker", worker_command(), env)
        stack.wait_healthy()
        yield stack
    finally:
        stack.stop()


def worker_command(*extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "crm",
        "worker",
        "--beat",
        "--pool",
        "threads",
        "--concurrency",
        "4",
        "--without-mingle",
        "--without-gossip",
        "--queues",
        "default,email,webhooks,reports,ai",
        "--loglevel",
        "INFO",
        *extra,
    ]


@contextlib.contextmanager
def redis_server(port: int, log_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A throwaway Redis on ``port`` (the test starts and stops it to play an outage)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    log = open(log_dir / f"redis-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while not _reachable(f"redis://127.0.0.1:{port}", port):
            if time.monotonic() > deadline:
                raise TimeoutError("redis-server did not start")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()

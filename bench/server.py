"""The services under test: the bench's database and Redis, and a production-mode server.

The server is started the way docker-compose starts Keel (uvicorn, two workers, no
lifespan) with ``bench.settings``, which is Keel's production settings plus the yardstick.
"""

import contextlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from psycopg import sql

from bench.client import Client

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/keel_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
UVICORN_ARGS = ("crm.asgi:application", "--workers", "2", "--lifespan", "off")
START_TIMEOUT = 60
STOP_TIMEOUT = 15


class SetupError(RuntimeError):
    """A service is missing or a setup step failed; the message says which and why."""


@dataclass(frozen=True)
class Target:
    """Where the bench keeps its data: its own database and Redis database."""

    database_url: str
    redis_url: str

    @classmethod
    def from_env(cls, scale: float = 1.0) -> "Target":
        """The bench's services; a scale other than 1 gets a database of its own
        (``keel_bench_scale_0_1`` for 0.1), so each dataset is kept for the next run."""
        database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
        if scale != 1:
            parts = urlsplit(database_url)
            suffix = f"_scale_{scale:g}".replace(".", "_").replace("-", "_")
            database_url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))
        return cls(database_url, os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))


def ensure_database(url: str) -> tuple[bool, str]:
    """Create the database of ``url`` unless it exists: (created, PostgreSQL version)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
            found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if found.fetchone() is not None:
                return False, version
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True, version
    except psycopg.OperationalError as error:
        raise SetupError(f"PostgreSQL at {redact(url)} is unreachable: {error}") from error


def redis_version(url: str) -> str:
    """The version of the Redis server at ``url``, which also proves it answers."""
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        return client.info("server")["redis_version"]
    except redis.RedisError as error:
        raise SetupError(f"Redis at {redact(url)} is unreachable: {error}") from error
    finally:
        client.close()


def redact(url: str) -> str:
    """``url`` without its password, fit to print and to record."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def server_env(target: Target, static_root: Path) -> dict[str, str]:
    """Production mode on the bench's services, served as plain http on 127.0.0.1.

    A new secret key each run: the harness signs in afresh, so no session needs to last.
    """
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": target.database_url,
        "REDIS_URL": target.redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "CRM_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": HOST,
        "BENCH_STATIC_ROOT": str(static_root),
        "PYTHONUNBUFFERED": "1",
        # The harness measures speed: one client sends 220 searches a minute, past the
        # per-user limit a person never reaches.
        "CRM_SEARCH_RATE": "1000000",
    }


def manage(env: dict[str, str], *args: str) -> str:
    """Run ``manage.py`` with ``args`` and return what it printed; fail loudly."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SetupError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def manage_echo(env: dict[str, str], *args: str, indent: str = "    ") -> str:
    """Like :func:`manage`, but print each line as it comes (long steps show progress)."""
    lines = []
    with subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            print(f"{indent}{line}", end="", flush=True)
    if process.returncode != 0:
        raise SetupError(f"manage.py {' '.join(args)} failed (its output is above).")
    return "".join(lines)


@dataclass(frozen=True)
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def free_port() -> int:
    """A port nobody listens on now (other programs may hold the usual ones)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(env: dict[str, str], log_path: Path) -> Iterator[Server]:
    """Start uvicorn, wait until it answers, and stop it however the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", *UVICORN_ARGS, "--host", HOST, "--port", str(port)]
    with log_path.open("wb") as log:
        # A session of its own: Ctrl+C reaches the harness only, which stops the server.
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        server = Server(port, process, log_path)
        try:
            wait_until_live(server)
            yield server
        finally:
            stop(process)


def wait_until_live(server: Server) -> None:
    """Poll ``/health/live/`` until it answers 200, or fail with the server's log."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SetupError(f"The server exited at start:\n{server.log_tail()}")
        if answers(server.port):
            return
        time.sleep(0.2)
    raise SetupError(f"The server did not answer in {START_TIMEOUT} s:\n{server.log_tail()}")


def answers(port: int) -> bool:
    client = Client(HOST, port)
    try:
        return client.get("/health/live/").status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        client.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets uvicorn's supervisor stop its workers; SIGKILL the group if it hangs."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

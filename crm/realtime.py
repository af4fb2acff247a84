"""Pushing server-rendered fragments to a user's open pages over websockets.

All sync code (views, services, tasks) pushes through :func:`push_to_user`, after commit.
A websocket message is a hint: it can be dropped (channels-redis capacity, a closed tab),
so a page that reconnects fetches the truth over HTTP (STACK-NOTES).

Embedded mode runs the Celery worker in a thread of the web process; sending into the
in-memory channel layer from that thread with ``async_to_sync`` arrives about 100 ms late,
so the send is scheduled on the server's own event loop instead (STACK-NOTES trap 1).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None
_server_thread: int | None = None


def set_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by ``manage.py serve`` (embedded mode) once its event loop runs."""
    global _server_loop, _server_thread  # noqa: PLW0603 - one loop per process
    _server_loop = loop
    _server_thread = threading.get_ident()


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    """The group of the websockets one browser session opened (its key never appears)."""
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def close_user_sockets(user_id: int) -> None:
    """Close every open websocket of a user (deactivated), once the transaction commits."""
    message = {"type": "live.close"}
    transaction.on_commit(lambda: _group_send(user_group(user_id), message))


def close_session_sockets(session_key: str) -> None:
    """Close the websockets of one browser session (it was ended), after commit."""
    message = {"type": "live.close"}
    transaction.on_commit(lambda: _group_send(session_group(session_key), message))


def push_to_user(
    user_id: int, *, kind: str, html: str = "", data: dict[str, Any] | None = None
) -> None:
    """Send ``{kind, html, data}`` to every open page of a user, once the transaction commits."""
    message = {"type": "live.push", "kind": kind, "html": html, "data": data or {}}
    transaction.on_commit(lambda: _group_send(user_group(user_id), message))


def push_toast(user_id: int, text: str, *, level: str = "info") -> None:
    """Show a toast on the user's open pages (the same markup as Django messages)."""
    html = render_to_string("components/_toast.html", {"text": text, "level": level})
    push_to_user(user_id, kind="toast", html=html)


def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        loop = _server_loop
        if loop is not None and loop.is_running() and threading.get_ident() != _server_thread:
            asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop).result(5)
        else:
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # a lost hint must never fail the work that produced it
        logger.warning("Could not push %s to %s", message.get("kind"), group, exc_info=True)

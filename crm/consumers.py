"""The one websocket a page opens: ``/ws/live/``, joined to the user's own group."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from crm.realtime import session_group, user_group

CLOSE_UNAUTHENTICATED = 4401
# More conditions a signed-in socket must meet, registered by the apps that set them (the
# second factor: accounts.twofactor). Each gets the ASGI scope and answers True to let it in.
CONNECT_CHECKS: list[Callable[[dict[str, Any]], Awaitable[bool]]] = []


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Delivers ``live.push`` messages sent to ``user.<id>`` to that user's pages.

    Session-authenticated (``AuthMiddlewareStack``) and origin-checked
    (``AllowedHostsOriginValidator``) in ``crm.asgi``. A user only ever joins their own
    group; record groups (``deal.<id>``) will be joined after a permission check.
    """

    joined: tuple[str, ...] = ()

    async def connect(self) -> None:
        user = self.scope.get("user")
        allowed = user is not None and user.is_authenticated and user.is_active
        for check in CONNECT_CHECKS if allowed else ():
            allowed = allowed and await check(self.scope)
        if not allowed:
            # Accept, then close with a code the page understands: "signed out, stop retrying".
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        # The user's group for pushes and for closing when they are deactivated; the
        # session's for closing when that one session is ended.
        session_key = getattr(self.scope.get("session"), "session_key", None)
        self.joined = (user_group(user.pk),) + (
            (session_group(session_key),) if session_key else ()
        )
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def live_close(self, message: dict[str, Any]) -> None:
        """The user was deactivated or this session ended: close, meaning "signed out"."""
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"kind": "pong"})

    async def live_push(self, message: dict[str, Any]) -> None:
        await self.send_json(
            {
                "kind": message["kind"],
                "html": message.get("html", ""),
                "data": message.get("data", {}),
            }
        )

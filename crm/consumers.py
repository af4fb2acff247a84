"""The one websocket a page opens: ``/ws/live/``, joined to the user's own group."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from crm.realtime import user_group

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

    group: str | None = None

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
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

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

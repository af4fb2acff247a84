"""The live websocket: who may connect, and what push_to_user delivers."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from crm.consumers import CLOSE_UNAUTHENTICATED, LiveConsumer
from crm.realtime import push_to_user, push_toast
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Socket:
    """A websocket client speaking ASGI to the consumer (channels' helper needs daphne)."""

    def __init__(self, user, session=None) -> None:
        scope = {
            "type": "websocket",
            "path": "/ws/live/",
            "headers": [],
            "subprotocols": [],
            "user": user,
            "session": session,
        }
        self.app = ApplicationCommunicator(LiveConsumer.as_asgi(), scope)

    async def connect(self) -> dict:
        await self.app.send_input({"type": "websocket.connect"})
        return await self.app.receive_output(timeout=2)

    async def receive_json(self) -> dict:
        message = await self.app.receive_output(timeout=2)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def send_json(self, content: dict) -> None:
        await self.app.send_input({"type": "websocket.receive", "text": json.dumps(content)})

    async def close(self) -> None:
        await self.app.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.app.wait(timeout=2)


def test_a_signed_in_user_gets_what_is_pushed_to_them_and_nobody_else_does():
    user, other = UserFactory(), UserFactory()

    async def scenario() -> None:
        mine, theirs = Socket(user), Socket(other)
        assert (await mine.connect())["type"] == "websocket.accept"
        assert (await theirs.connect())["type"] == "websocket.accept"

        await sync_to_async(push_to_user)(user.pk, kind="refresh", data={"deal": 7})
        assert await mine.receive_json() == {"kind": "refresh", "html": "", "data": {"deal": 7}}
        assert await theirs.app.receive_nothing(timeout=0.3)

        await sync_to_async(push_toast)(user.pk, "Worker answered.", level="success")
        toast = await mine.receive_json()
        assert toast["kind"] == "toast"
        assert "toast-success" in toast["html"]
        assert "Worker answered." in toast["html"]

        await mine.send_json({"type": "ping"})
        assert await mine.receive_json() == {"kind": "pong"}
        await mine.close()
        await theirs.close()

    async_to_sync(scenario)()


def test_anonymous_is_closed_with_the_signed_out_code():
    async def scenario() -> None:
        socket = Socket(AnonymousUser())
        assert (await socket.connect())["type"] == "websocket.accept"
        closed = await socket.app.receive_output(timeout=2)
        assert (closed["type"], closed["code"]) == ("websocket.close", CLOSE_UNAUTHENTICATED)

    async_to_sync(scenario)()


def test_a_push_waits_for_the_transaction_to_commit():
    user = UserFactory()
    with mock.patch("crm.realtime._group_send") as send:
        with transaction.atomic():
            push_to_user(user.pk, kind="refresh")
            send.assert_not_called()  # whoever reacts must be able to read the change
        send.assert_called_once()


def test_deactivating_a_user_closes_their_open_pages_and_nobody_elses(standard_roles):
    from accounts import roles, services

    admin = UserFactory(role=roles.ADMIN)
    user, other = UserFactory(), UserFactory()

    async def scenario() -> None:
        mine, also_mine, theirs = Socket(user), Socket(user), Socket(other)
        for socket in (mine, also_mine, theirs):
            assert (await socket.connect())["type"] == "websocket.accept"
        await sync_to_async(services.user_deactivate)(actor=admin, user=user)
        for socket in (mine, also_mine):
            closed = await socket.app.receive_output(timeout=1)
            assert (closed["type"], closed["code"]) == ("websocket.close", CLOSE_UNAUTHENTICATED)
        assert await theirs.app.receive_nothing(timeout=0.3)
        await theirs.close()

    async_to_sync(scenario)()


def test_ending_a_session_closes_that_browsers_pages_only():
    from django.contrib.sessions.backends.db import SessionStore

    from accounts import sessions
    from accounts.models import UserSession

    user = UserFactory()
    laptop, phone = SessionStore(), SessionStore()
    for store in (laptop, phone):
        store.create()
    row = UserSession.objects.create(
        user=user, session_key=phone.session_key, ip="10.0.0.2", user_agent="Phone"
    )

    async def scenario() -> None:
        on_laptop, on_phone = Socket(user, laptop), Socket(user, phone)
        for socket in (on_laptop, on_phone):
            assert (await socket.connect())["type"] == "websocket.accept"
        await sync_to_async(sessions.revoke)(actor=user, session=row)
        closed = await on_phone.app.receive_output(timeout=1)
        assert (closed["type"], closed["code"]) == ("websocket.close", CLOSE_UNAUTHENTICATED)
        assert await on_laptop.app.receive_nothing(timeout=0.3)
        await on_laptop.close()

    async_to_sync(scenario)()

"""End to end through real processes: web enqueues, the worker runs the task, the message
crosses the channel layer (channels-redis in production mode) to a websocket client
connected to the real ASGI server."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from accounts import roles
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def session_cookie_for(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def test_health_is_green_in_every_component(stack):
    status, body = stack.get("/health/")
    checks = json.loads(body)["checks"]
    assert status == 200, body
    assert set(checks) == {"database", "cache", "channel_layer", "broker", "worker", "scheduler"}
    assert all(check["status"] == "ok" for check in checks.values()), checks
    assert checks["scheduler"]["last_heartbeat"]


def test_worker_task_reaches_the_websocket_of_the_user_who_asked(stack, standard_roles):
    admin = UserFactory(role=roles.ADMIN)
    bystander = UserFactory(role=roles.ADMIN)
    origin = stack.url
    ws_url = stack.url.replace("http://", "ws://") + "/ws/live/"
    admin_cookie = session_cookie_for(admin)
    bystander_cookie = session_cookie_for(bystander)

    with (
        connect(
            ws_url, additional_headers={"Cookie": f"sessionid={admin_cookie}", "Origin": origin}
        ) as mine,
        connect(
            ws_url, additional_headers={"Cookie": f"sessionid={bystander_cookie}", "Origin": origin}
        ) as theirs,
    ):
        csrf = secrets.token_hex(16)  # any 32-character secret, sent as cookie and header
        request = urllib.request.Request(
            stack.url + "/system/ping/",
            method="POST",
            data=b"",
            headers={
                "Cookie": f"sessionid={admin_cookie}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Origin": origin,
                "Referer": origin + "/system/",
                "HX-Request": "true",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

        try:
            message = json.loads(mine.recv(timeout=15))
        except TimeoutError:
            pytest.fail(f"No message reached the websocket.\n{stack.logs()}")
        assert message["kind"] == "toast"
        assert "answered in" in message["html"]
        with pytest.raises(TimeoutError):
            theirs.recv(timeout=1)  # pushed to the asking user's group only


def test_websocket_refuses_anonymous_and_foreign_origins(stack, standard_roles):
    ws_url = stack.url.replace("http://", "ws://") + "/ws/live/"
    anonymous = connect(ws_url, additional_headers={"Origin": stack.url})
    with anonymous, pytest.raises(ConnectionClosed) as closed:
        anonymous.recv(timeout=5)
    assert closed.value.rcvd.code == 4401  # "signed out": the page stops reconnecting

    user = UserFactory(role=roles.SALES_REP)
    cookie = session_cookie_for(user)
    with pytest.raises(InvalidStatus) as refused:
        connect(
            ws_url,
            additional_headers={"Cookie": f"sessionid={cookie}", "Origin": "http://evil.test"},
        )
    assert refused.value.response.status_code == 403


def test_deactivating_a_user_closes_their_open_pages_within_a_second(stack, standard_roles):
    import time

    admin = UserFactory(role=roles.ADMIN)
    victim = UserFactory(role=roles.SALES_REP)
    origin = stack.url
    ws_url = stack.url.replace("http://", "ws://") + "/ws/live/"
    admin_cookie = session_cookie_for(admin)
    victim_cookie = session_cookie_for(victim)
    with connect(
        ws_url, additional_headers={"Cookie": f"sessionid={victim_cookie}", "Origin": origin}
    ) as page:
        csrf = secrets.token_hex(16)
        request = urllib.request.Request(
            f"{stack.url}/settings/users/{victim.pk}/status/",
            method="POST",
            data=b"action=deactivate",
            headers={
                "Cookie": f"sessionid={admin_cookie}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Origin": origin,
                "Referer": origin + "/settings/users/",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as answer:  # the 302, not followed
            opener.open(request, timeout=10)
        assert answer.value.code == 302, answer.value.read()[:500]
        with pytest.raises(ConnectionClosed) as closed:
            page.recv(timeout=5)
        assert closed.value.rcvd.code == 4401
        assert time.monotonic() - started < 1.0, stack.logs()

"""Who is signed in where: each session of a user, seen from their side, and revoking them.

A ``UserSession`` row is made at sign-in and refreshed at most once a minute while the
session is used (``SessionActivityMiddleware``), so listing a user's sessions is one indexed
query. Revoking goes through Django's session store, which clears the table row and its
cached copy (``cached_db``): the revoked browser is signed out on its next request.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts import audit
from accounts.models import UserSession
from crm import realtime

SEEN_EVERY = 60  # seconds between two updates of a session's "last seen"
SEEN_KEY = "_keel_seen"
STARTED_KEY = "_keel_signed_in"


def _store(session_key: str | None = None) -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def _seen(request: HttpRequest, user: Any) -> None:
    key = request.session.session_key
    if not key:
        return
    client = audit.client_of(request)
    UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip": client.ip,
            "user_agent": client.user_agent,
            "last_seen_at": timezone.now(),
        },
    )
    request.session[SEEN_KEY] = int(time.time())


def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Receiver: record the new session (Django has just rotated its key)."""
    if request is not None and hasattr(request, "session"):
        request.session[STARTED_KEY] = int(time.time())
        request.session.save()  # the rotated key exists only once saved
        _seen(request, user)


def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and getattr(request, "session", None) is not None:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


def _expired(request: HttpRequest, now: float) -> str:
    """Why the session must end: "idle", "lifetime", or "" while it may go on."""
    seen = request.session.get(SEEN_KEY)
    started = request.session.get(STARTED_KEY)
    if seen and now - seen > settings.CRM_SESSION_IDLE:
        return "idle"
    if started and now - started > settings.SESSION_COOKIE_AGE:
        return "lifetime"
    return ""


class SessionActivityMiddleware:
    """End a session idle longer than ``CRM_SESSION_IDLE`` or older than ``CRM_SESSION_AGE``
    since sign-in; otherwise refresh its "last seen" (and address) once a minute."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            reason = _expired(request, now)
            if reason:
                return self._end(request, user, reason)
            if now - request.session.get(SEEN_KEY, 0) > SEEN_EVERY:
                _seen(request, user)
        return self.get_response(request)

    def _end(self, request: HttpRequest, user: Any, reason: str) -> HttpResponse:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
        audit.record("auth.session_expired", actor=user, changes={"reason": reason})
        request.session.flush()
        request.user = AnonymousUser()
        text = (
            "You were signed out after a while without activity."
            if reason == "idle"
            else "Your sign-in had reached its maximum age."
        )
        messages.info(request, f"{text} Sign in again to go on.")
        return redirect_to_login(request.get_full_path())


# ---------------------------------------------------------------- listing and revoking


@dataclass(frozen=True)
class Device:
    session: UserSession
    current: bool
    browser: str


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe(user_agent: str) -> str:
    """ "Firefox on Linux": enough to recognise one's own devices."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (re.split(r"[ /]", user_agent)[0] if user_agent else "Unknown")


def sessions_of(user: Any, *, current_key: str | None = None) -> list[Device]:
    """The user's live sessions, most recently used first (expired ones are left out)."""
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    rows = UserSession.objects.filter(user=user, session_key__in=live).order_by("-last_seen_at")
    return [Device(row, row.session_key == current_key, describe(row.user_agent)) for row in rows]


def session_of(user: Any, pk: Any) -> UserSession | None:
    """``user``'s session ``pk`` (as it came in a request), or None: nobody reaches
    another user's session through their own page."""
    return UserSession.objects.filter(user=user, pk=pk).first() if str(pk).isdigit() else None


@transaction.atomic
def revoke(*, actor: Any, session: UserSession) -> None:
    """End ``session``: its browser is signed out on its next request."""
    _store(session.session_key).delete()
    realtime.close_session_sockets(session.session_key)
    details = {"user": session.user.email, "ip": session.ip, "device": describe(session.user_agent)}
    session.delete()
    audit.record("auth.session_revoked", actor=actor, obj=session.user, changes=details)


@transaction.atomic
def revoke_others(*, actor: Any, user: Any, keep: str | None) -> int:
    """End every session of ``user`` but ``keep`` (the one making the request)."""
    rows = list(UserSession.objects.filter(user=user).exclude(session_key=keep or ""))
    for row in rows:
        _store(row.session_key).delete()
        realtime.close_session_sockets(row.session_key)
    UserSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    if rows:
        audit.record(
            "auth.sessions_revoked",
            actor=actor,
            obj=user,
            changes={"count": len(rows), "kept_current": keep is not None},
        )
    return len(rows)

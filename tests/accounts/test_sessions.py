"""Sessions: listed per user, refreshed while used, ended by their user or an admin."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts import sessions
from accounts.models import AuditEntry, UserSession

pytestmark = pytest.mark.django_db
MINE = reverse("accounts:sessions")
HOME = reverse("accounts:home")


def signed_in(user, agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", ip="10.0.0.1"):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "pw-for-tests"}
    )
    assert response.status_code == 302
    return client


def test_signing_in_records_the_session_and_signing_out_removes_it(rep):
    client = signed_in(rep)
    row = UserSession.objects.get(user=rep)
    assert row.session_key == client.session.session_key
    assert (row.ip, sessions.describe(row.user_agent)) == ("10.0.0.1", "Firefox on Linux")
    client.post(reverse("account_logout"))
    assert not UserSession.objects.filter(user=rep).exists()


def test_the_page_lists_my_sessions_and_marks_this_one(rep):
    laptop = signed_in(rep)
    signed_in(rep, agent="Mozilla/5.0 (iPhone) Safari/604.1", ip="10.0.0.2")
    page = laptop.get(MINE).content.decode()
    assert "Firefox on Linux" in page
    assert "Safari on iPhone" in page
    assert "This browser" in page
    assert page.count("This browser") == 1


def test_ending_another_session_signs_that_browser_out(rep):
    laptop = signed_in(rep)
    phone = signed_in(rep, agent="Mozilla/5.0 (iPhone) Safari/604.1", ip="10.0.0.2")
    other = UserSession.objects.get(user=rep, ip="10.0.0.2")
    response = laptop.post(MINE, {"action": "revoke", "session": other.pk})
    assert response.status_code == 302
    assert phone.get(HOME).status_code == 302  # back to the sign-in page
    assert laptop.get(HOME).status_code == 200
    assert AuditEntry.objects.filter(action="auth.session_revoked").exists()


def test_ending_all_others_keeps_this_one(rep):
    laptop = signed_in(rep)
    phones = [signed_in(rep, ip=f"10.0.1.{n}") for n in range(2)]
    laptop.post(MINE, {"action": "revoke-others"})
    assert [p.get(HOME).status_code for p in phones] == [302, 302]
    assert laptop.get(HOME).status_code == 200
    assert UserSession.objects.filter(user=rep).count() == 1


def test_nobody_ends_someone_elses_session_from_their_own_page(rep, other_rep):
    signed_in(other_rep)
    theirs = UserSession.objects.get(user=other_rep)
    response = signed_in(rep).post(MINE, {"action": "revoke", "session": theirs.pk})
    assert response.status_code == 400
    assert UserSession.objects.filter(pk=theirs.pk).exists()


def test_an_admin_ends_someones_sessions(admin_user, rep, manager):
    victim = signed_in(rep)
    url = reverse("accounts:user-sessions", args=[rep.pk])
    assert signed_in(manager).get(url).status_code == 403
    admin = signed_in(admin_user)
    assert "Firefox on Linux" in admin.get(url).content.decode()
    admin.post(url, {"action": "revoke-others"})
    assert victim.get(HOME).status_code == 302
    row = AuditEntry.objects.get(action="auth.sessions_revoked")
    assert (row.actor_id, row.object_id) == (admin_user.pk, str(rep.pk))


def age(client, **ago):
    """Move the session's clock marks into the past by ``ago`` seconds."""
    session = client.session
    for key, seconds in ago.items():
        session[key] = session[key] - seconds
    session.save()


def test_an_idle_session_ends_on_its_next_request(rep, settings):
    settings.CRM_SESSION_IDLE = 3600
    client = signed_in(rep)
    assert client.get(HOME).status_code == 200
    age(client, **{sessions.SEEN_KEY: 3601})
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(HOME).status_code == 302  # really signed out
    row = AuditEntry.objects.get(action="auth.session_expired")
    assert (row.actor_id, row.changes) == (rep.pk, {"reason": "idle"})
    assert not UserSession.objects.filter(user=rep).exists()


def test_a_session_past_its_maximum_age_ends_even_when_used(rep, settings):
    settings.SESSION_COOKIE_AGE = 7200
    client = signed_in(rep)
    age(client, **{sessions.STARTED_KEY: 7201})
    assert client.get(HOME).status_code == 302
    assert AuditEntry.objects.get(action="auth.session_expired").changes == {"reason": "lifetime"}


def test_a_recent_session_goes_on(rep, settings):
    settings.CRM_SESSION_IDLE = 3600
    client = signed_in(rep)
    age(client, **{sessions.SEEN_KEY: 1800})
    assert client.get(HOME).status_code == 200
    assert not AuditEntry.objects.filter(action="auth.session_expired").exists()

"""The shared shell: layout, navigation by permission, error pages, request ids."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
HOME = reverse("accounts:home")


def test_the_shell_has_landmarks_and_named_controls(client_for, rep):
    html = client_for(rep).get(HOME).content.decode()
    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    assert '<aside class="sidebar" id="sidebar" aria-label="Sidebar">' in html
    assert 'aria-label="Open navigation"' in html
    assert 'aria-label="Account menu for Riley Rep"' in html
    assert 'role="group" aria-labelledby="theme-label"' in html
    assert 'id="toasts" class="toasts" role="status" aria-live="polite"' in html
    assert 'aria-current="page"' in html  # Home is the current page


def test_the_shell_loads_only_local_assets(client_for, rep):
    html = client_for(rep).get(HOME).content.decode()
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html
    assert "/static/django_htmx/htmx-2.min.js" in html


@pytest.mark.parametrize(
    ("persona", "sees_system"), [("admin_user", True), ("manager", False), ("rep", False)]
)
def test_the_sidebar_shows_what_the_role_may_open(request, client_for, persona, sees_system):
    html = client_for(request.getfixturevalue(persona)).get(HOME).content.decode()
    assert ('href="/system/"' in html) is sees_system


def test_the_django_admin_link_is_for_staff_only(client_for, rep, admin_user):
    assert 'href="/admin/"' not in client_for(rep).get(HOME).content.decode()
    assert 'href="/admin/"' in client_for(admin_user).get(HOME).content.decode()


def test_403_is_a_styled_page_in_the_shell(client_for, rep):
    response = client_for(rep).get(reverse("crm:system-status"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "You do not have access to this page" in html
    assert 'id="sidebar"' in html


def test_404_is_styled_for_signed_in_and_anonymous_users(client_for, rep):
    response = client_for(rep).get("/no/such/page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
    assert 'id="sidebar"' in response.content.decode()

    response = client_for(None).get("/no/such/page/")
    assert response.status_code == 404
    assert "Check the address, or sign in" in response.content.decode()
    assert 'id="sidebar"' not in response.content.decode()


@override_settings(ROOT_URLCONF="tests.crm.urls_for_tests", DEBUG=False)
def test_500_is_styled_and_never_shows_a_traceback(client_for, rep):
    client = client_for(rep)
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html
    assert f"<code>{response['X-Request-ID']}</code>" in html  # a reference to quote


def test_each_response_carries_a_request_id(client):
    generated = client.get("/health/live/")["X-Request-ID"]
    assert len(generated) == 32
    assert (
        client.get("/health/live/", headers={"X-Request-ID": "lb-1234"})["X-Request-ID"]
        == "lb-1234"
    )
    forged = client.get("/health/live/", headers={"X-Request-ID": "<script>"})["X-Request-ID"]
    assert forged != "<script>"


def test_security_headers(client):
    response = client.get(reverse("account_login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_views_get_the_user_itself_not_a_lazy_stand_in(client_for, rep):
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client
    from django.utils.functional import LazyObject

    request = client_for(rep).get("/").wsgi_request
    assert not isinstance(request.user, LazyObject)
    assert request.user.pk == rep.pk
    assert request.user.is_verified() is False  # django-otp's marks survive
    anonymous = Client().get("/accounts/login/").wsgi_request
    assert isinstance(anonymous.user, AnonymousUser)

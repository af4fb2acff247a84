"""Every URL needs a signed-in user unless it is on the reviewed public list, and every
Keel URL has an entry in its app's access table (crm.access)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from crm import access

# Reviewed: each of these is reachable without signing in, on purpose.
REVIEWED_PUBLIC = {
    "crm:health",  # load balancers and uptime checks; reports statuses, no secrets
    "crm:health-live",  # container liveness probe
    "account_login",
    "account_inactive",  # where allauth sends a deactivated user after the password step
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",  # the link in the reset email
    "account_reset_password_from_key_done",
    "leads:public-form",  # web-to-lead: posted to from customers' sites; token-addressed
    "accounts:passkey-login-options",  # signing in with a passkey: a challenge, rate-limited
    "accounts:passkey-login",  # the signed answer; POST only, CSRF-checked, rate-limited
}
# Namespaces whose own code guards them (Django admin: staff login).
SELF_GUARDED = {"admin"}
SAMPLE_KWARGS = {"pk": 1, "uidb36": "1", "key": "set-password"}


def url_names(patterns=None, namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    """(namespace, full name, pattern) for every named pattern of the root URLconf."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in SELF_GUARDED:
                continue
            yield from url_names(entry.url_patterns, inner)
        else:
            assert entry.name, f"URL pattern {entry.pattern} has no name"
            full = f"{namespace}:{entry.name}" if namespace else entry.name
            yield namespace, full, entry


def sample_url(full_name: str, pattern: URLPattern) -> str:
    names = set(pattern.pattern.regex.groupindex)
    return reverse(full_name, kwargs={k: v for k, v in SAMPLE_KWARGS.items() if k in names})


ALL_URLS = sorted(((full, ns, p) for ns, full, p in url_names()), key=lambda t: t[:2])


def test_every_url_has_an_access_rule():
    declared = access.declared()
    missing = [
        full
        for full, namespace, pattern in ALL_URLS
        if pattern.name not in declared.get(namespace, {})
    ]
    assert missing == [], f"Declare an access rule for: {missing}"


def test_the_public_list_is_the_reviewed_one():
    assert access.public_url_names() == REVIEWED_PUBLIC


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("full_name", "namespace", "pattern"), ALL_URLS, ids=[u[0] for u in ALL_URLS]
)
def test_anonymous_requests_are_sent_to_sign_in_unless_public(
    client, full_name, namespace, pattern
):
    response = client.get(sample_url(full_name, pattern))
    location = response.headers.get("Location", "")
    sent_to_login = response.status_code == 302 and location.startswith(reverse("account_login"))
    if full_name in REVIEWED_PUBLIC:
        assert not sent_to_login, f"{full_name} should be public"
        assert response.status_code < 500 or full_name == "crm:health"
    else:
        assert sent_to_login, f"{full_name} answered {response.status_code} to an anonymous user"


@pytest.mark.django_db
def test_the_django_admin_asks_for_a_staff_login(client, rep):
    assert client.get("/admin/").headers["Location"].startswith("/admin/login/")
    client.force_login(rep)
    assert client.get("/admin/").headers["Location"].startswith("/admin/login/")


def test_rules_check_every_permission(rf, rep, admin_user):
    rule = access.perm("crm.view_system_status", "crm.change_delivery")
    assert rule.allows(admin_user)
    assert not rule.allows(rep)
    assert access.LOGIN.allows(rep)
    assert str(rule) == "login + crm.view_system_status + crm.change_delivery"


@pytest.mark.django_db
def test_a_url_with_no_rule_is_refused(client, rep, monkeypatch):
    monkeypatch.delitem(access._tables["accounts"], "profile")
    client.force_login(rep)
    assert client.get(reverse("accounts:profile")).status_code == 403

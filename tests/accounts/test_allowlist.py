"""The IP allowlist: who it restricts, the lock-out guard, audit rows, the settings page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import allowlist, roles
from accounts.models import AuditEntry, IPAllowRange, Role

pytestmark = pytest.mark.django_db
PAGE = reverse("accounts:ip-allowlist")
HOME = reverse("accounts:home")
OFFICE = "203.0.113.0/24"


def role(slug):
    return Role.objects.get(slug=slug)


def test_networks_are_normalized_and_checked():
    assert allowlist.network("203.0.113.7/24") == OFFICE
    assert allowlist.network(" 2001:db8::1 ") == "2001:db8::1/128"
    with pytest.raises(ValidationError, match="not an IP address"):
        allowlist.network("office")
    assert allowlist.allows(None, "198.51.100.1")
    assert allowlist.allows([OFFICE], "203.0.113.9")
    assert not allowlist.allows([OFFICE], "198.51.100.1")
    assert not allowlist.allows([OFFICE], "not-an-ip")


def test_with_no_range_every_address_is_allowed(client_for, rep):
    assert client_for(rep).get(HOME, REMOTE_ADDR="198.51.100.1").status_code == 200


def test_a_role_range_restricts_only_that_roles_holders(client_for, admin_user, rep):
    IPAllowRange.objects.create(cidr=OFFICE, role=role(roles.ADMIN))
    assert client_for(rep).get(HOME, REMOTE_ADDR="198.51.100.1").status_code == 200
    admin = client_for(admin_user)
    assert admin.get(HOME, REMOTE_ADDR="203.0.113.5").status_code == 200
    blocked = admin.get(HOME, REMOTE_ADDR="198.51.100.1")
    assert blocked.status_code == 403
    assert "not open to your network" in blocked.content.decode()
    assert "_auth_user_id" not in admin.session  # signed out
    row = AuditEntry.objects.get(action="auth.ip_blocked")
    assert (row.actor_id, row.ip) == (admin_user.pk, "198.51.100.1")


def test_a_global_range_restricts_everyone_and_applies_at_once(client_for, rep):
    client = client_for(rep)
    assert client.get(HOME, REMOTE_ADDR="198.51.100.1").status_code == 200
    IPAllowRange.objects.create(cidr=OFFICE)  # the grants' generation moves: next request
    assert client.get(HOME, REMOTE_ADDR="198.51.100.1").status_code == 403


def test_admins_manage_ranges_on_the_settings_page(client_for, admin_user):
    client = client_for(admin_user)
    assert client.get(PAGE).status_code == 200
    added = client.post(
        PAGE,
        {"action": "add", "cidr": "203.0.113.7/24", "role": "", "note": "Head office"},
        REMOTE_ADDR="203.0.113.20",
    )
    assert added.status_code == 302
    allowed = IPAllowRange.objects.get()
    assert (allowed.cidr, allowed.role, allowed.note) == (OFFICE, None, "Head office")
    assert AuditEntry.objects.filter(action="security.ip_range_added").exists()
    page = client.get(PAGE, REMOTE_ADDR="203.0.113.20").content.decode()
    assert OFFICE in page
    assert "Head office" in page


def test_a_change_that_would_lock_its_author_out_is_refused(client_for, admin_user):
    client = client_for(admin_user)
    refused = client.post(
        PAGE, {"action": "add", "cidr": OFFICE, "role": ""}, REMOTE_ADDR="198.51.100.1"
    )
    assert refused.status_code == 400
    assert "lock you out" in refused.content.decode()
    assert not IPAllowRange.objects.exists()
    mine = IPAllowRange.objects.create(cidr="198.51.100.0/24")
    IPAllowRange.objects.create(cidr=OFFICE)
    refused = client.post(PAGE, {"action": "remove", "range": mine.pk}, REMOTE_ADDR="198.51.100.1")
    assert refused.status_code == 400
    assert IPAllowRange.objects.filter(pk=mine.pk).exists()


def test_removing_a_range_is_audited(client_for, admin_user):
    extra = IPAllowRange.objects.create(cidr=OFFICE, role=role(roles.SALES_REP))
    response = client_for(admin_user).post(PAGE, {"action": "remove", "range": extra.pk})
    assert response.status_code == 302
    assert not IPAllowRange.objects.exists()
    row = AuditEntry.objects.get(action="security.ip_range_removed")
    assert row.changes == {"network": OFFICE, "role": "Sales rep"}


def test_bad_input_answers_400(client_for, admin_user):
    client = client_for(admin_user)
    assert client.post(PAGE, {"action": "add", "cidr": "office"}).status_code == 400
    assert client.post(PAGE, {"action": "remove", "range": 99999}).status_code == 400


def test_only_admins_open_the_page(client_for, manager, rep):
    assert client_for(manager).get(PAGE).status_code == 403
    assert client_for(rep).get(PAGE).status_code == 403


def test_the_block_page_carries_the_security_headers(client_for, admin_user):
    IPAllowRange.objects.create(cidr=OFFICE)
    blocked = client_for(admin_user).get(HOME, REMOTE_ADDR="198.51.100.1")
    assert blocked.status_code == 403
    assert blocked["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in blocked["Content-Security-Policy"]

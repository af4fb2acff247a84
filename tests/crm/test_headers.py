"""The security headers on every page, for every role (and for anonymous visitors)."""

from __future__ import annotations

import pytest

from tests.crm.test_access import ALL_URLS, sample_url

ROLES = ("admin_user", "manager", "rep", "support", "read_only", None)
# Web-to-lead forms are made to be embedded in customers' sites (docs/leads.md).
EMBEDDABLE = {"leads:public-form"}


def check(response, full_name):
    problems = []
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options")
    if not response.get("Referrer-Policy"):
        problems.append("Referrer-Policy")
    policy = response.get("Content-Security-Policy", "")
    if response.get("Content-Type", "").startswith("text/html"):
        if not policy:
            problems.append("Content-Security-Policy")
        if "unsafe-inline" in policy or "unsafe-eval" in policy:
            problems.append("CSP allows inline code")
        if full_name not in EMBEDDABLE and (
            response.get("X-Frame-Options") != "DENY" or "frame-ancestors 'none'" not in policy
        ):
            problems.append("framing allowed")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_every_page_sends_the_security_headers(request, client_for, role):
    client = client_for(request.getfixturevalue(role) if role else None)
    failures = {}
    for full_name, _namespace, pattern in ALL_URLS:
        response = client.get(sample_url(full_name, pattern))
        problems = check(response, full_name)
        if problems:
            failures[full_name] = (response.status_code, problems)
    assert failures == {}

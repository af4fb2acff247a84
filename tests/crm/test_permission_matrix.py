"""The permission matrix: every URL x every role x a record of one's own and another's.

Each row of ``EXPECTED`` is the status a GET of that URL answers, for each person of
``PEOPLE`` in turn, as ``own/other``: "own" is a record owned by Riley (a North America
rep), "other" one owned by Sam (an EMEA rep). So Riley's "own" is his own record and Sam's
"other" is his; managers (North America) see the first, not the second. URLs about one
settings object (a role, a team, a person, a pipeline...) have a single code per person.

A URL missing from the table fails ``test_every_url_is_in_the_matrix``: add its row with
the statuses each person must get, and look at them (405: the URL answers POST only).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import Role
from tests.activities.factories import ActivityFactory, TaskFactory
from tests.contacts.factories import CompanyFactory, ContactFactory, CustomFieldFactory
from tests.crm.test_access import ALL_URLS, REVIEWED_PUBLIC
from tests.deals.factories import DealFactory, PipelineFactory
from tests.leads.factories import LeadFactory, WebFormFactory

PEOPLE = ("admin", "manager", "rep", "rep2", "support", "read_only", "anonymous")

# The object a URL's <pk> names: a record kind (own/other), a settings object, or nothing.
RECORD_PREFIXES = {
    "lead-": "lead",
    "deal-": "deal",
    "company-": "company",
    "contact-": "contact",
    "activity-": "activity",
    "task-": "task",
}
OBJECT_PREFIXES = {
    "role-": "role",
    "user-": "user",
    "team-": "team",
    "pipeline-": "pipeline",
    "webform-": "webform",
    "custom-field-": "custom_field",
    "board-column": "stage",
}

# url name: statuses for PEOPLE in order: admin, manager, rep, rep2, support, read_only,
# anonymous ("own/other" where the URL names a record).
EXPECTED: dict[str, str] = {
    "account_change_password": "200 200 200 200 200 200 302",
    "account_logout": "200 200 200 200 200 200 302",
    "account_set_password": "302 302 302 302 302 302 302",
    "accounts:access-explain": "400 403 403 403 403 403 302",
    "accounts:audit-log": "200 403 403 403 403 403 302",
    "accounts:home": "200 200 200 200 200 200 302",
    "accounts:ip-allowlist": "200 403 403 403 403 403 302",
    "accounts:passkey-auth": "405 405 405 405 405 405 302",
    "accounts:passkey-auth-options": "405 405 405 405 405 405 302",
    "accounts:passkey-register": "405 405 405 405 405 405 302",
    "accounts:passkey-register-options": "405 405 405 405 405 405 302",
    "accounts:passkey-remove": "405 405 405 405 405 405 302",
    "accounts:twofactor-app": "200 200 200 200 200 200 302",
    "accounts:twofactor-app-remove": "405 405 405 405 405 405 302",
    "accounts:twofactor-backup-codes": "200 200 200 200 200 200 302",
    "accounts:twofactor-backup-codes-new": "405 405 405 405 405 405 302",
    "accounts:twofactor-challenge": "302 302 302 302 302 302 302",
    "accounts:twofactor-disable": "405 405 405 405 405 405 302",
    "accounts:twofactor-setup": "200 200 200 200 200 200 302",
    "accounts:preview-stop": "405 405 405 405 405 405 302",
    "accounts:profile": "200 200 200 200 200 200 302",
    "accounts:record-share": "405 405 405 405 405 405 302",
    "accounts:record-unshare": "405 405 405 405 405 405 302",
    "accounts:record-share-people": "200 200 200 200 200 200 302",
    "notifications:list": "200 200 200 200 200 200 302",
    "notifications:menu": "200 200 200 200 200 200 302",
    "notifications:since": "400 400 400 400 400 400 302",  # needs ?after=<id>
    "notifications:read-all": "405 405 405 405 405 405 302",
    "notifications:open": "405 405 405 405 405 405 302",
    "notifications:read": "405 405 405 405 405 405 302",
    "notifications:preferences": "200 200 200 200 200 200 302",
    "accounts:role-create": "200 403 403 403 403 403 302",
    "accounts:role-delete": "200 403 403 403 403 403 302",
    "accounts:role-detail": "200 403 403 403 403 403 302",
    "accounts:role-list": "200 403 403 403 403 403 302",
    "accounts:sessions": "200 200 200 200 200 200 302",
    "accounts:team-delete": "200 403 403 403 403 403 302",
    "accounts:team-detail": "200 403 403 403 403 403 302",
    "accounts:team-list": "200 403 403 403 403 403 302",
    "accounts:theme": "405 405 405 405 405 405 302",
    "accounts:user-create": "200 403 403 403 403 403 302",
    "accounts:user-detail": "200 403 403 403 403 403 302",
    "accounts:user-list": "200 403 403 403 403 403 302",
    "accounts:user-preview": "405 403 403 403 403 403 302",
    "accounts:user-password-reset": "405 403 403 403 403 403 302",
    "accounts:user-sessions": "200 403 403 403 403 403 302",
    "accounts:user-status": "405 403 403 403 403 403 302",
    "activities:activity-delete": "200/200 200/404 200/404 404/200 403/403 403/403 302/302",
    "activities:activity-detail": "200/200 200/404 200/404 404/200 200/200 200/200 302/302",
    "activities:activity-edit": "200/200 200/404 200/404 404/200 200/200 403/403 302/302",
    "activities:activity-log": "405 405 405 405 405 403 302",
    "activities:activity-reschedule": "405/405 405/405 405/405 405/405 405/405 403/403 302/302",
    "activities:calendar": "200 200 200 200 200 200 302",
    "activities:task-assign": "405/405 405/405 405/405 405/405 405/405 403/403 302/302",
    "activities:task-complete": "405/405 405/405 405/405 405/405 405/405 403/403 302/302",
    "activities:task-create": "200 200 200 200 200 403 302",
    "activities:task-delete": "200/200 200/404 200/404 404/200 403/403 403/403 302/302",
    "activities:task-detail": "200/200 200/404 200/404 404/200 200/200 200/200 302/302",
    "activities:task-edit": "200/200 200/404 200/404 404/200 200/200 403/403 302/302",
    "activities:task-list": "200 200 200 200 200 200 302",
    "activities:task-mine": "200 200 200 200 200 200 302",
    "activities:task-reopen": "405/405 405/405 405/405 405/405 405/405 403/403 302/302",
    "activities:task-reschedule": "405/405 405/405 405/405 405/405 405/405 403/403 302/302",
    "activities:timeline": "400 400 400 400 400 400 302",
    "contacts:company-contacts": "200/200 200/404 200/404 404/200 200/200 200/200 302/302",
    "contacts:company-create": "200 200 200 200 403 403 302",
    "contacts:company-delete": "200/200 200/404 403/403 403/403 403/403 403/403 302/302",
    "contacts:company-detail": "200/200 200/404 200/404 404/200 200/200 200/200 302/302",
    "contacts:company-duplicates": "200 200 200 200 200 200 302",
    "contacts:company-edit": "200/200 200/404 200/404 404/200 200/200 403/403 302/302",
    "contacts:company-list": "200 200 200 200 200 200 302",
    "contacts:company-options": "200 200 200 200 200 200 302",
    "contacts:contact-create": "200 200 200 200 403 403 302",
    "contacts:contact-delete": "200/200 200/404 403/403 403/403 403/403 403/403 302/302",
    "contacts:contact-detail": "200/200 200/404 200/404 404/200 200/200 200/200 302/302",
    "contacts:contact-duplicates": "200 200 200 200 200 200 302",
    "contacts:contact-edit": "200/200 200/404 200/404 404/200 200/200 403/403 302/302",
    "contacts:contact-list": "200 200 200 200 200 200 302",
    "contacts:custom-field-create": "200 403 403 403 403 403 302",
    "contacts:custom-field-edit": "200 403 403 403 403 403 302",
    "contacts:custom-field-list": "200 403 403 403 403 403 302",
    "contacts:custom-field-reorder": "405 403 403 403 403 403 302",
    "contacts:custom-field-toggle": "405 403 403 403 403 403 302",
    "crm:delivery-retry": "405 403 403 403 403 403 302",
    "crm:search": "200 200 200 200 200 200 302",
    "crm:system-ping": "405 403 403 403 403 403 302",
    "crm:system-status": "200 403 403 403 403 403 302",
    "deals:board": "200 200 200 200 200 200 302",
    "deals:board-column": "200 200 200 200 200 200 302",
    "deals:company-lookup": "200 200 200 200 200 200 302",
    "deals:contact-lookup": "200 200 200 200 200 200 302",
    "deals:deal-create": "200 200 200 200 403 403 302",
    "deals:deal-delete": "200/200 200/404 403/403 403/403 403/403 403/403 302/302",
    "deals:deal-detail": "200/200 200/404 200/404 404/200 200/200 200/200 302/302",
    "deals:deal-edit": "200/200 200/404 200/404 404/200 403/403 403/403 302/302",
    "deals:deal-list": "200 200 200 200 200 200 302",
    "deals:deal-lost": "200/200 200/404 200/404 404/200 403/403 403/403 302/302",
    "deals:deal-move": "405/405 405/405 405/405 405/405 403/403 403/403 302/302",
    "deals:deal-reopen": "405/405 405/405 405/405 405/405 403/403 403/403 302/302",
    "deals:deal-won": "405/405 405/405 405/405 405/405 403/403 403/403 302/302",
    "deals:pipeline-create": "200 403 403 403 403 403 302",
    "deals:pipeline-delete": "200 403 403 403 403 403 302",
    "deals:pipeline-edit": "200 403 403 403 403 403 302",
    "deals:pipeline-list": "200 403 403 403 403 403 302",
    "deals:stage-options": "400 400 400 400 400 400 302",
    "leads:lead-convert": "200/200 200/404 200/404 404/200 403/403 403/403 302/302",
    "leads:lead-create": "200 200 200 200 403 403 302",
    "leads:lead-delete": "200/200 200/404 403/403 403/403 403/403 403/403 302/302",
    "leads:lead-detail": "200/200 200/404 200/404 404/200 200/200 200/200 302/302",
    "leads:lead-duplicates": "200 200 200 200 200 200 302",
    "leads:lead-edit": "200/200 200/404 200/404 404/200 403/403 403/403 302/302",
    "leads:lead-list": "200 200 200 200 200 200 302",
    "leads:lead-status": "405/405 405/405 405/405 405/405 403/403 403/403 302/302",
    "leads:webform-create": "200 403 403 403 403 403 302",
    "leads:webform-delete": "200 403 403 403 403 403 302",
    "leads:webform-detail": "200 200 403 403 403 403 302",
    "leads:webform-edit": "200 403 403 403 403 403 302",
    "leads:webform-list": "200 200 403 403 403 403 302",
    "reports:dashboard": "200 200 200 200 200 200 302",
}  # fmt: skip


def _row(codes: str) -> list[str]:
    parts = codes.split()
    assert len(parts) == len(PEOPLE), codes
    return parts


@pytest.fixture
def world(db, admin_user, manager, rep, other_rep, support, read_only, north):
    pipeline = PipelineFactory(name="Matrix pipeline")
    owned = {}
    for owner, key in ((rep, "own"), (other_rep, "other")):
        company = CompanyFactory(owner=owner)
        owned[key] = {
            "lead": LeadFactory(owner=owner),
            "deal": DealFactory(owner=owner, pipeline=pipeline, stage=pipeline.stages.first()),
            "company": company,
            "contact": ContactFactory(owner=owner, company=company),
            "activity": ActivityFactory(owner=owner),
            "task": TaskFactory(owner=owner),
        }
    objects = {
        "role": Role.objects.get(slug=roles.SALES_REP),
        "user": rep,
        "team": north,
        "pipeline": pipeline,
        "webform": WebFormFactory(),
        "custom_field": CustomFieldFactory(),
        "stage": pipeline.stages.first(),
    }
    people = {
        "admin": admin_user,
        "manager": manager,
        "rep": rep,
        "rep2": other_rep,
        "support": support,
        "read_only": read_only,
        "anonymous": None,
    }
    return owned, objects, people


def _kind(url_name: str) -> tuple[str, str]:
    """("record", kind) / ("object", kind) / ("none", "") for the URL's <pk>."""
    short = url_name.split(":", 1)[-1]
    for prefix, kind in OBJECT_PREFIXES.items():
        if short.startswith(prefix):
            return "object", kind
    for prefix, kind in RECORD_PREFIXES.items():
        if short.startswith(prefix):
            return "record", kind
    if short == "board":
        return "object", "pipeline"
    return "none", ""


def _url(full_name: str, pattern, pk) -> str:
    names = set(pattern.pattern.regex.groupindex)
    kwargs = {"pk": pk, "uidb36": "1", "key": "set-password"}
    return reverse(full_name, kwargs={k: v for k, v in kwargs.items() if k in names})


def observe(client, world, full_name: str, pattern) -> list[str]:
    owned, objects, people = world
    has_pk = "pk" in pattern.pattern.regex.groupindex
    how, kind = _kind(full_name) if has_pk else ("none", "")
    codes = []
    for who in PEOPLE:
        client.logout()
        if people[who] is not None:
            client.force_login(people[who])
        if how == "record":
            seen = [
                client.get(_url(full_name, pattern, owned[side][kind].pk)).status_code
                for side in ("own", "other")
            ]
            codes.append("/".join(map(str, seen)))
        else:
            pk = objects[kind].pk if how == "object" else 1
            codes.append(str(client.get(_url(full_name, pattern, pk)).status_code))
    return codes


GOVERNED = [u for u in ALL_URLS if u[0] not in REVIEWED_PUBLIC]


def test_every_url_is_in_the_matrix():
    names = {full for full, _, _ in GOVERNED}
    assert sorted(names - set(EXPECTED)) == [], "Add these URLs to EXPECTED"
    assert sorted(set(EXPECTED) - names) == [], "These URLs are gone: drop their rows"


@pytest.mark.parametrize(
    ("full_name", "namespace", "pattern"), GOVERNED, ids=[u[0] for u in GOVERNED]
)
def test_each_person_gets_the_declared_status(client, world, full_name, namespace, pattern):
    if full_name not in EXPECTED:
        pytest.fail(f"{full_name} has no row in EXPECTED")
    expected = _row(EXPECTED[full_name])
    got = observe(client, world, full_name, pattern)
    assert dict(zip(PEOPLE, got, strict=True)) == dict(zip(PEOPLE, expected, strict=True))

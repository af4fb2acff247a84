"""The audit log: hash chain, append-only, purge, verification, sign-in rows, the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEntry, AuditImmutableError

pytestmark = pytest.mark.django_db
PAGE = reverse("accounts:audit-log")
TABLE = AuditEntry._meta.db_table


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(TABLE)), params)


def test_rows_are_chained_and_the_chain_verifies(rep):
    first = audit.record("auth.login", actor=rep, client=audit.Client("10.0.0.1", "Firefox"))
    second = audit.record("auth.logout", actor=rep, changes={"why": "done"})
    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash
    assert first.hash == audit.digest(AuditEntry.objects.get(pk=first.pk))  # reads back same
    verdict = audit.verify()
    assert verdict.ok
    assert verdict.rows == 2
    assert verdict.head == second.hash


def test_values_that_json_cannot_hold_are_stored_as_text(rep):
    from decimal import Decimal

    entry = audit.record(
        "record.updated",
        actor=rep,
        obj=rep,
        changes={"amount": [Decimal("10.50"), Decimal("12")], "when": timezone.now().date()},
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.changes["amount"] == ["10.50", "12"]
    assert stored.object_type == "accounts.user"
    assert stored.object_id == str(rep.pk)
    assert audit.verify().ok


def test_the_orm_refuses_to_change_or_delete_rows(rep):
    entry = audit.record("auth.login", actor=rep)
    entry.action = "auth.logout"
    with pytest.raises(AuditImmutableError):
        entry.save()
    with pytest.raises(AuditImmutableError):
        entry.delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.bulk_create([AuditEntry(action="x", at=timezone.now())])
    assert AuditEntry.objects.get(pk=entry.pk).action == "auth.login"


def test_a_changed_row_is_found(rep):
    audit.record("auth.login", actor=rep)
    middle = audit.record("auth.login_failed", actor_label="mallory@example.test")
    audit.record("auth.logout", actor=rep)
    raw("UPDATE {table} SET actor_label = %s WHERE id = %s", ["someone@else.test", middle.pk])
    verdict = audit.verify()
    assert verdict.broken_at == middle.pk
    assert "changed" in verdict.problem
    with pytest.raises(CommandError, match=f"broken at row {middle.pk}"):
        call_command("verify_audit_log")


def test_a_removed_row_is_found(rep):
    audit.record("auth.login", actor=rep)
    middle = audit.record("auth.login_failed", actor_label="mallory@example.test")
    last = audit.record("auth.logout", actor=rep)
    raw("DELETE FROM {table} WHERE id = %s", [middle.pk])
    verdict = audit.verify()
    assert verdict.broken_at == last.pk
    assert "removed" in verdict.problem


def test_removing_the_oldest_rows_without_a_purge_is_found(rep):
    first = audit.record("auth.login", actor=rep)
    second = audit.record("auth.logout", actor=rep)
    raw("DELETE FROM {table} WHERE id = %s", [first.pk])
    verdict = audit.verify()
    assert verdict.broken_at == second.pk
    assert "without a recorded purge" in verdict.problem


def test_purge_removes_old_rows_records_itself_and_keeps_the_chain_valid(rep, monkeypatch):
    long_ago = timezone.now() - timedelta(days=800)
    monkeypatch.setattr(audit.timezone, "now", lambda: long_ago)
    old = [audit.record("auth.login", actor=rep) for _ in range(3)]
    monkeypatch.undo()
    recent = audit.record("auth.login", actor=rep)
    assert audit.purge(older_than_days=730) == 3
    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    purge_row = AuditEntry.objects.get(action="audit.purged")
    assert purge_row.changes["deleted"] == 3
    assert purge_row.changes["anchor"] == recent.prev_hash
    assert audit.verify().ok
    assert audit.purge(older_than_days=730) == 0  # nothing more: no second purge row
    assert AuditEntry.objects.filter(action="audit.purged").count() == 1
    call_command("verify_audit_log")


def test_the_nightly_job_keeps_everything_when_retention_is_zero(rep, settings, monkeypatch):
    from accounts.tasks import purge_audit_log_task

    long_ago = timezone.now() - timedelta(days=9000)
    monkeypatch.setattr(audit.timezone, "now", lambda: long_ago)
    audit.record("auth.login", actor=rep)
    monkeypatch.undo()
    settings.CRM_AUDIT_RETENTION_DAYS = 0
    assert purge_audit_log_task() == 0
    settings.CRM_AUDIT_RETENTION_DAYS = 30
    assert purge_audit_log_task() == 1


# ---------------------------------------------------------------- sign-in rows


def test_sign_in_out_and_failures_are_audited_with_address_and_browser(client, rep):
    agent = {"HTTP_USER_AGENT": "Mozilla/5.0 (test)"}
    client.post(reverse("account_login"), {"login": rep.email, "password": "nope"}, **agent)
    client.post(reverse("account_login"), {"login": rep.email, "password": "pw-for-tests"}, **agent)
    client.post(reverse("account_logout"), **agent)
    rows = list(AuditEntry.objects.order_by("id"))
    assert [r.action for r in rows] == ["auth.login_failed", "auth.login", "auth.logout"]
    failed, login, logout = rows
    assert failed.actor_id is None
    assert failed.actor_label == rep.email
    assert "nope" not in str(failed.changes)
    assert login.actor_id == logout.actor_id == rep.pk
    assert {r.ip for r in rows} == {"127.0.0.1"}
    assert {r.user_agent for r in rows} == {"Mozilla/5.0 (test)"}
    assert audit.verify().ok


# ---------------------------------------------------------------- the page


def test_only_admins_open_the_audit_page(client_for, admin_user, manager, rep):
    audit.record("auth.login", actor=rep)
    assert client_for(admin_user).get(PAGE).status_code == 200
    assert client_for(manager).get(PAGE).status_code == 403
    assert client_for(rep).get(PAGE).status_code == 403
    response = client_for(None).get(PAGE)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_page_lists_filters_and_searches(client_for, admin_user, rep, other_rep):
    audit.record("auth.login", actor=rep, client=audit.Client("10.1.1.1", ""))
    audit.record("auth.login_failed", actor_label="nobody@example.test")
    audit.record("auth.logout", actor=other_rep)
    client = client_for(admin_user)
    page = client.get(PAGE).content.decode()
    assert "Sign-in failed" in page
    assert "nobody@example.test" in page
    only_failed = client.get(PAGE, {"action": "auth.login_failed"}).content.decode()
    assert "nobody@example.test" in only_failed
    assert rep.email not in only_failed
    mine = client.get(PAGE, {"actor": rep.pk}).content.decode()
    assert "10.1.1.1" in mine
    assert other_rep.email not in mine
    assert "10.1.1.1" in client.get(PAGE, {"q": "10.1.1.1"}).content.decode()
    assert client.get(PAGE, {"action": "no.such"}).status_code == 400


def test_the_page_costs_the_same_queries_for_few_or_many_rows(client_for, admin_user, rep):
    client = client_for(admin_user)
    audit.record("auth.login", actor=rep)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    for _ in range(30):
        audit.record("auth.login", actor=rep, changes={"n": 1})
    client.get(PAGE)
    with CaptureQueriesContext(connection) as many:
        client.get(PAGE)
    assert len(many) == len(few)


def test_the_django_admin_shows_the_log_read_only(client_for, admin_user, rep):
    admin_user.is_superuser = True
    admin_user.save()
    entry = audit.record("auth.login", actor=rep)
    client = client_for(admin_user)
    assert client.get(reverse("admin:accounts_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_auditentry_add")).status_code == 403
    change = reverse("admin:accounts_auditentry_change", args=[entry.pk])
    assert client.post(change, {"action": "x"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "auth.login"

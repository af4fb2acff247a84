"""Security notices: a mail to the person when their account's protection changes."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts import audit
from accounts.tasks import send_security_notice_task
from tests.accounts.factories import UserFactory


@pytest.fixture
def person(db):
    return UserFactory(email="pat@example.test", full_name="Pat Person", timezone="Europe/Paris")


def test_changing_the_password_mails_a_notice(person, client, django_capture_on_commit_callbacks):
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password/change/",
            {
                "oldpassword": "pw-for-tests",
                "password1": "a-much-longer-secret-42",
                "password2": "a-much-longer-secret-42",
            },
            REMOTE_ADDR="203.0.113.9",
            HTTP_USER_AGENT="Firefox/140 test",
        )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["pat@example.test"]
    assert message.subject == "[Keel] Your password was changed"
    assert "203.0.113.9" in message.body
    assert "Firefox/140 test" in message.body
    assert "/accounts/two-factor/" in message.body


def test_a_change_by_someone_else_says_who(person, django_capture_on_commit_callbacks):
    admin = UserFactory(email="admin2@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        audit.record("twofactor.disabled", actor=admin, obj=person, changes={"last": "app"})
    [message] = mail.outbox
    assert message.subject == "[Keel] A two-factor method was removed"
    assert "by admin2@example.test" in message.body


def test_a_passkey_notice_goes_to_its_owner(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(
            "passkey.removed",
            actor=person,
            object_type="accounts.passkey",
            object_id=7,
            object_label="Laptop",
        )
    assert [m.to for m in mail.outbox] == [["pat@example.test"]]


def test_other_actions_and_deactivated_people_get_no_mail(
    person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audit.record("auth.login", actor=person, obj=person)
    assert mail.outbox == []
    person.is_active = False
    person.save()
    with django_capture_on_commit_callbacks(execute=True):
        audit.record("twofactor.enabled", actor=person, obj=person)
    assert mail.outbox == []


def test_the_notice_is_sent_once_however_often_the_task_runs(
    person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = audit.record("twofactor.backup_codes_regenerated", actor=person, obj=person)
    assert len(mail.outbox) == 1
    assert send_security_notice_task(entry.pk) is False
    assert len(mail.outbox) == 1

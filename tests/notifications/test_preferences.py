"""Preferences: per kind, in Keel and by email; emails sent once, with a link back."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from notifications import services
from notifications.models import Notification, Preference
from notifications.tasks import email_notification_task
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db
PREFS = reverse("notifications:preferences")


def tell(user, kind="lead.assigned", title="Morgan gave you Jo"):
    return services.notify(recipient=user, kind=kind, title=title, record=LeadFactory(owner=user))


def test_assignments_are_emailed_by_default_once_with_a_link(
    rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note = tell(rep)
    [message] = mail.outbox
    assert message.to == [rep.email]
    assert message.subject.endswith("Morgan gave you Jo")
    assert note.url in message.body
    assert PREFS in message.body
    assert email_notification_task(note.pk) is False  # claimed: never twice
    assert len(mail.outbox) == 1


def test_moves_stay_in_keel_by_default(rep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tell(rep, kind="deal.stage_changed", title="Your deal moved")
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=rep, read_at__isnull=True).count() == 1


def test_the_page_saves_each_channel_and_notify_follows(
    client_for, rep, django_capture_on_commit_callbacks
):
    client = client_for(rep)
    page = client.get(PREFS).content.decode()
    assert 'aria-label="Lead assigned to you: by email"' in page
    data = {"in_app:deal.stage_changed": "on", "email:deal.stage_changed": "on"}
    # everything else unticked: lead assignments reach nobody now
    assert client.post(PREFS, data).status_code == 302
    assert Preference.objects.get(user=rep, kind="deal.stage_changed").email is True
    assert services.channels(rep, "lead.assigned") == (False, False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tell(rep) is None
        moved = tell(rep, kind="deal.stage_changed", title="Your deal moved")
    assert [m.subject for m in mail.outbox] == ["[Keel] Your deal moved"]
    assert moved.read_at is None


def test_email_only_keeps_the_notification_read_and_unpushed(
    rep, django_capture_on_commit_callbacks
):
    from unittest import mock

    services.preferences_save(user=rep, choices={"lead.assigned": (False, True)})
    with (
        mock.patch("crm.realtime.push_to_user") as push,
        django_capture_on_commit_callbacks(execute=True),
    ):
        note = tell(rep)
    push.assert_not_called()
    assert note.read_at is not None
    assert services.unread_count(rep) == 0
    assert len(mail.outbox) == 1

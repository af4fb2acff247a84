"""Demo notifications come from the real services and handlers, once."""

from __future__ import annotations

import pytest

from accounts.demo import seed_people
from contacts.demo import seed_companies_and_contacts
from deals.demo import seed_deals
from leads.demo import seed_leads
from notifications.demo import seed_notifications
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_demo_rep_finds_what_the_manager_did_for_them():
    seed_people()
    seed_companies_and_contacts()
    seed_deals()
    seed_leads()
    seed_notifications()
    kinds = set(
        Notification.objects.filter(recipient__email="rep@keel.test").values_list("kind", flat=True)
    )
    assert kinds == {"lead.assigned", "deal.stage_changed", "task.assigned"}
    assert all(
        n.actor.email == "manager@keel.test"
        for n in Notification.objects.filter(recipient__email="rep@keel.test")
    )
    before = Notification.objects.count()
    seed_notifications()
    assert Notification.objects.count() == before

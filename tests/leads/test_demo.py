"""The demo seeder: believable spread, a few properly converted leads, the web form,
deterministic and idempotent."""

from __future__ import annotations

import pytest

from accounts.demo import seed_people
from crm.models import Event
from leads.demo import CONVERTED, LEAD_COUNT, WEB_FORM_NAME, seed_leads
from leads.models import Lead, WebForm
from tests.deals.factories import PipelineFactory

pytestmark = pytest.mark.django_db


def snapshot():
    return list(
        Lead.objects.order_by("email").values_list(
            "email", "status", "source", "rating", "owner__email", "created_at__date"
        )
    )


def test_seed_leads(events):
    seed_people()
    PipelineFactory(name="Sales")
    seed_leads()
    leads = Lead.objects.all()
    assert leads.count() == LEAD_COUNT
    assert set(leads.values_list("status", flat=True)) == set(Lead.Status.values)
    assert set(leads.values_list("source", flat=True)) == set(Lead.Source.values)
    assert {"hot", "warm", "cold", ""} == set(leads.values_list("rating", flat=True))
    owners = set(leads.values_list("owner__email", flat=True))
    assert {"rep@keel.test", "rep2@keel.test", "manager@keel.test"} <= owners
    assert all(lead.team_id == lead.owner.team_id for lead in leads.select_related("owner"))

    done = leads.filter(status=Lead.Status.CONVERTED).select_related("converted_contact")
    assert done.count() == CONVERTED
    for lead in done:
        assert lead.converted_contact.last_name == lead.last_name
        assert lead.converted_at
        assert lead.converted_by == lead.owner
    assert done.exclude(converted_deal=None).count() >= CONVERTED // 2
    assert len(events("lead.converted")) == CONVERTED

    form = WebForm.objects.get(name=WEB_FORM_NAME)
    assert form.is_active
    assert form.owner.email == "rep@keel.test"
    assert form.submission_count == form.leads.count() > 0


def test_seed_leads_is_idempotent_and_deterministic():
    seed_people()
    seed_leads()
    first = snapshot()
    events_after_first = Event.objects.count()
    lines = seed_leads()
    assert snapshot() == first
    assert Event.objects.count() == events_after_first
    assert "0 created" in lines[0]
    assert WebForm.objects.count() == 1

    Lead.objects.all().delete()
    seed_leads()
    assert [row[:5] for row in snapshot()] == [row[:5] for row in first]


def test_without_people_it_skips():
    assert seed_leads() == ["Leads: no demo users yet, skipped."]

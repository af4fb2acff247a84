"""The demo deals: two pipelines, every stage, history, reasons, rotting; idempotent."""

from __future__ import annotations

import pytest

from accounts.demo import seed_people
from deals.demo import seed_deals
from deals.models import Deal, Pipeline, StageChange
from tests.contacts.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_seed_deals_is_believable_and_idempotent():
    seed_people()
    companies = [CompanyFactory(name=f"Company {i}") for i in range(30)]
    for company in companies:
        ContactFactory(company=company)
    lines = seed_deals()
    assert lines == ["Deals: 250 in Sales and Renewals, linked to the demo companies."]
    renewals = Pipeline.objects.get(name="Renewals")
    sales = Pipeline.objects.get(is_default=True)
    assert Deal.objects.filter(pipeline=sales).count() == 180
    assert Deal.objects.filter(pipeline=renewals).count() == 70
    for pipeline in (sales, renewals):
        used = set(Deal.objects.filter(pipeline=pipeline).values_list("stage", flat=True))
        assert used == set(pipeline.stages.values_list("pk", flat=True))  # every stage
    lost = Deal.objects.filter(status="lost")
    assert lost.exists()
    assert not lost.filter(lost_reason="").exists()
    assert not Deal.objects.filter(status="won", closed_at=None).exists()
    assert Deal.objects.exclude(currency="USD").exists()
    assert Deal.objects.exclude(company=None).count() == 250
    assert Deal.objects.filter(contacts__isnull=False).exists()
    assert StageChange.objects.count() >= 250
    rotting = [d for d in Deal.objects.select_related("stage") if d.is_rotting()]
    assert 10 < len(rotting) < 60
    owners = set(Deal.objects.values_list("owner__email", flat=True))
    assert owners == {"rep@keel.test", "rep2@keel.test", "manager@keel.test"}
    for deal in Deal.objects.all()[:20]:
        assert deal.team_id == deal.owner.team_id

    assert seed_deals() == ["Deals: already seeded."]
    assert Deal.objects.count() == 250

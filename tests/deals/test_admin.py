"""The Django admin pages of pipelines, stages, deals and stage history open for staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deals import services
from tests.deals.factories import DealFactory

pytestmark = pytest.mark.django_db


def test_admin_pages(client_for, admin_user, rep):
    deal = DealFactory(owner=rep, name="Acme pilot")
    services.deal_move(actor=rep, deal=deal, stage=deal.pipeline.stages.get(name="Propose"))
    client = client_for(admin_user)
    for name, args in (
        ("admin:deals_deal_changelist", []),
        ("admin:deals_deal_change", [deal.pk]),
        ("admin:deals_pipeline_changelist", []),
        ("admin:deals_pipeline_change", [deal.pipeline_id]),
        ("admin:deals_stage_changelist", []),
        ("admin:deals_stagechange_changelist", []),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
    listing = client.get(reverse("admin:deals_deal_changelist"), {"q": "acme"})
    assert "Acme pilot" in listing.content.decode()
    history = client.get(reverse("admin:deals_stagechange_changelist")).content.decode()
    assert "Propose" in history
    assert reverse("admin:deals_stagechange_add") not in history  # history is not written here

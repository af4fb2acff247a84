"""Deals in the global search (``crm.search``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts import policy
from crm import search
from deals.models import Deal


def _deals(user: Any) -> QuerySet[Deal]:
    return policy.visible(Deal.objects.all(), user)


def _deal_subtitle(deal: Deal, hidden: frozenset[str]) -> str:
    amount = "" if "amount" in hidden else f"{deal.amount:,.2f} {deal.currency}"
    company = deal.company.name if deal.company_id and deal.company else ""
    return " · ".join(p for p in (deal.stage.name, amount, company) if p)


search.register(
    search.Provider(
        key="deals",
        label="Deals",
        model=Deal,
        permission="deals.view_deal",
        queryset=_deals,
        title=lambda deal: deal.name,
        subtitle=_deal_subtitle,
        icon="handshake",
        list_url_name="deals:deal-list",
        order=40,
        fields=("id", "name", "amount", "currency", "stage__name", "company__name"),
        select_related=("stage", "company"),
    )
)

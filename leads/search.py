"""Leads in the global search (``crm.search``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts import policy
from crm import search
from leads.models import Lead


def _leads(user: Any) -> QuerySet[Lead]:
    return policy.visible(Lead.objects.all(), user)


def _lead_subtitle(lead: Lead, hidden: frozenset[str]) -> str:
    """Company, email and status: none of them restrictable (``leads.apps``)."""
    return " · ".join(p for p in (lead.company_name, lead.email, lead.get_status_display()) if p)


search.register(
    search.Provider(
        key="leads",
        label="Leads",
        model=Lead,
        permission="leads.view_lead",
        queryset=_leads,
        title=lambda lead: lead.full_name,
        subtitle=_lead_subtitle,
        icon="target",
        list_url_name="leads:lead-list",
        order=30,
        fields=("id", "first_name", "last_name", "company_name", "email", "status"),
    )
)

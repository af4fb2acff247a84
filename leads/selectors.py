"""Lead reads, always through the visibility policy (``accounts.policy``)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Count
from django.shortcuts import get_object_or_404

from accounts import policy
from leads.models import Lead, WebForm


def lead_queryset() -> models.QuerySet[Lead]:
    """Leads with what a lead page shows, in a fixed number of queries."""
    return Lead.objects.select_related(
        "owner",
        "created_by",
        "converted_by",
        "converted_contact",
        "converted_company",
        "converted_deal__stage",
        "web_form",
    ).prefetch_related("tags")


def lead_get_for_user(*, user: Any, pk: int) -> Lead:
    """The lead ``pk`` if ``user`` may see it, else 404."""
    return policy.get_visible_or_404(lead_queryset(), user, pk=pk)


def webform_list() -> models.QuerySet[WebForm]:
    return WebForm.objects.select_related("owner", "tag").order_by("-is_active", "name")


def webform_get(*, pk: int) -> WebForm:
    return get_object_or_404(WebForm.objects.select_related("owner", "tag"), pk=pk)


def webform_get_public(*, token: str) -> WebForm:
    """An active form by its public token (an inactive or unknown one is 404)."""
    return get_object_or_404(
        WebForm.objects.select_related("owner", "tag"), token=token, is_active=True
    )


def webform_lead_stats(*, form: WebForm) -> dict[str, int]:
    """How the leads a form captured are doing, by status (counted in one query)."""
    rows = form.leads.order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def webform_recent_leads(*, form: WebForm, user: Any, limit: int = 10) -> list[Lead]:
    """The latest leads of the form that ``user`` may see."""
    return list(
        policy.visible(form.leads.select_related("owner"), user).order_by("-created_at", "-id")[
            :limit
        ]
    )

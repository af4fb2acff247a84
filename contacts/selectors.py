"""Company and contact reads, always through the visibility policy (``accounts.policy``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.functions import Lower

from accounts import policy
from contacts.models import Company, Contact, CustomField, Tag

RELATED_PAGE = 25  # a company page lists this many contacts at a time
PICKER_LIMIT = 12


def company_queryset() -> models.QuerySet[Company]:
    """Companies with what a company page shows, in a fixed number of queries."""
    return Company.objects.select_related("owner", "created_by").prefetch_related(
        "tags", "emails", "phones", "addresses"
    )


def contact_queryset() -> models.QuerySet[Contact]:
    return Contact.objects.select_related("owner", "created_by", "company").prefetch_related(
        "tags", "emails", "phones", "addresses"
    )


def company_get_for_user(*, user: Any, pk: int) -> Company:
    """The company ``pk`` if ``user`` may see it, else 404."""
    return policy.get_visible_or_404(company_queryset(), user, pk=pk)


def contact_get_for_user(*, user: Any, pk: int) -> Contact:
    """The contact ``pk`` if ``user`` may see it, else 404."""
    return policy.get_visible_or_404(contact_queryset(), user, pk=pk)


@dataclass
class Slice:
    """One page of related rows and whether more follow."""

    rows: list[Any]
    offset: int
    has_more: bool
    total: int

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.rows)


def company_contacts(
    *, user: Any, company: Company, offset: int = 0, limit: int = RELATED_PAGE
) -> Slice:
    """The company's contacts ``user`` may see, by name: ``limit`` rows from ``offset``,
    their owners joined (three queries whatever the number of contacts)."""
    visible = policy.visible(Contact.objects.filter(company=company), user)
    total = visible.count() if offset == 0 else -1
    rows = list(
        visible.select_related("owner").order_by("last_name", "first_name", "id")[
            offset : offset + limit + 1
        ]
    )
    return Slice(rows[:limit], offset, len(rows) > limit, total)


def contact_colleagues(*, user: Any, contact: Contact, limit: int = 8) -> list[Contact]:
    """Other contacts at the contact's company that ``user`` may see."""
    if contact.company_id is None:
        return []
    queryset = Contact.objects.filter(company_id=contact.company_id).exclude(pk=contact.pk)
    return list(policy.visible(queryset, user).order_by("last_name", "first_name", "id")[:limit])


def company_search(*, user: Any, query: str, limit: int = PICKER_LIMIT) -> list[Company]:
    """Companies ``user`` may see whose name, domain or email holds every word of ``query``,
    names starting with the query first (the company picker)."""
    words = (query or "").lower().split()[:5]
    if not words:
        return []
    queryset = policy.visible(Company.objects.all(), user)
    for word in words:
        queryset = queryset.filter(search_text__contains=word)
    phrase = " ".join(words)
    starts = list(queryset.filter(search_text__startswith=phrase).order_by("name", "id")[:limit])
    if len(starts) >= limit:
        return starts
    rest = queryset.exclude(pk__in=[c.pk for c in starts]).order_by("name", "id")
    return starts + list(rest[: limit - len(starts)])


def company_by_name(*, user: Any, name: str) -> list[Company]:
    """Visible companies called exactly ``name`` (any case): at most a few."""
    name = " ".join((name or "").split())
    if not name:
        return []
    queryset = policy.visible(Company.objects.all(), user)
    return list(
        queryset.alias(name_ci=Lower("name")).filter(name_ci=name.lower()).order_by("id")[:5]
    )


def company_visible(*, user: Any, pk: Any) -> Company | None:
    """The company ``pk`` if ``user`` may see it, else None (for pickers)."""
    try:
        return policy.visible(Company.objects.all(), user).get(pk=int(pk))
    except (Company.DoesNotExist, TypeError, ValueError):
        return None


def tag_names(*, limit: int = 300) -> list[str]:
    """Existing tag names for the tag input's suggestions."""
    return list(Tag.objects.order_by("name").values_list("name", flat=True)[:limit])


def custom_field_list(*, entity: str) -> list[CustomField]:
    """Every custom field of ``entity``, active first, in order (the settings page)."""
    return list(
        CustomField.objects.filter(entity=entity).order_by("-is_active", "position", "label")
    )


def custom_field_counts() -> dict[str, int]:
    """How many active fields each entity has."""
    rows = (
        CustomField.objects.filter(is_active=True)
        .order_by()
        .values("entity")
        .annotate(n=models.Count("id"))
    )
    return {row["entity"]: row["n"] for row in rows}

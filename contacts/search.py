"""Companies and contacts in the global search (``crm.search``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts import policy
from contacts.models import Company, Contact
from crm import search


def _companies(user: Any) -> QuerySet[Company]:
    return policy.visible(Company.objects.all(), user)


def _company_subtitle(company: Company, hidden: frozenset[str]) -> str:
    industry = "" if "industry" in hidden else company.get_industry_display()
    return " · ".join(p for p in (company.domain, industry) if p)


def _contacts(user: Any) -> QuerySet[Contact]:
    return policy.visible(Contact.objects.all(), user)


def _contact_subtitle(contact: Contact, hidden: frozenset[str]) -> str:
    at = contact.company.name if contact.company_id and contact.company else ""
    title = "" if "title" in hidden else contact.title
    role = f"{title} at {at}" if title and at else title or at
    return " · ".join(p for p in (role, contact.email) if p)


search.register(
    search.Provider(
        key="companies",
        label="Companies",
        model=Company,
        permission="contacts.view_company",
        queryset=_companies,
        title=lambda company: company.name,
        subtitle=_company_subtitle,
        icon="building",
        list_url_name="contacts:company-list",
        order=10,
        fields=("id", "name", "domain", "industry"),
    )
)
search.register(
    search.Provider(
        key="contacts",
        label="Contacts",
        model=Contact,
        permission="contacts.view_contact",
        queryset=_contacts,
        title=lambda contact: contact.full_name,
        subtitle=_contact_subtitle,
        icon="contact",
        list_url_name="contacts:contact-list",
        order=20,
        fields=("id", "first_name", "last_name", "title", "email", "company__name"),
        select_related=("company",),
    )
)

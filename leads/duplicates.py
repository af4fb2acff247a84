"""Does a lead being entered match one we already have?

Leads are matched here (same email, same phone, or a close name at the same company);
contacts and companies by ``contacts.duplicates``. Only records the user may see are
returned, each with the reasons it matched. Every lookup uses an index: emails through
``lower(email)``, phones by their E.164 form, names by the exact spellings a person types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from accounts import policy
from contacts import duplicates as contact_duplicates
from contacts.duplicates import name_key
from contacts.phones import normalize_phone
from leads.models import Lead
from leads.services import company_domain

LIMIT = 8


@dataclass
class Candidate:
    record: Any
    reasons: list[str] = field(default_factory=list)


@dataclass
class Matches:
    leads: list[Any] = field(default_factory=list)
    contacts: list[Any] = field(default_factory=list)
    companies: list[Any] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.leads or self.contacts or self.companies)

    @property
    def count(self) -> int:
        return len(self.leads) + len(self.contacts) + len(self.companies)


def company_key(name: str) -> str:
    """``"ACME, Inc."`` and ``"Acme"`` compare equal; ``""`` for no name."""
    return name_key(name).replace(" ", "")


def _spellings(name: str) -> list[str]:
    name = " ".join((name or "").split())
    return list(dict.fromkeys([name, name.lower(), name.upper(), name.title(), name.capitalize()]))


def _first_names_close(a: str, b: str) -> bool:
    a, b = a.strip().lower().rstrip("."), b.strip().lower().rstrip(".")
    if not a or not b:
        return True
    return a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def safe_phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except ValidationError:
        return ""


def lead_candidates(
    *,
    user: Any,
    first_name: str = "",
    last_name: str = "",
    company_name: str = "",
    email: str = "",
    phone: str = "",
    exclude_pk: int | None = None,
) -> list[Candidate]:
    """Leads visible to ``user`` that look like the one described, most reasons first."""
    if not user.has_perm("leads.view_lead"):
        return []
    base = policy.visible(Lead.objects.select_related("owner"), user)
    if exclude_pk is not None:
        base = base.exclude(pk=exclude_pk)
    found: dict[int, Candidate] = {}

    def note(leads: Any, reason: str) -> None:
        for lead in leads:
            found.setdefault(lead.pk, Candidate(lead)).reasons.append(reason)

    email = (email or "").strip().lower()
    if email:
        note(base.alias(email_ci=Lower("email")).filter(email_ci=email)[:LIMIT], "same email")
    number = safe_phone(phone)
    if number:
        note(base.filter(phone=number)[:LIMIT], "same phone")
    if (last_name or "").strip():
        wanted_company = company_key(company_name)
        named = base.filter(last_name__in=_spellings(last_name)).order_by("-created_at")[:50]
        for lead in named:
            if not _first_names_close(first_name, lead.first_name):
                continue
            theirs = company_key(lead.company_name)
            if wanted_company and theirs == wanted_company:
                note([lead], "same name and company")
            elif not wanted_company or not theirs:
                note([lead], "same name")
    ranked = sorted(found.values(), key=lambda c: (-len(c.reasons), -c.record.pk))
    return ranked[:LIMIT]


def find(*, user: Any, values: Mapping[str, Any], exclude_pk: int | None = None) -> Matches:
    """Leads, contacts and companies that match a lead being entered (``values`` holds
    its first_name, last_name, company_name, email, phone and website; others are ignored).
    Fields the user's role hides on leads are not matched on: matching would tell them."""
    values = policy.redact(user, Lead, dict(values))
    first_name = str(values.get("first_name") or "")
    last_name = str(values.get("last_name") or "")
    company_name = str(values.get("company_name") or "")
    email = str(values.get("email") or "")
    phone = str(values.get("phone") or "")
    website = str(values.get("website") or "")
    matches = Matches()
    matches.leads = lead_candidates(
        user=user,
        first_name=first_name,
        last_name=last_name,
        company_name=company_name,
        email=email,
        phone=phone,
        exclude_pk=exclude_pk,
    )
    number = safe_phone(phone)
    if user.has_perm("contacts.view_contact") and (last_name.strip() or email or number):
        matches.contacts = contact_duplicates.contact_candidates(
            user=user, first_name=first_name, last_name=last_name, email=email, phone=number
        )[:LIMIT]
    domain = company_domain(Lead(website=_with_scheme(website), email=email or ""))
    if user.has_perm("contacts.view_company") and (company_name.strip() or domain):
        matches.companies = contact_duplicates.company_candidates(
            user=user, name=company_name, domain=domain
        )[:LIMIT]
    return matches


def contact_choices(*, user: Any, lead: Lead) -> list[Any]:
    """Contacts a lead could be converted into (``contacts.duplicates``)."""
    if not user.has_perm("contacts.view_contact"):
        return []
    return contact_duplicates.contact_candidates(
        user=user,
        first_name=lead.first_name,
        last_name=lead.last_name,
        email=lead.email,
        phone=lead.phone,
    )[:LIMIT]


def company_choices(*, user: Any, lead: Lead) -> list[Any]:
    """Companies a converted lead could join (by company name and web domain)."""
    domain = company_domain(lead)
    if not user.has_perm("contacts.view_company") or not (lead.company_name or domain):
        return []
    return contact_duplicates.company_candidates(user=user, name=lead.company_name, domain=domain)[
        :LIMIT
    ]


def _with_scheme(website: str) -> str:
    website = (website or "").strip()
    if website and "://" not in website:
        return f"https://{website}"
    return website

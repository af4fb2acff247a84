"""The "Deals" section of company and contact pages (``crm.records``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accounts import policy
from contacts.models import Company, Contact
from deals import selectors
from deals.models import Deal
from deals.views import STATUS_BADGES


def _panel(user: Any, *, company: Company | None = None, contact: Contact | None = None) -> Any:
    if not user.has_perm("deals.view_deal"):
        return None
    data = selectors.deals_for_record(user=user, company=company, contact=contact)
    data["fields"] = policy.field_access(user, Deal)  # the amounts and dates shown
    data["badges"] = STATUS_BADGES
    data["new_url"] = ""
    if user.has_perm("deals.add_deal"):
        key, record = ("company", company) if company is not None else ("contact", contact)
        data["new_url"] = f"{reverse('deals:deal-create')}?{key}={record.pk}"  # type: ignore[union-attr]
    return data


def company_deals(*, record: Company, user: Any, request: Any = None) -> dict[str, Any] | None:
    return _panel(user, company=record)


def contact_deals(*, record: Contact, user: Any, request: Any = None) -> dict[str, Any] | None:
    return _panel(user, contact=record)

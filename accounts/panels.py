"""The "History" section of company, contact, lead and deal pages: the record's audit rows,
newest first, for those who may read the audit log (``crm.records`` panel)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from accounts import audit
from accounts.models import AuditEntry
from crm import records

RECORD_LABELS = ("contacts.company", "contacts.contact", "leads.lead", "deals.deal")
LIMIT = 20


def history_panel(
    *, record: models.Model, user: Any, request: HttpRequest | None
) -> dict[str, Any] | None:
    if not user.has_perm("accounts.view_auditentry"):
        return None
    rows = list(
        AuditEntry.objects.filter(
            object_type=record._meta.label_lower, object_id=str(record.pk)
        ).order_by("-id")[: LIMIT + 1]
    )
    entries = [
        {
            "entry": entry,
            "label": audit.ACTIONS.get(entry.action, entry.action),
            "changes": [
                (key, *(value if isinstance(value, list) and len(value) == 2 else (None, value)))
                for key, value in entry.changes.items()
            ],
        }
        for entry in rows[:LIMIT]
    ]
    return {
        "record": record,
        "entries": entries,
        "more": len(rows) > LIMIT,
        "panel_id": f"history-{record._meta.model_name}-{record.pk}",
    }


# ---------------------------------------------------------------- who can see this?

EXPLAINABLE = {
    "company": "contacts.Company",
    "contact": "contacts.Contact",
    "lead": "leads.Lead",
    "deal": "deals.Deal",
}


def access_panel(
    *, record: models.Model, user: Any, request: HttpRequest | None
) -> dict[str, Any] | None:
    """For admins (``accounts.change_user``): pick a person, see whether and why they may
    see, change and delete this record."""
    if not user.has_perm("accounts.change_user"):
        return None
    from accounts.models import User

    people = User.objects.active().order_by("full_name", "email").only("id", "full_name", "email")
    return {
        "record": record,
        "kind": record._meta.model_name,
        "people": [(person.pk, str(person)) for person in people],
        "panel_id": f"access-{record._meta.model_name}-{record.pk}",
    }


def register() -> None:
    for label in RECORD_LABELS:
        records.register(
            label,
            records.Panel(
                key="access",
                title="Who can see this?",
                template="accounts/_access_panel.html",
                context=access_panel,
                slot="side",
                order=90,
            ),
        )
        records.register(
            label,
            records.Panel(
                key="history",
                title="History",
                template="accounts/_history_panel.html",
                context=history_panel,
                slot="main",
                order=90,
            ),
        )

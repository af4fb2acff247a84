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


def register() -> None:
    for label in RECORD_LABELS:
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

"""The "History" section of company, contact, lead and deal pages: the record's audit rows,
newest first, for those who may read the audit log (``crm.records`` panel)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest

from accounts import audit, policy
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
    shown = rows[:LIMIT]
    names = _related_names(type(record), shown)
    entries = [
        {
            "entry": entry,
            "label": audit.ACTIONS.get(entry.action, entry.action),
            "changes": [
                _readable(type(record), key, value, names)
                for key, value in policy.redact(user, record, entry.changes).items()
            ],
        }
        for entry in shown
    ]
    return {
        "record": record,
        "entries": entries,
        "more": len(rows) > LIMIT,
        "panel_id": f"history-{record._meta.model_name}-{record.pk}",
    }


def _field(model: type[models.Model], key: str) -> Any:
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:  # custom.<key>, or a field since removed
        return None


def _related_names(
    model: type[models.Model], entries: list[AuditEntry]
) -> dict[tuple[str, Any], str]:
    """Names for the ids foreign keys held in ``entries``' changes: one query per model."""
    wanted: dict[type[models.Model], set[Any]] = {}
    for entry in entries:
        for key, value in entry.changes.items():
            field = _field(model, key)
            if field is not None and field.many_to_one and isinstance(value, list):
                wanted.setdefault(field.related_model, set()).update(v for v in value if v)
    names = {}
    for related, ids in wanted.items():
        for pk, obj in related._default_manager.in_bulk(list(ids)).items():
            names[(related._meta.label_lower, pk)] = str(obj)
    return names


def _readable(
    model: type[models.Model], key: str, value: Any, names: dict[tuple[str, Any], str]
) -> tuple[str, Any, Any]:
    """``(label, before, after)`` for one change: the field's name as the forms show it and,
    for a link to another record, that record's name (``#id`` once it is gone)."""
    before, after = value if isinstance(value, list) and len(value) == 2 else (None, value)
    field = _field(model, key)
    if field is None:
        label = key.replace("custom.", "").replace("_", " ")
        return label[:1].upper() + label[1:], before, after
    label = str(field.verbose_name)
    if field.many_to_one:
        kind = field.related_model._meta.label_lower

        def name(pk: Any) -> Any:
            return names.get((kind, pk), f"#{pk}") if pk else None

        before, after = name(before), name(after)
    return label[:1].upper() + label[1:], before, after


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
    return {
        "record": record,
        "kind": record._meta.model_name,
        "people": policy.people_choices(),
        "panel_id": f"access-{record._meta.model_name}-{record.pk}",
    }


# ---------------------------------------------------------------- sharing


def sharing_panel(
    *, record: models.Model, user: Any, request: HttpRequest | None
) -> dict[str, Any] | None:
    """For whoever may share the record: its shares, revoke buttons, a form to add one."""
    from accounts import selectors, sharing

    if not sharing.may_share(user, record):
        return None
    shares = sharing.shares_of(record)
    return {
        "record": record,
        "kind": record._meta.model_name,
        "noun": record._meta.verbose_name,
        "shares": shares,
        "choices": selectors.share_choices(),
        "panel_id": f"sharing-{record._meta.model_name}-{record.pk}",
    }


def register() -> None:
    for label in RECORD_LABELS:
        records.register(
            label,
            records.Panel(
                key="sharing",
                title="Sharing",
                template="accounts/_sharing_panel.html",
                context=sharing_panel,
                slot="side",
                order=85,
            ),
        )
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

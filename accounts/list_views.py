"""The audit page: the log as a filterable list (admins: ``accounts.view_auditentry``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from accounts import audit
from accounts.models import AuditEntry, User
from accounts.twofactor import recent_check_required
from crm.lists import Column, Filter, ListSpec, date_range, list_view


def _entries(user: Any) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.all()


def _columns(user: Any) -> list[Column]:
    return [
        Column("when", "When", lambda e: e.at, kind="datetime", sort=("at",)),
        Column("actor", "Who", lambda e: e.actor_label or "Keel", sort=("actor_label",)),
        Column("action", "What", lambda e: audit.ACTIONS.get(e.action, e.action)),
        Column("object", "Record", lambda e: e.object_label),
        Column("type", "Kind of record", lambda e: e.object_type, default=False),
        Column("changes", "Details", lambda e: audit.summary(e.changes)),
        Column("ip", "IP address", lambda e: e.ip),
        Column("agent", "Browser", lambda e: e.user_agent, default=False),
    ]


def _people(user: Any) -> list[tuple[str, str]]:
    return [(str(u.pk), str(u)) for u in User.objects.order_by("full_name", "email")]


def _filters(user: Any) -> list[Filter]:
    return [
        Filter(
            key="action",
            label="What",
            kind="choice",
            choices=lambda user: list(audit.ACTIONS.items()),
            apply=lambda qs, value: qs.filter(action=value),
        ),
        Filter(
            key="actor",
            label="Who",
            kind="user",
            choices=_people,
            apply=lambda qs, value: qs.filter(actor_id=value),
        ),
        *date_range("at", "at__date"),
    ]


def _search(queryset: QuerySet[AuditEntry], text: str) -> QuerySet[AuditEntry]:
    for word in text.split()[:5]:
        queryset = queryset.filter(
            Q(actor_label__icontains=word) | Q(object_label__icontains=word) | Q(ip=word)
        )
    return queryset


AUDIT_LOG = ListSpec(
    key="audit-log",
    title="Audit log",
    noun="entry",
    noun_plural="entries",
    queryset=_entries,
    columns=_columns,
    default_sort="-when",
    filters=_filters,
    search=_search,
    search_placeholder="Person, record or IP address",
    icon="scroll-text",
    empty_text="Nothing recorded yet.",
)


@recent_check_required
def audit_log(request: HttpRequest) -> HttpResponse:
    return list_view(request, AUDIT_LOG)  # type: ignore[return-value]

"""The leads list (``crm.lists``): columns, filters, bulk actions and export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from accounts import policy
from contacts import listing
from contacts.phones import display_phone
from crm.lists import BulkAction, Column, ListSpec, choice_filter, date_range, list_view
from leads.models import Lead

STATUS_LABELS = dict(Lead.Status.choices)
RATING_LABELS = dict(Lead.Rating.choices)
SOURCE_LABELS = dict(Lead.Source.choices)
STATUS_BADGES = {
    Lead.Status.NEW: "accent",
    Lead.Status.CONTACTED: "pending",
    Lead.Status.QUALIFIED: "ok",
    Lead.Status.UNQUALIFIED: "plain",
    Lead.Status.CONVERTED: "done",
}


def _queryset(user: Any):  # type: ignore[no-untyped-def]
    return policy.visible(Lead.objects.all(), user)


def _columns(user: Any) -> list[Column]:
    return [
        Column(
            "name",
            "Name",
            lambda r: r.full_name or "(no name)",
            kind="link",
            link=lambda r: r.get_absolute_url(),
            sort=("last_name", "first_name"),
        ),
        Column("company", "Company", lambda r: r.company_name, sort=("company_name",)),
        Column("title", "Job title", lambda r: r.title, default=False),
        Column("email", "Email", lambda r: r.email, kind="email"),
        Column(
            "phone",
            "Phone",
            lambda r: display_phone(r.phone),
            kind="phone",
            csv=lambda r: r.phone,
            default=False,
        ),
        Column(
            "status",
            "Status",
            lambda r: STATUS_LABELS.get(r.status, r.status),
            kind="badge",
            badge=lambda r: STATUS_BADGES.get(r.status, "plain"),
            sort=("status",),
        ),
        Column(
            "rating", "Rating", lambda r: RATING_LABELS.get(r.rating, r.rating), sort=("rating",)
        ),
        Column(
            "source", "Source", lambda r: SOURCE_LABELS.get(r.source, r.source), sort=("source",)
        ),
        listing.owner_column(),
        listing.tags_column(),
        Column("created", "Created", lambda r: r.created_at, kind="datetime", sort=("created_at",)),
        Column(
            "updated",
            "Updated",
            lambda r: r.updated_at,
            kind="datetime",
            sort=("updated_at",),
            default=False,
        ),
        *listing.custom_columns("lead", user),
    ]


def _filters(user: Any) -> list[listing.Filter]:
    return [
        choice_filter("status", "Status", Lead.Status.choices),
        listing.owner_filter("leads.lead"),
        choice_filter("rating", "Rating", Lead.Rating.choices),
        choice_filter("source", "Source", Lead.Source.choices),
        listing.tag_filter(),
        *date_range("created_at", "created_at__date", "Created"),
        *listing.custom_filters("lead", user),
    ]


def _bulk(user: Any) -> list[BulkAction]:
    from leads import services

    return [
        listing.assign_action(
            services.lead_bulk_assign, "leads.change_lead", "leads", model="leads.lead"
        ),
        BulkAction(
            key="status",
            label="Change status",
            run=lambda *, actor, queryset, value: services.lead_bulk_set_status(
                actor=actor, leads=queryset, status=value
            ),
            permission="leads.change_lead",
            value_kind="choice",
            value_label="new status",
            choices=lambda user: [c for c in Lead.Status.choices if c[0] != Lead.Status.CONVERTED],
            done="Status changed on {count}.",
        ),
        listing.tag_action(services.lead_bulk_add_tag, "leads.change_lead", "leads"),
        listing.delete_action(services.lead_bulk_delete, "leads.delete_lead", "leads"),
    ]


LEADS = ListSpec(
    key="leads",
    entity="leads.lead",
    title="Leads",
    noun="lead",
    noun_plural="leads",
    queryset=_queryset,
    prepare=listing.attach_owners,
    columns=_columns,
    default_sort="-created",
    filters=_filters,
    search=listing.search_text,
    search_placeholder="Name, company or email",
    bulk_actions=_bulk,
    bulk_permission="leads.bulk_edit_lead",
    export_permission="leads.export_lead",
    create_url="leads:lead-create",
    create_permission="leads.add_lead",
    icon="target",
    empty_text="No leads yet. Add one, or capture them with a web form.",
)


def lead_list(request: HttpRequest) -> HttpResponse:
    return list_view(request, LEADS)

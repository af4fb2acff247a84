"""The deals list (``crm.lists``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from accounts import policy
from contacts import listing
from crm.lists import BulkAction, Column, Filter, ListSpec, choice_filter, date_range, list_view
from deals.models import Deal, Pipeline, Stage

STATUS_BADGES = {Deal.Status.OPEN: "accent", Deal.Status.WON: "ok", Deal.Status.LOST: "fail"}


def _queryset(user: Any) -> QuerySet[Deal]:
    return policy.visible(Deal.objects.select_related("company", "stage", "pipeline"), user)


def _stage_choices(user: Any) -> list[tuple[str, str]]:
    stages = Stage.objects.filter(pipeline__is_active=True).select_related("pipeline")
    return [
        (str(s.pk), f"{s.pipeline.name} · {s.name}")
        for s in stages.order_by("pipeline__position", "pipeline__name", "position")
    ]


def _columns(user: Any) -> list[Column]:
    return [
        Column(
            "name",
            "Deal",
            lambda r: r.name,
            kind="link",
            link=lambda r: r.get_absolute_url(),
            sort=("name",),
        ),
        Column(
            "company",
            "Company",
            lambda r: r.company.name if r.company else "",
            link=lambda r: r.company.get_absolute_url() if r.company else None,
        ),
        Column(
            "amount",
            "Amount",
            lambda r: (r.amount, r.currency),
            kind="money",
            sort=("amount",),
            csv=lambda r: r.amount,
        ),
        Column("currency", "Currency", lambda r: r.currency, default=False),
        Column("stage", "Stage", lambda r: r.stage.name, sort=("stage__position",)),
        Column("pipeline", "Pipeline", lambda r: r.pipeline.name, default=False),
        Column(
            "status",
            "Status",
            lambda r: r.get_status_display(),
            kind="badge",
            badge=lambda r: STATUS_BADGES.get(r.status, "plain"),
            sort=("status",),
        ),
        Column(
            "close",
            "Expected close",
            lambda r: r.expected_close_date,
            kind="date",
            sort=("expected_close_date",),
            reveals=("expected_close_date",),
        ),
        listing.owner_column(),
        listing.tags_column(),
        Column("lost_reason", "Lost reason", lambda r: r.lost_reason, default=False),
        Column("created", "Created", lambda r: r.created_at, kind="datetime", sort=("created_at",)),
        *listing.custom_columns("deal", user),
    ]


def _filters(user: Any) -> list[Filter]:
    return [
        Filter(
            key="pipeline",
            label="Pipeline",
            kind="choice",
            choices=lambda user: [
                (str(p.pk), p.name) for p in Pipeline.objects.filter(is_active=True)
            ],
            apply=lambda qs, value: qs.filter(pipeline_id=int(value)),
        ),
        Filter(
            key="stage",
            label="Stage",
            kind="choice",
            choices=_stage_choices,
            apply=lambda qs, value: qs.filter(stage_id=int(value)),
        ),
        choice_filter("status", "Status", Deal.Status.choices),
        listing.owner_filter("deals.deal"),
        *date_range("close", "expected_close_date", "Closing"),
        listing.tag_filter(),
        *listing.custom_filters("deal", user),
    ]


def _bulk(user: Any) -> list[BulkAction]:
    from deals import services

    return [
        listing.assign_action(
            services.deal_bulk_assign, "deals.change_deal", "deals", model="deals.deal"
        ),
        BulkAction(
            key="stage",
            label="Move to stage",
            run=lambda *, actor, queryset, value: services.deal_bulk_move(
                actor=actor, deals=queryset, stage=Stage.objects.get(pk=value)
            ),
            permission="deals.change_deal",
            value_kind="choice",
            value_label="stage",
            choices=_stage_choices,
            done="{count} moved.",
        ),
        listing.tag_action(services.deal_bulk_add_tag, "deals.change_deal", "deals"),
        listing.delete_action(services.deal_bulk_delete, "deals.delete_deal", "deals"),
    ]


DEALS = ListSpec(
    key="deals",
    entity="deals.deal",
    title="Deals",
    noun="deal",
    noun_plural="deals",
    queryset=_queryset,
    prepare=listing.attach_owners,
    columns=_columns,
    default_sort="-created",
    filters=_filters,
    search=listing.search_text,
    search_placeholder="Deal name",
    bulk_actions=_bulk,
    bulk_permission="deals.bulk_edit_deal",
    export_permission="deals.export_deal",
    create_url="deals:deal-create",
    create_permission="deals.add_deal",
    icon="handshake",
    empty_text="No deals yet.",
)


def deal_list(request: HttpRequest) -> HttpResponse:
    return list_view(request, DEALS)

"""Django admin for pipelines, stages, deals and stage history.

The admin edits rows directly, without the services' checks and events: it is the
operator's tool for repairs. Day-to-day changes go through Keel's own pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from deals.models import Deal, Pipeline, Stage, StageChange


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ["position", "name", "probability", "is_won", "is_lost", "rotting_days"]
    ordering = ["position", "id"]


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_default", "is_active", "created_at"]
    list_editable = ["position"]
    list_filter = ["is_active", "is_default"]
    search_fields = ["name"]
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "pipeline",
        "position",
        "probability",
        "is_won",
        "is_lost",
        "rotting_days",
    ]
    list_filter = ["pipeline", "is_won", "is_lost"]
    list_select_related = ["pipeline"]
    search_fields = ["name", "pipeline__name"]
    ordering = ["pipeline", "position"]


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    fields = ["changed_at", "from_stage_name", "to_stage_name", "changed_by", "days_in_previous"]
    readonly_fields = (
        "changed_at",
        "from_stage_name",
        "to_stage_name",
        "changed_by",
        "days_in_previous",
    )
    ordering = ["-changed_at", "-id"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "pipeline",
        "stage",
        "status",
        "amount",
        "currency",
        "expected_close_date",
        "owner",
        "company",
        "updated_at",
    ]
    list_filter = ["pipeline", "stage", "status", "owner", "team", "currency", "created_at"]
    search_fields = ["name", "company__name", "lost_reason"]
    list_select_related = ["pipeline", "stage", "owner", "company"]
    raw_id_fields = ["company", "owner", "created_by", "tags"]
    autocomplete_fields = ["contacts"]
    readonly_fields = [
        "status",
        "closed_at",
        "position",
        "stage_entered_at",
        "last_activity_at",
        "version",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False  # hundreds of thousands of deals: no COUNT(*) per page
    inlines = [StageChangeInline]
    fieldsets = [
        (None, {"fields": ["name", ("pipeline", "stage"), ("amount", "currency")]}),
        ("Dates", {"fields": [("expected_close_date", "closed_at"), "stage_entered_at"]}),
        ("Links", {"fields": ["company", "contacts", "tags"]}),
        ("Ownership", {"fields": [("owner", "team"), "created_by"]}),
        ("Status", {"fields": [("status", "lost_reason"), ("position", "version")]}),
        ("Notes", {"fields": ["description", "custom"]}),
        ("Activity", {"fields": ["last_activity_at", ("created_at", "updated_at")]}),
    ]


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    """History is read, not written: only deleting a wrong row is allowed."""

    list_display = [
        "deal",
        "from_stage_name",
        "to_stage_name",
        "changed_by",
        "changed_at",
        "days_in_previous",
    ]
    list_filter = ["to_stage__pipeline", "changed_at"]
    list_select_related = ["deal", "changed_by"]
    search_fields = ["deal__name", "from_stage_name", "to_stage_name"]
    raw_id_fields = ["deal", "from_stage", "to_stage", "changed_by"]
    date_hierarchy = "changed_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

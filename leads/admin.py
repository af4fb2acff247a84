from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from leads.models import Lead, WebForm

# Addresses typed without a scheme are https (Django 6's default; silences its warning).
URL_FIELDS: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "company_name",
        "email",
        "status",
        "rating",
        "source",
        "owner",
        "team",
        "created_at",
        "converted_at",
    ]
    list_filter = ["status", "rating", "source", "team", "web_form", "created_at"]
    search_fields = ["first_name", "last_name", "company_name", "email", "phone"]
    list_select_related = ["owner", "team"]
    autocomplete_fields = ["owner", "created_by"]
    raw_id_fields = ["tags", "web_form"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "converted_at",
        "converted_by",
        "converted_contact",
        "converted_company",
        "converted_deal",
    ]
    formfield_overrides = URL_FIELDS
    date_hierarchy = "created_at"
    show_full_result_count = False  # a million leads: no COUNT(*) per change-list page
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("first_name", "last_name"),
                    ("company_name", "title"),
                    ("email", "phone"),
                    "website",
                ]
            },
        ),
        ("Qualification", {"fields": [("status", "rating", "source"), "web_form", "tags"]}),
        ("Ownership", {"fields": [("owner", "team"), "created_by"]}),
        ("Notes", {"fields": ["description", "custom"]}),
        (
            "Conversion",
            {
                "fields": [
                    ("converted_at", "converted_by"),
                    "converted_contact",
                    "converted_company",
                    "converted_deal",
                ]
            },
        ),
        ("Dates", {"fields": [("created_at", "updated_at")]}),
    ]


@admin.register(WebForm)
class WebFormAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "owner", "source", "tag", "submission_count", "created_at"]
    list_filter = ["is_active", "source"]
    search_fields = ["name", "token"]
    list_select_related = ["owner", "tag"]
    autocomplete_fields = ["owner", "created_by"]
    raw_id_fields = ["tag"]
    readonly_fields = ["token", "submission_count", "created_at"]
    formfield_overrides = URL_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebForm]:
        return super().get_queryset(request).select_related("owner", "tag")

"""Companies, contacts and their parts in the Django admin.

Tables get big (50,000 companies, 200,000 contacts): owners and companies are picked with
autocomplete, change lists skip the full COUNT(*), and related rows are joined. Edits here
bypass the services (no events); saving a record re-mirrors its primary email and phone.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from contacts import services
from contacts.models import (
    Address,
    Company,
    CompanyGroupObjectPermission,
    CompanyUserObjectPermission,
    Contact,
    ContactGroupObjectPermission,
    ContactUserObjectPermission,
    CustomField,
    EmailAddress,
    PhoneNumber,
    Tag,
)


class _PointInline(admin.TabularInline):
    extra = 0


class CompanyEmailInline(_PointInline):
    model = EmailAddress
    fk_name = "company"
    exclude = ["contact"]


class CompanyPhoneInline(_PointInline):
    model = PhoneNumber
    fk_name = "company"
    exclude = ["contact"]


class CompanyAddressInline(_PointInline):
    model = Address
    fk_name = "company"
    exclude = ["contact"]


class ContactEmailInline(_PointInline):
    model = EmailAddress
    fk_name = "contact"
    exclude = ["company"]


class ContactPhoneInline(_PointInline):
    model = PhoneNumber
    fk_name = "contact"
    exclude = ["company"]


class ContactAddressInline(_PointInline):
    model = Address
    fk_name = "contact"
    exclude = ["company"]


class _RecordAdmin(admin.ModelAdmin):
    list_select_related = ["owner", "team"]
    autocomplete_fields = ["owner", "created_by"]
    filter_horizontal = ["tags"]
    readonly_fields = ["email", "phone", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.sync_primaries(record=form.instance)


@admin.register(Company)
class CompanyAdmin(_RecordAdmin):
    list_display = ["name", "domain", "industry", "size", "email", "phone", "owner", "team"]
    list_filter = ["industry", "size", "team", "tags", "created_at"]
    search_fields = ["name", "domain", "email"]
    inlines = [CompanyEmailInline, CompanyPhoneInline, CompanyAddressInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", ("domain", "website"), ("industry", "size")]}),
        (
            "Primary email and phone (mirrored from the rows below)",
            {"fields": [("email", "phone")]},
        ),
        ("Ownership", {"fields": [("owner", "team"), "created_by", ("created_at", "updated_at")]}),
        ("More", {"fields": ["tags", "description", "custom"]}),
    ]


@admin.register(Contact)
class ContactAdmin(_RecordAdmin):
    list_display = ["__str__", "company", "title", "email", "phone", "owner", "team"]
    list_filter = ["team", "tags", "created_at"]
    search_fields = ["first_name", "last_name", "email", "company__name"]
    list_select_related = ["owner", "team", "company"]
    autocomplete_fields = ["owner", "created_by", "company"]
    inlines = [ContactEmailInline, ContactPhoneInline, ContactAddressInline]
    fieldsets = [
        (None, {"fields": [("first_name", "last_name"), ("title", "company")]}),
        (
            "Primary email and phone (mirrored from the rows below)",
            {"fields": [("email", "phone")]},
        ),
        ("Ownership", {"fields": [("owner", "team"), "created_by", ("created_at", "updated_at")]}),
        ("More", {"fields": ["tags", "description", "custom"]}),
    ]


class _PointAdmin(admin.ModelAdmin):
    list_filter = ["is_primary", "label"]
    autocomplete_fields = ["company", "contact"]
    list_select_related = ["company", "contact"]
    show_full_result_count = False


@admin.register(EmailAddress)
class EmailAddressAdmin(_PointAdmin):
    list_display = ["email", "label", "is_primary", "company", "contact"]
    search_fields = ["email"]


@admin.register(PhoneNumber)
class PhoneNumberAdmin(_PointAdmin):
    list_display = ["number", "label", "is_primary", "company", "contact"]
    search_fields = ["number"]


@admin.register(Address)
class AddressAdmin(_PointAdmin):
    list_display = ["__str__", "label", "is_primary", "company", "contact"]
    list_filter = ["is_primary", "country"]
    search_fields = ["street", "city", "postal_code", "country"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "color"]
    list_filter = ["color"]
    search_fields = ["name"]


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ["label", "entity", "key", "field_type", "required", "is_active", "position"]
    list_filter = ["entity", "field_type", "is_active"]
    search_fields = ["label", "key"]
    ordering = ["entity", "position", "label"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Stored values depend on the key and type: they never change once created.
        return ["key", "field_type", "created_at"] if obj else ["created_at"]


class _ShareAdmin(admin.ModelAdmin):
    list_select_related = ["permission", "content_object"]
    raw_id_fields = ["content_object"]
    list_filter = ["permission"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("permission")


@admin.register(CompanyUserObjectPermission)
class CompanyUserShareAdmin(_ShareAdmin):
    list_display = ["content_object", "user", "permission"]
    raw_id_fields = ["content_object", "user"]
    list_select_related = ["permission", "content_object", "user"]


@admin.register(CompanyGroupObjectPermission)
class CompanyGroupShareAdmin(_ShareAdmin):
    list_display = ["content_object", "group", "permission"]


@admin.register(ContactUserObjectPermission)
class ContactUserShareAdmin(_ShareAdmin):
    list_display = ["content_object", "user", "permission"]
    raw_id_fields = ["content_object", "user"]
    list_select_related = ["permission", "content_object", "user"]


@admin.register(ContactGroupObjectPermission)
class ContactGroupShareAdmin(_ShareAdmin):
    list_display = ["content_object", "group", "permission"]

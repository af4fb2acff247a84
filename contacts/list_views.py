"""The companies and contacts lists (``crm.lists``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from accounts import policy
from contacts import listing
from contacts.models import Company, CompanySize, Contact, Industry
from contacts.phones import display_phone
from crm.lists import BulkAction, Column, Filter, ListSpec, choice_filter, list_view


def _companies(user: Any) -> QuerySet[Company]:
    return policy.visible(Company.objects.all(), user)


def _company_columns(user: Any) -> list[Column]:
    return [
        Column(
            "name",
            "Name",
            lambda r: r.name,
            kind="link",
            link=lambda r: r.get_absolute_url(),
            sort=("name",),
        ),
        Column("domain", "Domain", lambda r: r.domain, sort=("domain",)),
        Column("industry", "Industry", lambda r: r.get_industry_display(), sort=("industry",)),
        Column("size", "Employees", lambda r: r.get_size_display(), default=False),
        Column("email", "Email", lambda r: r.email, kind="email", default=False),
        Column(
            "phone",
            "Phone",
            lambda r: display_phone(r.phone),
            kind="phone",
            csv=lambda r: r.phone,
        ),
        listing.owner_column(),
        listing.tags_column(),
        Column(
            "created",
            "Created",
            lambda r: r.created_at,
            kind="datetime",
            sort=("created_at",),
            default=False,
        ),
        *listing.custom_columns("company", user),
    ]


def _company_filters(user: Any) -> list[Filter]:
    return [
        listing.owner_filter("contacts.company"),
        choice_filter("industry", "Industry", Industry.choices),
        choice_filter("size", "Employees", CompanySize.choices),
        listing.tag_filter(),
        *listing.custom_filters("company", user),
    ]


def _company_bulk(user: Any) -> list[BulkAction]:
    from contacts import services

    return [
        listing.assign_action(
            services.company_bulk_assign,
            "contacts.change_company",
            "companies",
            model="contacts.company",
        ),
        listing.tag_action(services.company_bulk_add_tag, "contacts.change_company", "companies"),
        listing.delete_action(services.company_bulk_delete, "contacts.delete_company", "companies"),
    ]


COMPANIES = ListSpec(
    key="companies",
    entity="contacts.company",
    title="Companies",
    noun="company",
    noun_plural="companies",
    queryset=_companies,
    prepare=listing.attach_owners,
    columns=_company_columns,
    default_sort="name",
    filters=_company_filters,
    search=listing.search_text,
    search_placeholder="Name, domain or email",
    bulk_actions=_company_bulk,
    bulk_permission="contacts.bulk_edit_company",
    export_permission="contacts.export_company",
    create_url="contacts:company-create",
    create_permission="contacts.add_company",
    icon="building",
    empty_text="No companies yet.",
)


def _contacts(user: Any) -> QuerySet[Contact]:
    return policy.visible(Contact.objects.select_related("company"), user)


def _contact_columns(user: Any) -> list[Column]:
    return [
        Column(
            "name",
            "Name",
            lambda r: r.full_name,
            kind="link",
            link=lambda r: r.get_absolute_url(),
            sort=("last_name", "first_name"),
        ),
        Column(
            "company",
            "Company",
            lambda r: r.company.name if r.company else "",
            link=lambda r: r.company.get_absolute_url() if r.company else None,
        ),
        Column("title", "Job title", lambda r: r.title),
        Column("email", "Email", lambda r: r.email, kind="email"),
        Column(
            "phone",
            "Phone",
            lambda r: display_phone(r.phone),
            kind="phone",
            csv=lambda r: r.phone,
        ),
        listing.owner_column(),
        listing.tags_column(),
        Column(
            "created",
            "Created",
            lambda r: r.created_at,
            kind="datetime",
            sort=("created_at",),
            default=False,
        ),
        *listing.custom_columns("contact", user),
    ]


def _contact_filters(user: Any) -> list[Filter]:
    return [
        listing.owner_filter("contacts.contact"),
        listing.tag_filter(),
        Filter(
            key="company",
            label="Has company",
            kind="boolean",
            apply=lambda qs, value: qs.filter(company__isnull=not value),
        ),
        *listing.custom_filters("contact", user),
    ]


def _contact_bulk(user: Any) -> list[BulkAction]:
    from contacts import services

    return [
        listing.assign_action(
            services.contact_bulk_assign,
            "contacts.change_contact",
            "contacts",
            model="contacts.contact",
        ),
        listing.tag_action(services.contact_bulk_add_tag, "contacts.change_contact", "contacts"),
        listing.delete_action(services.contact_bulk_delete, "contacts.delete_contact", "contacts"),
    ]


CONTACTS = ListSpec(
    key="contacts",
    entity="contacts.contact",
    title="Contacts",
    noun="contact",
    noun_plural="contacts",
    queryset=_contacts,
    prepare=listing.attach_owners,
    columns=_contact_columns,
    default_sort="name",
    filters=_contact_filters,
    search=listing.search_text,
    search_placeholder="Name or email",
    bulk_actions=_contact_bulk,
    bulk_permission="contacts.bulk_edit_contact",
    export_permission="contacts.export_contact",
    create_url="contacts:contact-create",
    create_permission="contacts.add_contact",
    icon="contact",
    empty_text="No contacts yet.",
)


def company_list(request: HttpRequest) -> HttpResponse:
    return list_view(request, COMPANIES)


def contact_list(request: HttpRequest) -> HttpResponse:
    return list_view(request, CONTACTS)

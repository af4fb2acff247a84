"""Company and contact pages (detail, create/edit with the duplicate warning, delete), the
htmx helpers of their forms, and the custom-field settings pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from accounts.http import AuthenticatedRequest
from contacts import custom_fields, duplicates, selectors, services
from contacts.domains import derive_domain, domain_from_website
from contacts.forms import CompanyForm, ContactForm, CustomFieldForm, PointFormSet, point_formsets
from contacts.models import Company, Contact, CustomField
from contacts.phones import display_phone
from crm import records
from crm.forms import apply_service_errors

ENTITY_TITLES = dict(CustomField.Entity.choices)


# ---------------------------------------------------------------- helpers


def _first_value(data: QueryDict, prefix: str, name: str) -> str:
    """The first non-empty ``<prefix>-<n>-<name>`` of a posted formset (the live check)."""
    rows = sorted(
        (key for key in data if key.startswith(f"{prefix}-") and key.endswith(f"-{name}")),
        key=lambda k: (k.split("-")[1].isdigit() and int(k.split("-")[1]), k),
    )
    for key in rows:
        value = data.get(key, "").strip()
        if value:
            return value[:300]
    return data.get(name, "").strip()[:300]


def _primary(inputs: list[Any], attr: str) -> str:
    for item in inputs:
        if item.is_primary:
            return getattr(item, attr)
    return getattr(inputs[0], attr) if inputs else ""


def _points_valid(sets: dict[str, PointFormSet]) -> bool:
    return all([formset.is_valid() for formset in sets.values()])  # noqa: C419 - validate all


def _points_context(sets: dict[str, PointFormSet]) -> dict[str, Any]:
    return {"emails": sets["emails"], "phones": sets["phones"], "addresses": sets["addresses"]}


def _added_row(request: AuthenticatedRequest) -> str:
    """Which formset the no-script "Add another" button asked to grow, if any."""
    value = request.POST.get("add_row", "")
    return value if value in ("emails", "phones", "addresses") else ""


def _record_panels(record: Company | Contact, request: AuthenticatedRequest) -> dict[str, Any]:
    return records.panels_for(record, user=request.user, request=request)


def _phones(record: Company | Contact) -> list[dict[str, Any]]:
    return [
        {
            "number": p.number,
            "display": display_phone(p.number),
            "label": p.label,
            "primary": p.is_primary,
        }
        for p in record.phones.all()
    ]


# ---------------------------------------------------------------- companies


def company_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    company = selectors.company_get_for_user(user=user, pk=pk)
    contacts = (
        selectors.company_contacts(user=user, company=company)
        if user.has_perm("contacts.view_contact")
        else None
    )
    ctx = {
        "company": company,
        "tags": list(company.tags.all()),
        "emails": list(company.emails.all()),
        "phones": _phones(company),
        "addresses": list(company.addresses.all()),
        "custom_rows": custom_fields.display_rows(
            "company", company.custom, hidden=policy.hidden_fields(user, company)
        ),
        "contacts": contacts,
        "panels": _record_panels(company, request),
        "can_change": policy.can_change(user, company),
        "can_delete": policy.can_delete(user, company),
        "can_add_contact": user.has_perm("contacts.add_contact"),
        "website_host": domain_from_website(company.website),
    }
    return render(request, "contacts/company_detail.html", ctx)


@require_GET
def company_contacts(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """htmx: the next rows of a company's contacts ("Show more")."""
    user = request.user
    company = selectors.company_get_for_user(user=user, pk=pk)
    raw = request.GET.get("offset", "0")
    if not raw.isdigit():
        return HttpResponseBadRequest("offset must be a number.")
    contacts = selectors.company_contacts(user=user, company=company, offset=int(raw))
    return render(
        request,
        "contacts/company_detail.html#contact-rows",
        {"company": company, "contacts": contacts},
    )


@dataclass
class _Warnings:
    """What the create form asks about before saving."""

    records: list[duplicates.Candidate] = field(default_factory=list)
    companies: list[Any] = field(default_factory=list)  # candidates for a contact's company
    company_name: str = ""

    def __bool__(self) -> bool:
        return bool(self.records or self.companies)


def _company_form_page(
    request: AuthenticatedRequest,
    *,
    form: CompanyForm,
    sets: dict[str, PointFormSet],
    company: Company | None,
    warnings: _Warnings | None = None,
) -> HttpResponse:
    invalid = not _added_row(request) and (
        bool(form.errors) or any(s.is_bound and not s.is_valid() for s in sets.values())
    )
    ctx = {
        "form": form,
        **_points_context(sets),
        "company": company,
        "warnings": warnings,
        "tag_options": selectors.tag_names(),
        "ignore_duplicates": request.POST.get("ignore_duplicates") == "1",
    }
    return render(request, "contacts/company_form.html", ctx, status=400 if invalid else 200)


def _company_values(form: CompanyForm, sets: dict[str, PointFormSet]) -> dict[str, Any]:
    data = form.cleaned_data
    plain = ("name", "domain", "website", "industry", "size", "description", "owner", "tags")
    return {
        **{name: data[name] for name in plain if name in data},  # hidden fields: not in form
        "custom": form.custom_values(),
        "emails": sets["emails"].inputs(),
        "phones": sets["phones"].inputs(),
        "addresses": sets["addresses"].inputs(),
    }


def company_create(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    data = request.POST if request.method == "POST" else None
    initial = {"owner": user.pk} if user.is_active else {}
    form = CompanyForm(data, user=user, initial=initial)
    sets = point_formsets(data, add=_added_row(request) if data else "")
    if data is None or _added_row(request):
        return _company_form_page(request, form=form, sets=sets, company=None)
    if not (form.is_valid() and _points_valid(sets)):
        return _company_form_page(request, form=form, sets=sets, company=None)
    values = _company_values(form, sets)
    if request.POST.get("ignore_duplicates") != "1":
        email = _primary(values["emails"], "email")
        found = duplicates.company_candidates(
            user=user,
            name=values["name"],
            domain=derive_domain(
                domain=values["domain"], website=values.get("website", ""), email=email
            ),
            email=email,
            phone=_primary(values["phones"], "number"),
        )
        if found:
            warnings = _Warnings(records=found)
            return _company_form_page(
                request, form=form, sets=sets, company=None, warnings=warnings
            )
    try:
        company = services.company_create(actor=user, **values)
    except ValidationError as error:
        apply_service_errors(form, error)
        return _company_form_page(request, form=form, sets=sets, company=None)
    messages.success(request, f"Company {company} created.")
    return redirect(company)


def company_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    company = selectors.company_get_for_user(user=user, pk=pk)
    if not policy.can_change(user, company):
        raise PermissionDenied("You may not change this company.")
    data = request.POST if request.method == "POST" else None
    form = CompanyForm(
        data, user=user, initial=CompanyForm.initial_for(company), custom=company.custom
    )
    _keep_current_owner(form, company.owner)
    sets = point_formsets(data, record=company, add=_added_row(request) if data else "")
    if data is None or _added_row(request) or not (form.is_valid() and _points_valid(sets)):
        return _company_form_page(request, form=form, sets=sets, company=company)
    try:
        services.company_update(actor=user, company=company, **_company_values(form, sets))
    except ValidationError as error:
        apply_service_errors(form, error)
        return _company_form_page(request, form=form, sets=sets, company=company)
    messages.success(request, "Company saved.")
    return redirect(company)


def _keep_current_owner(form: Any, owner: Any) -> None:
    """The record's current owner stays choosable even when outside the editor's reach."""
    if owner is None:
        return
    field_ = form.fields["owner"]
    if not field_.queryset.filter(pk=owner.pk).exists():
        field_.queryset = (field_.queryset | type(owner).objects.filter(pk=owner.pk)).distinct()


@require_http_methods(["GET", "POST"])
def company_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    company = selectors.company_get_for_user(user=user, pk=pk)
    if not policy.can_delete(user, company):
        raise PermissionDenied("You may not delete this company.")
    if request.method == "POST":
        services.company_delete(actor=user, company=company)
        messages.success(request, f"Company {company} deleted.")
        return redirect("contacts:company-list")
    ctx = {"company": company, "contact_count": Contact.objects.filter(company=company).count()}
    return render(request, "contacts/company_confirm_delete.html", ctx)


@require_GET
def company_duplicates(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: companies like the one being typed (read only; the form saves nothing)."""
    params = request.GET
    email = _first_value(params, "emails", "email")
    exclude = params.get("exclude", "")
    found = duplicates.company_candidates(
        user=request.user,
        name=params.get("name", "")[:200],
        domain=derive_domain(
            domain=domain_from_website(params.get("domain", "")[:200]),
            website=params.get("website", "")[:300],
            email=email,
        ),
        email=email,
        phone=_first_value(params, "phones", "number"),
        exclude_pk=int(exclude) if exclude.isdigit() else None,
    )
    ctx = {"warnings": _Warnings(records=found), "live_check": True, "kind": "company"}
    return render(request, "contacts/company_form.html#duplicates", ctx)


# ---------------------------------------------------------------- contacts


def contact_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    contact = selectors.contact_get_for_user(user=user, pk=pk)
    company_visible = bool(
        contact.company_id
        and policy.visible(Company.objects.filter(pk=contact.company_id), user).exists()
    )
    ctx = {
        "contact": contact,
        "company_visible": company_visible,
        "tags": list(contact.tags.all()),
        "emails": list(contact.emails.all()),
        "phones": _phones(contact),
        "addresses": list(contact.addresses.all()),
        "custom_rows": custom_fields.display_rows(
            "contact", contact.custom, hidden=policy.hidden_fields(user, contact)
        ),
        "colleagues": selectors.contact_colleagues(user=user, contact=contact),
        "panels": _record_panels(contact, request),
        "can_change": policy.can_change(user, contact),
        "can_delete": policy.can_delete(user, contact),
    }
    return render(request, "contacts/contact_detail.html", ctx)


def _contact_form_page(
    request: AuthenticatedRequest,
    *,
    form: ContactForm,
    sets: dict[str, PointFormSet],
    contact: Contact | None,
    warnings: _Warnings | None = None,
) -> HttpResponse:
    invalid = not _added_row(request) and (
        bool(form.errors) or any(s.is_bound and not s.is_valid() for s in sets.values())
    )
    ctx = {
        "form": form,
        **_points_context(sets),
        "contact": contact,
        "warnings": warnings,
        "tag_options": selectors.tag_names(),
        "ignore_duplicates": request.POST.get("ignore_duplicates") == "1",
        "new_company": request.POST.get("new_company") == "1",
        "can_add_company": request.user.has_perm("contacts.add_company"),
    }
    return render(request, "contacts/contact_form.html", ctx, status=400 if invalid else 200)


@dataclass
class _CompanyChoice:
    """How the contact form's company field resolves."""

    company: Company | None = None
    create: str = ""  # a new company's name
    candidates: list[Any] = field(default_factory=list)  # ask before creating
    error: str = ""


def _resolve_company(request: AuthenticatedRequest, form: ContactForm) -> _CompanyChoice:  # noqa: PLR0911 - one answer per case
    user = request.user
    name = " ".join(form.cleaned_data.get("company_name", "").split())
    picked = selectors.company_visible(user=user, pk=form.cleaned_data.get("company"))
    if picked is not None and (not name or picked.name.lower() == name.lower()):
        return _CompanyChoice(company=picked)
    if not name:
        return _CompanyChoice()
    same = selectors.company_by_name(user=user, name=name)
    if len(same) == 1:
        return _CompanyChoice(company=same[0])
    if request.POST.get("new_company") == "1" and user.has_perm("contacts.add_company"):
        return _CompanyChoice(create=name)
    if len(same) > 1:
        return _CompanyChoice(candidates=[duplicates.Candidate(c, ["same name"]) for c in same])
    similar = duplicates.company_candidates(user=user, name=name)
    if similar:
        return _CompanyChoice(candidates=similar)
    if not user.has_perm("contacts.add_company"):
        return _CompanyChoice(error="No company you can see has this name; pick one from the list.")
    return _CompanyChoice(create=name)


def _contact_values(form: ContactForm, sets: dict[str, PointFormSet]) -> dict[str, Any]:
    data = form.cleaned_data
    plain = ("first_name", "last_name", "title", "description", "owner", "tags")
    return {
        **{name: data[name] for name in plain if name in data},  # hidden fields: not in form
        "custom": form.custom_values(),
        "emails": sets["emails"].inputs(),
        "phones": sets["phones"].inputs(),
        "addresses": sets["addresses"].inputs(),
    }


def _contact_post_data(request: AuthenticatedRequest) -> QueryDict | None:
    """The posted form; "Link to this company" fills the company fields from its button."""
    if request.method != "POST":
        return None
    data = request.POST.copy()
    link = selectors.company_visible(user=request.user, pk=data.get("link_company"))
    if link is not None:
        data["company"] = str(link.pk)
        data["company_name"] = link.name
    return data


def _contact_initial(request: AuthenticatedRequest) -> dict[str, Any]:
    user = request.user
    initial: dict[str, Any] = {"owner": user.pk}
    company = selectors.company_visible(user=user, pk=request.GET.get("company"))
    if company is not None:
        initial |= {"company": company.pk, "company_name": company.name}
    return initial


def contact_create(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    data = _contact_post_data(request)
    form = ContactForm(data, user=user, initial=_contact_initial(request))
    sets = point_formsets(data, add=_added_row(request) if data else "")
    if data is None or _added_row(request) or not (form.is_valid() and _points_valid(sets)):
        return _contact_form_page(request, form=form, sets=sets, contact=None)
    values = _contact_values(form, sets)
    choice = _resolve_company(request, form)
    if choice.error:
        form.add_error("company_name", choice.error)
        return _contact_form_page(request, form=form, sets=sets, contact=None)
    warnings = _Warnings(
        companies=choice.candidates, company_name=form.cleaned_data["company_name"]
    )
    if request.POST.get("ignore_duplicates") != "1":
        warnings.records = duplicates.contact_candidates(
            user=user,
            first_name=values["first_name"],
            last_name=values["last_name"],
            email=_primary(values["emails"], "email"),
            phone=_primary(values["phones"], "number"),
        )
    if warnings:
        return _contact_form_page(request, form=form, sets=sets, contact=None, warnings=warnings)
    try:
        contact = _create_contact(user, values, choice)
    except ValidationError as error:
        apply_service_errors(form, error)
        return _contact_form_page(request, form=form, sets=sets, contact=None)
    messages.success(request, f"Contact {contact} created.")
    return redirect(contact)


def _create_contact(user: Any, values: dict[str, Any], choice: _CompanyChoice) -> Contact:
    with transaction.atomic():
        company = choice.company
        if choice.create:
            company = services.company_create(
                actor=user, name=choice.create, owner=values["owner"] or user
            )
        return services.contact_create(actor=user, company=company, **values)


def contact_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    contact = selectors.contact_get_for_user(user=user, pk=pk)
    if not policy.can_change(user, contact):
        raise PermissionDenied("You may not change this contact.")
    data = _contact_post_data(request)
    form = ContactForm(
        data, user=user, initial=ContactForm.initial_for(contact), custom=contact.custom
    )
    _keep_current_owner(form, contact.owner)
    sets = point_formsets(data, record=contact, add=_added_row(request) if data else "")
    if data is None or _added_row(request) or not (form.is_valid() and _points_valid(sets)):
        return _contact_form_page(request, form=form, sets=sets, contact=contact)
    choice = _resolve_company(request, form)
    if choice.company is None and contact.company_id and _same_company(form, contact):
        choice = _CompanyChoice(company=contact.company)  # kept, even if no longer visible
    if choice.error or choice.candidates:
        if choice.candidates:
            warnings = _Warnings(
                companies=choice.candidates, company_name=form.cleaned_data["company_name"]
            )
            return _contact_form_page(
                request, form=form, sets=sets, contact=contact, warnings=warnings
            )
        form.add_error("company_name", choice.error)
        return _contact_form_page(request, form=form, sets=sets, contact=contact)
    values = _contact_values(form, sets)
    try:
        with transaction.atomic():
            company = choice.company
            if choice.create:
                company = services.company_create(
                    actor=user, name=choice.create, owner=values["owner"] or user
                )
            services.contact_update(actor=user, contact=contact, company=company, **values)
    except ValidationError as error:
        apply_service_errors(form, error)
        return _contact_form_page(request, form=form, sets=sets, contact=contact)
    messages.success(request, "Contact saved.")
    return redirect(contact)


def _same_company(form: ContactForm, contact: Contact) -> bool:
    name = " ".join(form.cleaned_data.get("company_name", "").split()).lower()
    return bool(contact.company) and name == contact.company.name.lower()  # type: ignore[union-attr]


@require_http_methods(["GET", "POST"])
def contact_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    contact = selectors.contact_get_for_user(user=user, pk=pk)
    if not policy.can_delete(user, contact):
        raise PermissionDenied("You may not delete this contact.")
    if request.method == "POST":
        services.contact_delete(actor=user, contact=contact)
        messages.success(request, f"Contact {contact} deleted.")
        return redirect("contacts:contact-list")
    return render(request, "contacts/contact_confirm_delete.html", {"contact": contact})


@require_GET
def contact_duplicates(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: contacts like the one being typed (read only)."""
    params = request.GET
    exclude = params.get("exclude", "")
    found = duplicates.contact_candidates(
        user=request.user,
        first_name=params.get("first_name", "")[:100],
        last_name=params.get("last_name", "")[:100],
        email=_first_value(params, "emails", "email"),
        phone=_first_value(params, "phones", "number"),
        exclude_pk=int(exclude) if exclude.isdigit() else None,
    )
    ctx = {"warnings": _Warnings(records=found), "live_check": True, "kind": "contact"}
    return render(request, "contacts/contact_form.html#duplicates", ctx)


@require_GET
def company_options(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: the company picker's suggestions for what has been typed."""
    query = (request.GET.get("company_name") or request.GET.get("q") or "")[:100]
    companies = selectors.company_search(user=request.user, query=query)
    return render(request, "contacts/_company_options.html", {"companies": companies})


# ---------------------------------------------------------------- custom-field settings


def _entity_param(value: str | None) -> str:
    return value if value in custom_fields.ENTITIES else "company"


def custom_field_list(request: AuthenticatedRequest) -> HttpResponse:
    entity = _entity_param(request.GET.get("entity"))
    fields = selectors.custom_field_list(entity=entity)
    counts = selectors.custom_field_counts()
    ctx = {
        "entity": entity,
        "entity_title": ENTITY_TITLES[entity],
        "entities": [(key, title, counts.get(key, 0)) for key, title in CustomField.Entity.choices],
        "active": [f for f in fields if f.is_active],
        "inactive": [f for f in fields if not f.is_active],
        "can_add": request.user.has_perm("contacts.add_customfield"),
    }
    return render(request, "contacts/custom_field_list.html", ctx)


def _list_url(entity: str) -> str:
    return f"{reverse('contacts:custom-field-list')}?entity={entity}"


def custom_field_create(request: AuthenticatedRequest) -> HttpResponse:
    entity = _entity_param(request.GET.get("entity") or request.POST.get("entity"))
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.custom_field_create(
                actor=request.user,
                entity=entity,
                label=data["label"],
                field_type=data["field_type"],
                choices=data["choices"],
                required=data["required"],
                help_text=data["help_text"],
                show_in_list=data["show_in_list"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, f"Field {created.label} added to {ENTITY_TITLES[entity].lower()}."
            )
            return redirect(_list_url(entity))
    ctx = {"form": form, "entity": entity, "entity_title": ENTITY_TITLES[entity], "field": None}
    return render(
        request, "contacts/custom_field_form.html", ctx, status=400 if form.errors else 200
    )


def custom_field_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    current = get_object_or_404(CustomField, pk=pk)
    form = CustomFieldForm(request.POST or None, field=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.custom_field_update(
                actor=request.user,
                field=current,
                label=data["label"],
                choices=data["choices"],
                required=data["required"],
                help_text=data["help_text"],
                show_in_list=data["show_in_list"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Field {current.label} saved.")
            return redirect(_list_url(current.entity))
    ctx = {
        "form": form,
        "entity": current.entity,
        "entity_title": ENTITY_TITLES[current.entity],
        "field": current,
    }
    return render(
        request, "contacts/custom_field_form.html", ctx, status=400 if form.errors else 200
    )


@require_POST
def custom_field_toggle(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Deactivate (hidden from forms, pages and lists; values kept) or reactivate a field."""
    current = get_object_or_404(CustomField, pk=pk)
    active = request.POST.get("active")
    if active not in ("0", "1"):
        return HttpResponseBadRequest("active must be 0 or 1.")
    services.custom_field_update(actor=request.user, field=current, is_active=active == "1")
    state = "reactivated" if current.is_active else "deactivated; its values are kept"
    messages.success(request, f"Field {current.label} {state}.")
    return redirect(_list_url(current.entity))


@require_POST
def custom_field_reorder(request: AuthenticatedRequest) -> HttpResponse:
    """Reorder an entity's fields: ``ids`` in order (drag and drop), or ``move=<id>`` with
    ``direction=up|down`` (the buttons, which work without scripts)."""
    entity = _entity_param(request.POST.get("entity"))
    order = [f.pk for f in selectors.custom_field_list(entity=entity) if f.is_active]
    if request.POST.get("move", "").isdigit():
        pk = int(request.POST["move"])
        if pk not in order:
            return HttpResponseBadRequest("That field is not an active field of this list.")
        index = order.index(pk)
        target = index - 1 if request.POST.get("direction") == "up" else index + 1
        if 0 <= target < len(order):
            order[index], order[target] = order[target], order[index]
    else:
        raw = request.POST.getlist("ids")
        if not raw or not all(v.isdigit() for v in raw):
            return HttpResponseBadRequest("Send the field ids in their new order.")
        order = [int(v) for v in raw]
    try:
        services.custom_field_reorder(actor=request.user, entity=entity, ids=order)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    if request.htmx:
        return HttpResponse(status=204)
    return redirect(_list_url(entity))

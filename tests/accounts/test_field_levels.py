"""Field levels on every way a restrictable field leaves Keel or gets in.

For each field a record kind declares restrictable (``rbac.Entity.fields``) the record gets
a distinctive value, then a person whose role hides the field reads the record's page, the
list with every column, its CSV export, the global search and the History panel: the value
appears nowhere, while an unrestricted admin sees it on each of those (so every check can
fail). Then a role that makes the field read-only, or hides it, edits the record with the
field posted anyway (a crafted POST): the stored value does not move, and the service called
directly refuses the change.

A field newly made restrictable fails :func:`test_every_restrictable_field_has_a_probe`
until it gets a probe here, so it cannot be declared without being checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse

from accounts import policy, rbac
from accounts.models import FieldLevel, Role, Scope
from contacts import services as contact_services
from deals import services as deal_services
from leads import services as lead_services
from tests.accounts.factories import UserFactory
from tests.contacts.factories import CompanyFactory, ContactFactory, CustomFieldFactory
from tests.deals.factories import DealFactory
from tests.leads.factories import LeadFactory


@dataclass(frozen=True)
class Probe:
    value: Any  # what the record holds
    needles: tuple[str, ...]  # how it would show anywhere (raw, formatted, as a label)
    new: Any  # what a crafted POST tries to set
    posted: str  # ``new`` as a form sends it


PROBES: dict[tuple[str, str], Probe] = {
    ("contacts.company", "website"): Probe(
        "https://zqx-website.example",
        ("zqx-website",),
        "https://other.example",
        "https://other.example",
    ),
    ("contacts.company", "industry"): Probe(
        "healthcare", ("Healthcare", "healthcare"), "finance", "finance"
    ),
    ("contacts.company", "size"): Probe("201-1000", ("201-1,000", "201-1000"), "1-10", "1-10"),
    ("contacts.company", "description"): Probe(
        "Zqx company notes", ("Zqx company notes",), "Changed", "Changed"
    ),
    ("contacts.contact", "title"): Probe("Zqx Chief Tester", ("Zqx Chief",), "CEO", "CEO"),
    ("contacts.contact", "description"): Probe(
        "Zqx contact notes", ("Zqx contact notes",), "Changed", "Changed"
    ),
    ("leads.lead", "title"): Probe("Zqx Lead Title", ("Zqx Lead",), "CEO", "CEO"),
    ("leads.lead", "phone"): Probe(
        "+14155550199", ("555-0199", "5550199", "555 0199"), "+14155550100", "+14155550100"
    ),
    ("leads.lead", "website"): Probe(
        "https://zqx-lead.example", ("zqx-lead",), "https://other.example", "other.example"
    ),
    ("leads.lead", "source"): Probe(
        "advertising", ("Advertising", "advertising"), "event", "event"
    ),
    ("leads.lead", "rating"): Probe("warm", ("Warm", "warm"), "cold", "cold"),
    ("leads.lead", "description"): Probe(
        "Zqx lead notes", ("Zqx lead notes",), "Changed", "Changed"
    ),
    ("deals.deal", "amount"): Probe(
        Decimal("987654.32"), ("987,654", "987654"), Decimal("5.00"), "5"
    ),
    ("deals.deal", "expected_close_date"): Probe(
        date(2031, 7, 19),
        ("2031-07-19", "19 Jul 2031", "Jul 19, 2031", "July 19, 2031"),
        date(2032, 1, 1),
        "2032-01-01",
    ),
    ("deals.deal", "description"): Probe(
        "Zqx deal notes", ("Zqx deal notes",), "Changed", "Changed"
    ),
}

KINDS = {
    "contacts.company": ("companies", "contacts:company-list", "contacts:company-edit"),
    "contacts.contact": ("contacts", "contacts:contact-list", "contacts:contact-edit"),
    "leads.lead": ("leads", "leads:lead-list", "leads:lead-edit"),
    "deals.deal": ("deals", "deals:deal-list", "deals:deal-edit"),
}
NAME = "Zqxrecord"


def test_every_restrictable_field_has_a_probe():
    declared = {(e.label, name) for e in rbac.entities() for name in e.fields}
    assert declared == set(PROBES)


def _record(label: str, field: str, owner: Any) -> Any:
    values = {field: PROBES[(label, field)].value}
    if label == "contacts.company":
        values.setdefault("industry", "")
        return CompanyFactory(name=f"{NAME} Inc", owner=owner, **values)
    if label == "contacts.contact":
        return ContactFactory(first_name="Zoe", last_name=NAME, owner=owner, **values)
    if label == "leads.lead":
        values.setdefault("source", "referral")
        return LeadFactory(first_name="Lee", last_name=NAME, owner=owner, **values)
    return DealFactory(name=f"{NAME} deal", owner=owner, **values)


def _role(levels: dict[str, dict[str, str]]) -> Role:
    """A role that sees and edits all companies, contacts, leads and deals, may export
    them and read the audit log, with ``levels``."""
    group = Group.objects.create(name="Field probe")
    kinds = "company|contact|lead|deal"
    group.permissions.set(
        Permission.objects.filter(
            Q(codename__regex=rf"^(view|add|change|export|bulk_edit)_({kinds})$")
            | Q(codename="view_auditentry")
        )
    )
    return Role.objects.create(
        slug="field-probe",
        name="Field probe",
        group=group,
        record_scope=Scope.ALL,
        field_levels=levels,
    )


def _holder(levels: dict[str, dict[str, str]]) -> Any:
    user = UserFactory(email="probe@example.test", full_name="Pat Probe")
    user.groups.add(_role(levels).group)
    return user


def _pages(client: Any, label: str, record: Any, user: Any) -> dict[str, str]:
    """Every way the record's fields are read: the page, the list with every column, its
    CSV export, the global search."""
    key, list_url, _ = KINDS[label]
    spec = next(s for s in _specs() if s.key == key)
    columns = ",".join(c.key for c in spec.columns(user))
    export = client.get(reverse(list_url), {"cols": columns, "export": "csv"})
    assert export.status_code == 200
    pages = {
        "page": client.get(record.get_absolute_url()),
        "list": client.get(reverse(list_url), {"cols": columns, "q": NAME}),
        "search": client.get(reverse("crm:search"), {"q": NAME}),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
    found = {name: response.content.decode() for name, response in pages.items()}
    found["export"] = b"".join(export.streaming_content).decode()
    return found


def _specs() -> list[Any]:
    from contacts.list_views import COMPANIES, CONTACTS
    from deals.list_views import DEALS
    from leads.list_views import LEADS

    return [COMPANIES, CONTACTS, DEALS, LEADS]


def _shown(pages: dict[str, str], needles: tuple[str, ...]) -> dict[str, list[str]]:
    return {
        name: [n for n in needles if n in text]
        for name, text in pages.items()
        if any(n in text for n in needles)
    }


@pytest.mark.parametrize(("label", "field"), sorted(PROBES))
def test_a_hidden_field_is_read_nowhere(label, field, admin_user, client_for):
    probe = PROBES[(label, field)]
    record = _record(label, field, owner=admin_user)
    admin_pages = _pages(client_for(admin_user), label, record, admin_user)
    shown_to_admin = _shown(admin_pages, probe.needles)
    spec = next(s for s in _specs() if s.key == KINDS[label][0])
    a_column = any(field in c.fields for c in spec.columns(admin_user))
    assert set(shown_to_admin) >= {"page", *(("list", "export") if a_column else ())}
    holder = _holder({label: {field: FieldLevel.HIDDEN}})
    assert not policy.field_access(holder, label).readable(field)
    assert _shown(_pages(client_for(holder), label, record, holder), probe.needles) == {}


@pytest.mark.parametrize(("label", "field"), sorted(PROBES))
def test_the_history_panel_leaves_a_hidden_field_out(label, field, admin_user, client_for):
    probe = PROBES[(label, field)]
    record = _record(label, field, owner=admin_user)
    history = f'id="history-{record._meta.model_name}-{record.pk}-title"'
    page = client_for(admin_user).get(record.get_absolute_url()).content.decode()
    assert history in page
    holder = _holder({label: {field: FieldLevel.HIDDEN}})
    page = client_for(holder).get(record.get_absolute_url()).content.decode()
    assert history in page  # the panel is there, without the field
    assert not [n for n in probe.needles if n in page]


def _form_data(html: str, action: str) -> dict[str, Any]:
    """The fields of the page's form posting to ``action`` (or to the page itself), as a
    browser would send them."""
    parser = _FormParser(action)
    parser.feed(html)
    return parser.data


class _FormParser(HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.data = action, {}
        self._inside = self._done = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self._done and a.get("method", "").lower() == "post":
            self._inside = a.get("action", "") in ("", self.action)
        if not self._inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.data.setdefault(name, a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name and "disabled" not in a:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name and "disabled" not in a:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._inside:
            self._inside, self._done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


@pytest.mark.parametrize("level", [FieldLevel.READ_ONLY, FieldLevel.HIDDEN])
@pytest.mark.parametrize(("label", "field"), sorted(PROBES))
def test_a_crafted_post_changes_no_frozen_field(label, field, level, client_for, db):
    probe = PROBES[(label, field)]
    holder = _holder({label: {field: level}})
    record = _record(label, field, owner=holder)
    edit_url = reverse(KINDS[label][2], args=[record.pk])
    client = client_for(holder)
    page = client.get(edit_url)
    assert page.status_code == 200
    html = page.content.decode()
    data = _form_data(html, edit_url)
    assert field not in data  # read-only: disabled (not sent); hidden: not in the form
    if level == FieldLevel.READ_ONLY:
        assert any(n in html for n in probe.needles)  # shown, just not editable
    data[field] = probe.posted
    response = client.post(edit_url, data)
    assert response.status_code in (200, 302, 400), response.status_code
    record.refresh_from_db()
    assert getattr(record, field) == probe.value
    assert response.status_code == 302, "the rest of the form still saves"


def _update(label: str, record: Any, actor: Any, **values: Any) -> None:
    if label == "contacts.company":
        contact_services.company_update(actor=actor, company=record, **values)
    elif label == "contacts.contact":
        contact_services.contact_update(actor=actor, contact=record, **values)
    elif label == "leads.lead":
        lead_services.lead_update(actor=actor, lead=record, **values)
    else:
        deal_services.deal_update(actor=actor, deal=record, **values)


@pytest.mark.parametrize(("label", "field"), sorted(PROBES))
def test_services_refuse_changing_a_read_only_field(label, field, db):
    probe = PROBES[(label, field)]
    holder = _holder({label: {field: FieldLevel.READ_ONLY}})
    record = _record(label, field, owner=holder)
    with pytest.raises(ValidationError) as refused:
        _update(label, record, holder, **{field: probe.new})
    assert field in refused.value.message_dict
    record.refresh_from_db()
    assert getattr(record, field) == probe.value
    _update(label, record, holder, **{field: probe.value})  # the same value is no change
    _update(label, record, None, **{field: probe.new})  # Keel itself is not restricted
    record.refresh_from_db()
    assert getattr(record, field) == probe.new


def test_roles_add_up_to_the_most_open_level(db):
    holder = _holder({"deals.deal": {"amount": FieldLevel.HIDDEN}})
    assert not policy.field_access(holder, "deals.deal").readable("amount")
    assert not policy.field_access(holder, "deals.deal").readable("currency")  # companion
    other = Group.objects.create(name="Second")
    Role.objects.create(
        slug="second",
        name="Second",
        group=other,
        field_levels={"deals.deal": {"amount": FieldLevel.READ_ONLY}},
    )
    holder.groups.add(other)
    holder = type(holder).objects.get(pk=holder.pk)  # a new request
    access = policy.field_access(holder, "deals.deal")
    assert access.readable("amount")
    assert not access.writable("amount")
    second = Role.objects.get(slug="second")
    second.field_levels = {}
    second.save()  # a saved role moves every cached grant
    holder = type(holder).objects.get(pk=holder.pk)
    assert policy.field_access(holder, "deals.deal").writable("amount")


def test_superusers_and_keel_itself_are_not_restricted(db):
    boss = UserFactory(is_superuser=True)
    assert not policy.field_access(boss, "deals.deal").restricted
    assert not policy.field_access(None, "deals.deal").restricted


# ---------------------------------------------------------------- custom fields

CUSTOM_ENTITY = {
    "contacts.company": "company",
    "contacts.contact": "contact",
    "leads.lead": "lead",
    "deals.deal": "deal",
}


def _custom_record(label: str, owner: Any) -> Any:
    """A record whose money custom field "Contract value" holds 424242.42."""
    CustomFieldFactory(
        entity=CUSTOM_ENTITY[label],
        key="contract",
        label="Contract value",
        field_type="money",
        show_in_list=True,
    )
    from contacts import custom_fields

    custom_fields.forget_definitions()
    record = _record(label, next(f for l_, f in sorted(PROBES) if l_ == label), owner=owner)
    type(record).objects.filter(pk=record.pk).update(custom={"contract": "424242.42"})
    record.refresh_from_db()
    return record


CUSTOM_NEEDLES = ("424,242", "424242")


@pytest.mark.parametrize("label", sorted(CUSTOM_ENTITY))
def test_a_hidden_custom_field_is_read_nowhere(label, admin_user, client_for):
    record = _custom_record(label, owner=admin_user)
    shown = _shown(_pages(client_for(admin_user), label, record, admin_user), CUSTOM_NEEDLES)
    assert set(shown) >= {"page", "list", "export"}
    holder = _holder({label: {"custom.contract": FieldLevel.HIDDEN}})
    assert _shown(_pages(client_for(holder), label, record, holder), CUSTOM_NEEDLES) == {}
    entity = rbac.entity_for(label)
    assert ("custom.contract", "Contract value") in entity.field_choices()


@pytest.mark.parametrize("level", [FieldLevel.READ_ONLY, FieldLevel.HIDDEN])
@pytest.mark.parametrize("label", sorted(CUSTOM_ENTITY))
def test_editing_keeps_a_frozen_custom_value(label, level, client_for, db):
    holder = _holder({label: {"custom.contract": level}})
    record = _custom_record(label, owner=holder)
    edit_url = reverse(KINDS[label][2], args=[record.pk])
    client = client_for(holder)
    data = _form_data(client.get(edit_url).content.decode(), edit_url)
    assert "cf_contract" not in data
    data["cf_contract"] = "1.00"
    response = client.post(edit_url, data)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.custom == {"contract": "424242.42"}  # neither changed nor lost
    with pytest.raises(ValidationError):
        _update(label, record, holder, custom={"contract": "1.00"})


def test_converting_a_lead_carries_only_what_the_role_may_set(db):
    holder = _holder(
        {
            "contacts.contact": {"title": FieldLevel.READ_ONLY, "description": FieldLevel.HIDDEN},
            "contacts.company": {"website": FieldLevel.READ_ONLY},
        }
    )
    holder.groups.get().permissions.add(Permission.objects.get(codename="convert_lead"))
    lead = LeadFactory(
        owner=holder,
        title="CTO",
        description="Met at the fair",
        website="https://acme.example",
        company_name="Acme",
    )
    lead_services.lead_convert(actor=type(holder).objects.get(pk=holder.pk), lead=lead)
    lead.refresh_from_db()
    contact, company = lead.converted_contact, lead.converted_company
    assert (contact.title, contact.description) == ("", "")
    assert company.website == ""
    assert company.name == "Acme"

"""Company and contact writes: create, edit, assign, delete, emails/phones/addresses, tags,
custom fields, bulk actions of the lists, and the custom-field definitions.

Every function is keyword-only with ``actor`` first (None for the system: demo data,
imports), runs in one transaction, validates before it writes and publishes its events
(``docs/events.md``, "Companies and contacts") in that transaction.

Emails and phones: a record has any number of each, one of them primary. The primary one is
mirrored in the record's ``email``/``phone`` column (what lists show and search). Phones are
stored in E.164 (``contacts.phones``). A company's domain is derived from its website or a
work email when left empty (``contacts.domains``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models, transaction
from django.utils import timezone

from accounts import audit, policy
from accounts.models import Scope, User
from contacts import custom_fields
from contacts.domains import derive_domain, normalize_domain
from contacts.models import (
    Address,
    Company,
    CompanySize,
    Contact,
    CustomField,
    EmailAddress,
    Industry,
    PhoneNumber,
    Tag,
)
from contacts.phones import normalize_phone
from crm.events import publish

R = TypeVar("R", Company, Contact)
_CHUNK = 500  # ids per UPDATE/DELETE in bulk actions (SQLite caps bound parameters)
KEEP: Any = ...  # "leave unchanged" for arguments where None means "clear"

COMPANY_FIELDS = ("name", "domain", "website", "industry", "size", "description")
CONTACT_FIELDS = ("first_name", "last_name", "title", "description")


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class EmailInput:
    email: str
    label: str = ""
    is_primary: bool = False


@dataclass(frozen=True)
class PhoneInput:
    number: str
    label: str = ""
    is_primary: bool = False


@dataclass(frozen=True)
class AddressInput:
    label: str = ""
    street: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    is_primary: bool = False

    @property
    def is_empty(self) -> bool:
        return not any((self.street, self.city, self.region, self.postal_code, self.country))


# ---------------------------------------------------------------- helpers


def _entity(record: Company | Contact) -> str:
    return "company" if isinstance(record, Company) else "contact"


def _event_key(record: Company | Contact) -> str:
    return f"{_entity(record)}_id"


def _strip(value: Any) -> str:
    return " ".join(str(value or "").split())


def _max_length(model: type[models.Model], name: str, value: str) -> None:
    limit = getattr(model._meta.get_field(name), "max_length", None)
    if limit and len(value) > limit:
        raise ValidationError({name: f"At most {limit} characters."})


def clean_email(raw: str) -> str:
    """An email address trimmed, its domain in lower case; ValidationError if malformed."""
    value = (raw or "").strip()
    if not value:
        return ""
    validate_email(value)
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_website(raw: str) -> str:
    value = (raw or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = f"https://{value}"
    URLValidator(schemes=["http", "https"], message="Enter a web address such as example.com.")(
        value
    )
    return value


def _check_owner(actor: Any, owner: User | None, model: type[models.Model]) -> None:
    """The actor may make ``owner`` the owner of a ``model`` record
    (``policy.assignable_users``)."""
    if actor is None:
        return
    noun = str(model._meta.verbose_name_plural)
    if owner is None:
        if policy.scope_for(actor, model) != Scope.ALL:
            raise ValidationError({"owner": f"Choose who owns the {noun}."})
        return
    if not owner.is_active:
        raise ValidationError({"owner": f"{owner} is deactivated and cannot own {noun}."})
    if not policy.assignable_users(actor, model).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": f"You may not assign {noun} to {owner}."})


def _require(actor: Any, permission: str, message: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(message)


def _require_change(actor: Any, record: Company | Contact) -> None:
    if actor is not None and not policy.can_change(actor, record):
        raise PermissionDenied(f"You may not change this {_entity(record)}.")


def _locked(record: R) -> R:
    """The record's row, locked for this transaction (PostgreSQL; SQLite serialises writes)."""
    return type(record).objects.select_for_update().get(pk=record.pk)


def _locked_record(record: Company | Contact) -> Company | Contact:
    if isinstance(record, Company):
        return _locked(record)
    return _locked(record)


def _point_record(point: EmailAddress | PhoneNumber | Address) -> Company | Contact:
    """The company or contact an email, phone or address belongs to, locked."""
    record: Company | Contact | None = point.company or point.contact
    if record is None:
        raise ValidationError("This row belongs to no company or contact.")
    return _locked_record(record)


def _sync(target: models.Model, source: models.Model) -> None:
    """Copy the saved state back onto the caller's instance."""
    for field in type(source)._meta.concrete_fields:
        if field.name != "search_text":
            setattr(target, field.attname, getattr(source, field.attname))


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def parse_tag_names(text: str) -> list[str]:
    """``"vip, trade show ,VIP"`` -> ``["vip", "trade show"]`` (order kept, no repeats)."""
    names: dict[str, str] = {}
    for part in (text or "").split(","):
        name = " ".join(part.split())[:50]
        if name:
            names.setdefault(name.lower(), name)
    return list(names.values())


def _resolve_tags(actor: Any, tags: Iterable[Tag | str]) -> list[Tag]:
    """Tags as objects or names; a name is found in any case or, with ``add_tag``, created."""
    found: dict[int, Tag] = {}
    for tag in tags:
        resolved = tag if isinstance(tag, Tag) else tag_get_or_create(actor=actor, name=str(tag))
        if resolved is not None:
            found[resolved.pk] = resolved
    return list(found.values())


def tag_get_or_create(*, actor: Any, name: str) -> Tag | None:
    """The tag called ``name`` (any case); a new one needs ``contacts.add_tag``."""
    name = " ".join((name or "").split())[:50]
    if not name:
        return None
    existing = Tag.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    _require(actor, "contacts.add_tag", f"You may not create the tag {name!r}.")
    return Tag.objects.create(name=name)


# ---------------------------------------------------------------- emails, phones, addresses


def _email_rows(primary: str, emails: Sequence[EmailInput] | None) -> list[EmailInput]:
    """Validated, de-duplicated (any case) email rows; exactly one primary when any."""
    errors: list[str] = []
    rows: dict[str, EmailInput] = {}
    given = list(emails or [])
    if primary:
        given.insert(0, EmailInput(primary, is_primary=True))
    for item in given:
        try:
            value = clean_email(item.email)
        except ValidationError:
            errors.append(f"{item.email.strip()} is not an email address.")
            continue
        if not value:
            continue
        _max_length(EmailAddress, "email", value)
        key = value.lower()
        if key in rows:
            if item.is_primary and not any(r.is_primary for r in rows.values()):
                rows[key] = EmailInput(rows[key].email, rows[key].label, True)
            continue
        label = _strip(item.label)[:30]
        is_primary = item.is_primary and not any(r.is_primary for r in rows.values())
        rows[key] = EmailInput(value, label, is_primary)
    if errors:
        raise ValidationError({"emails": errors})
    return _one_primary(list(rows.values()))


def _phone_rows(primary: str, phones: Sequence[PhoneInput] | None) -> list[PhoneInput]:
    errors: list[str] = []
    rows: dict[str, PhoneInput] = {}
    given = list(phones or [])
    if primary:
        given.insert(0, PhoneInput(primary, is_primary=True))
    for item in given:
        try:
            value = normalize_phone(item.number)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        if not value:
            continue
        if value in rows:
            continue
        label = _strip(item.label)[:30]
        is_primary = item.is_primary and not any(r.is_primary for r in rows.values())
        rows[value] = PhoneInput(value, label, is_primary)
    if errors:
        raise ValidationError({"phones": errors})
    return _one_primary(list(rows.values()))


def _address_rows(addresses: Sequence[AddressInput] | None) -> list[AddressInput]:
    rows: list[AddressInput] = []
    for item in addresses or []:
        cleaned = AddressInput(
            label=_strip(item.label)[:30],
            street=_strip(item.street),
            city=_strip(item.city),
            region=_strip(item.region),
            postal_code=_strip(item.postal_code),
            country=_strip(item.country),
            is_primary=item.is_primary,
        )
        if cleaned.is_empty:
            continue
        for name in ("street", "city", "region", "postal_code", "country"):
            _max_length(Address, name, getattr(cleaned, name))
        rows.append(cleaned)
    return _one_primary(rows)


def _one_primary(rows: list[Any]) -> list[Any]:
    """The first row flagged primary stays primary; with none flagged the first one is."""
    if not rows:
        return rows
    index = next((i for i, r in enumerate(rows) if r.is_primary), 0)
    return [dataclasses.replace(r, is_primary=i == index) for i, r in enumerate(rows)]


def _owner_kwargs(record: Company | Contact) -> dict[str, Any]:
    return {_entity(record): record}


def _store_emails(record: Company | Contact, rows: list[EmailInput]) -> bool:
    """Make the record's EmailAddress rows equal ``rows``; True if anything changed."""
    existing = list(EmailAddress.objects.filter(**_owner_kwargs(record)))
    by_key = {e.email.lower(): e for e in existing}
    wanted = {r.email.lower() for r in rows}
    changed = False
    stale = [e.pk for e in existing if e.email.lower() not in wanted]
    if stale:
        EmailAddress.objects.filter(pk__in=stale).delete()
        changed = True
    for row in rows:
        current = by_key.get(row.email.lower())
        if current is None:
            EmailAddress.objects.create(
                **_owner_kwargs(record), email=row.email, label=row.label, is_primary=row.is_primary
            )
            changed = True
        elif (current.email, current.label, current.is_primary) != (
            row.email,
            row.label,
            row.is_primary,
        ):
            current.email, current.label, current.is_primary = row.email, row.label, row.is_primary
            current.save(update_fields=["email", "label", "is_primary"])
            changed = True
    return changed


def _store_phones(record: Company | Contact, rows: list[PhoneInput]) -> bool:
    existing = list(PhoneNumber.objects.filter(**_owner_kwargs(record)))
    by_key = {p.number: p for p in existing}
    wanted = {r.number for r in rows}
    changed = False
    stale = [p.pk for p in existing if p.number not in wanted]
    if stale:
        PhoneNumber.objects.filter(pk__in=stale).delete()
        changed = True
    for row in rows:
        current = by_key.get(row.number)
        if current is None:
            PhoneNumber.objects.create(
                **_owner_kwargs(record),
                number=row.number,
                label=row.label,
                is_primary=row.is_primary,
            )
            changed = True
        elif (current.label, current.is_primary) != (row.label, row.is_primary):
            current.label, current.is_primary = row.label, row.is_primary
            current.save(update_fields=["label", "is_primary"])
            changed = True
    return changed


_ADDRESS_PARTS = ("label", "street", "city", "region", "postal_code", "country", "is_primary")


def _store_addresses(record: Company | Contact, rows: list[AddressInput]) -> bool:
    existing = list(Address.objects.filter(**_owner_kwargs(record)).order_by("-is_primary", "id"))
    have = [tuple(getattr(a, n) for n in _ADDRESS_PARTS) for a in existing]
    want = [tuple(getattr(r, n) for n in _ADDRESS_PARTS) for r in rows]
    if have == want:
        return False
    # Reuse rows in order (keeps ids stable for an edit), then add or drop the rest.
    for address, row in zip(existing, rows, strict=False):
        for name in _ADDRESS_PARTS:
            setattr(address, name, getattr(row, name))
        address.save()
    for row in rows[len(existing) :]:
        Address.objects.create(
            **_owner_kwargs(record), **{n: getattr(row, n) for n in _ADDRESS_PARTS}
        )
    extra = [a.pk for a in existing[len(rows) :]]
    if extra:
        Address.objects.filter(pk__in=extra).delete()
    return True


def _primary_value(rows: Sequence[EmailInput] | Sequence[PhoneInput]) -> str:
    for row in rows:
        if row.is_primary:
            return row.email if isinstance(row, EmailInput) else row.number
    return ""


def _points_changes(
    record: Company | Contact,
    *,
    emails: list[EmailInput] | None,
    phones: list[PhoneInput] | None,
    addresses: list[AddressInput] | None,
) -> list[str]:
    """Store the given contact points; mirror the primaries; the names of what changed."""
    changed: list[str] = []
    if emails is not None:
        if _store_emails(record, emails):
            changed.append("emails")
        primary = _primary_value(emails)
        if record.email != primary:
            record.email = primary
            changed.append("email")
    if phones is not None:
        if _store_phones(record, phones):
            changed.append("phones")
        primary = _primary_value(phones)
        if record.phone != primary:
            record.phone = primary
            changed.append("phone")
    if addresses is not None and _store_addresses(record, addresses):
        changed.append("addresses")
    return changed


def _existing_emails(record: Company | Contact) -> list[EmailInput]:
    return [
        EmailInput(e.email, e.label, e.is_primary)
        for e in EmailAddress.objects.filter(**_owner_kwargs(record)).order_by("-is_primary", "id")
    ]


def _existing_phones(record: Company | Contact) -> list[PhoneInput]:
    return [
        PhoneInput(p.number, p.label, p.is_primary)
        for p in PhoneNumber.objects.filter(**_owner_kwargs(record)).order_by("-is_primary", "id")
    ]


# ---------------------------------------------------------------- field cleaning


def _clean_company_fields(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in values.items():
        value = raw.strip() if isinstance(raw, str) else ("" if raw is None else raw)
        try:
            if name == "name" and not value:
                raise ValidationError("A company needs a name.")
            if name == "website":
                value = clean_website(value)
            if name == "domain":
                value = normalize_domain(value)
            if name == "industry" and value and value not in Industry.values:
                raise ValidationError("Choose an industry from the list.")
            if name == "size" and value and value not in CompanySize.values:
                raise ValidationError("Choose a size from the list.")
            if isinstance(value, str):
                _max_length(Company, name, value)
        except ValidationError as error:
            errors[name] = error.messages
            continue
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_contact_fields(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in values.items():
        value = raw.strip() if isinstance(raw, str) else ("" if raw is None else raw)
        try:
            if name == "last_name" and not value:
                raise ValidationError("A contact needs a last name.")
            _max_length(Contact, name, value)
        except ValidationError as error:
            errors[name] = error.messages
            continue
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_company_link(actor: Any, company: Company | None) -> None:
    """A contact may only be linked to a company the actor can see."""
    if company is None or actor is None:
        return
    if not policy.visible(Company.objects.filter(pk=company.pk), actor).exists():
        raise ValidationError({"company": "Choose a company you can see."})


# ---------------------------------------------------------------- companies


@transaction.atomic
def company_create(
    *,
    actor: Any,
    name: str,
    owner: User | None = KEEP,
    domain: str = "",
    website: str = "",
    industry: str = "",
    size: str = "",
    email: str = "",
    phone: str = "",
    description: str = "",
    custom: dict[str, Any] | None = None,
    tags: Iterable[Tag | str] = (),
    emails: Sequence[EmailInput] | None = None,
    phones: Sequence[PhoneInput] | None = None,
    addresses: Sequence[AddressInput] | None = None,
) -> Company:
    """A new company owned by ``owner`` (default: the actor); publishes ``company.created``.

    ``email``/``phone`` become the primary email/phone (also as rows); ``emails``/``phones``
    add more. An empty ``domain`` is derived from the website or a work email.
    """
    _require(actor, "contacts.add_company", "You may not create companies.")
    owner = actor if owner is KEEP else owner
    _check_owner(actor, owner, Company)
    fields = _clean_company_fields(
        {
            "name": name,
            "domain": domain,
            "website": website,
            "industry": industry,
            "size": size,
            "description": description,
        }
    )
    policy.refuse_unwritable(actor, Company, fields)
    email_rows = _email_rows(email, emails)
    phone_rows = _phone_rows(phone, phones)
    address_rows = _address_rows(addresses)
    values = custom_fields.clean_values("company", custom)
    policy.refuse_unwritable(actor, Company, {"custom": values})
    fields["domain"] = derive_domain(
        domain=fields["domain"], website=fields["website"], email=_primary_value(email_rows)
    )
    company = Company(**fields, custom=values, created_by=actor if actor else None)
    company.assign_owner(owner)
    company.save()
    _points_changes(company, emails=email_rows, phones=phone_rows, addresses=address_rows)
    company.save(update_fields=["email", "phone"])
    tag_objects = _resolve_tags(actor, tags)
    if tag_objects:
        company.tags.add(*tag_objects)
    publish(
        "company.created",
        actor=actor,
        payload={"company_id": company.pk, "owner_id": company.owner_id},
    )
    company.refresh_from_db()
    return company


@transaction.atomic
def company_update(
    *,
    actor: Any,
    company: Company,
    name: str | None = None,
    domain: str | None = None,
    website: str | None = None,
    industry: str | None = None,
    size: str | None = None,
    description: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    emails: Sequence[EmailInput] | None = None,
    phones: Sequence[PhoneInput] | None = None,
    addresses: Sequence[AddressInput] | None = None,
    custom: dict[str, Any] | None = None,
    tags: Iterable[Tag | str] | None = None,
    owner: User | None = KEEP,
) -> Company:
    """Change the given fields (None leaves a field as it is); ``emails``/``phones``/
    ``addresses``/``tags`` replace the record's set. Publishes ``company.updated`` with the
    changed field names, and ``company.assigned`` when the owner changes."""
    current = _locked(company)
    _require_change(actor, current)
    given = {
        "name": name,
        "domain": domain,
        "website": website,
        "industry": industry,
        "size": size,
        "description": description,
    }
    fields = _clean_company_fields({k: v for k, v in given.items() if v is not None})
    policy.refuse_unwritable(actor, Company, fields, current)
    email_rows = _merge_primary_email(current, email, emails)
    phone_rows = _merge_primary_phone(current, phone, phones)
    address_rows = _address_rows(addresses) if addresses is not None else None
    values = (
        custom_fields.clean_values("company", custom, existing=current.custom)
        if custom is not None
        else None
    )
    policy.refuse_unwritable(actor, Company, {"custom": values}, current)
    if owner is not KEEP:
        _check_owner(actor, owner, Company)

    changed = [n for n, v in fields.items() if getattr(current, n) != v]
    for name_ in changed:
        setattr(current, name_, fields[name_])
    if domain is not None and not fields.get("domain"):
        derived = derive_domain(
            website=current.website,
            email=_primary_value(email_rows) if email_rows is not None else current.email,
        )
        if derived != current.domain:
            current.domain = derived
            changed.append("domain")
    changed += _points_changes(
        current, emails=email_rows, phones=phone_rows, addresses=address_rows
    )
    if values is not None and values != current.custom:
        current.custom = values
        changed.append("custom")
    if tags is not None and _set_tags(actor, current, tags):
        changed.append("tags")
    _finish_update(actor, current, changed)
    if owner is not KEEP and owner != current.owner:
        _assign(actor, current, owner)
    _sync(company, current)
    return company


def _merge_primary_email(
    current: Company | Contact, email: str | None, emails: Sequence[EmailInput] | None
) -> list[EmailInput] | None:
    """The email rows to store: ``emails`` as given, or the current ones with ``email``
    made primary; None when neither is given (leave the emails alone)."""
    if emails is not None:
        return _email_rows(email or "", emails)
    if email is None:
        return None
    others = [EmailInput(e.email, e.label, False) for e in _existing_emails(current)]
    if not email.strip():  # clearing the primary email removes it
        primary = current.email.lower()
        return _email_rows("", [e for e in others if e.email.lower() != primary])
    return _email_rows(email, others)


def _merge_primary_phone(
    current: Company | Contact, phone: str | None, phones: Sequence[PhoneInput] | None
) -> list[PhoneInput] | None:
    if phones is not None:
        return _phone_rows(phone or "", phones)
    if phone is None:
        return None
    others = [PhoneInput(p.number, p.label, False) for p in _existing_phones(current)]
    if not phone.strip():
        return _phone_rows("", [p for p in others if p.number != current.phone])
    return _phone_rows(phone, others)


def _set_tags(actor: Any, record: Company | Contact, tags: Iterable[Tag | str]) -> bool:
    wanted = {t.pk for t in _resolve_tags(actor, tags)}
    have = set(record.tags.values_list("pk", flat=True))
    if wanted == have:
        return False
    record.tags.set(wanted)
    return True


def _finish_update(actor: Any, record: Company | Contact, changed: list[str]) -> None:
    if not changed:
        return
    record.updated_at = timezone.now()
    record.save()
    entity = _entity(record)
    publish(
        f"{entity}.updated",
        actor=actor,
        payload={f"{entity}_id": record.pk, "changed": list(dict.fromkeys(changed))},
    )


def _assign(actor: Any, record: Company | Contact, owner: User | None) -> None:
    entity = _entity(record)
    _check_owner(actor, owner, type(record))
    previous = record.owner_id
    record.assign_owner(owner)
    record.updated_at = timezone.now()
    record.save(update_fields=["owner", "team", "updated_at"])
    publish(
        f"{entity}.assigned",
        actor=actor,
        payload={
            f"{entity}_id": record.pk,
            "from_owner_id": previous,
            "to_owner_id": owner.pk if owner else None,
        },
    )


@transaction.atomic
def company_assign(*, actor: Any, company: Company, owner: User | None) -> Company:
    """Give the company to ``owner``; publishes ``company.assigned``."""
    current = _locked(company)
    _require_change(actor, current)
    if current.owner_id != (owner.pk if owner else None):
        _assign(actor, current, owner)
    _sync(company, current)
    return company


@transaction.atomic
def company_delete(*, actor: Any, company: Company) -> None:
    """Delete the company, its emails, phones, addresses and activities; its contacts, deals
    and leads stay, unlinked. Needs the delete permission and the company in scope."""
    current = _locked(company)
    if actor is not None and not policy.can_delete(actor, current):
        raise PermissionDenied("You may not delete this company.")
    pk = current.pk
    current.delete()
    publish("company.deleted", actor=actor, payload={"company_id": pk})


@transaction.atomic
def company_add_tags(*, actor: Any, company: Company, tags: Iterable[Tag | str]) -> Company:
    return _add_tags(actor, company, tags)


@transaction.atomic
def company_remove_tag(*, actor: Any, company: Company, tag: Tag) -> Company:
    return _remove_tag(actor, company, tag)


def _add_tags(actor: Any, record: R, tags: Iterable[Tag | str]) -> R:
    current = _locked(record)
    _require_change(actor, current)
    have = set(current.tags.values_list("pk", flat=True))
    new = [t for t in _resolve_tags(actor, tags) if t.pk not in have]
    if new:
        current.tags.add(*new)
        _finish_update(actor, current, ["tags"])
        _sync(record, current)
    return record


def _remove_tag(actor: Any, record: R, tag: Tag) -> R:
    current = _locked(record)
    _require_change(actor, current)
    if current.tags.filter(pk=tag.pk).exists():
        current.tags.remove(tag)
        _finish_update(actor, current, ["tags"])
        _sync(record, current)
    return record


# ---------------------------------------------------------------- contacts


@transaction.atomic
def contact_create(
    *,
    actor: Any,
    last_name: str,
    first_name: str = "",
    owner: User | None = KEEP,
    company: Company | None = None,
    title: str = "",
    email: str = "",
    phone: str = "",
    description: str = "",
    custom: dict[str, Any] | None = None,
    tags: Iterable[Tag | str] = (),
    emails: Sequence[EmailInput] | None = None,
    phones: Sequence[PhoneInput] | None = None,
    addresses: Sequence[AddressInput] | None = None,
) -> Contact:
    """A new contact owned by ``owner`` (default: the actor); publishes ``contact.created``."""
    _require(actor, "contacts.add_contact", "You may not create contacts.")
    owner = actor if owner is KEEP else owner
    _check_owner(actor, owner, Contact)
    _check_company_link(actor, company)
    fields = _clean_contact_fields(
        {
            "first_name": first_name,
            "last_name": last_name,
            "title": title,
            "description": description,
        }
    )
    policy.refuse_unwritable(actor, Contact, fields)
    email_rows = _email_rows(email, emails)
    phone_rows = _phone_rows(phone, phones)
    address_rows = _address_rows(addresses)
    values = custom_fields.clean_values("contact", custom)
    policy.refuse_unwritable(actor, Contact, {"custom": values})
    contact = Contact(**fields, company=company, custom=values, created_by=actor if actor else None)
    contact.assign_owner(owner)
    contact.save()
    _points_changes(contact, emails=email_rows, phones=phone_rows, addresses=address_rows)
    contact.save(update_fields=["email", "phone"])
    tag_objects = _resolve_tags(actor, tags)
    if tag_objects:
        contact.tags.add(*tag_objects)
    publish(
        "contact.created",
        actor=actor,
        payload={
            "contact_id": contact.pk,
            "company_id": contact.company_id,
            "owner_id": contact.owner_id,
        },
    )
    contact.refresh_from_db()
    return contact


@transaction.atomic
def contact_update(
    *,
    actor: Any,
    contact: Contact,
    first_name: str | None = None,
    last_name: str | None = None,
    title: str | None = None,
    description: str | None = None,
    company: Company | None = KEEP,
    email: str | None = None,
    phone: str | None = None,
    emails: Sequence[EmailInput] | None = None,
    phones: Sequence[PhoneInput] | None = None,
    addresses: Sequence[AddressInput] | None = None,
    custom: dict[str, Any] | None = None,
    tags: Iterable[Tag | str] | None = None,
    owner: User | None = KEEP,
) -> Contact:
    """Change the given fields (None/omitted leaves a field alone; ``company=None`` unlinks
    it). Publishes ``contact.updated`` and, for a new owner, ``contact.assigned``."""
    current = _locked(contact)
    _require_change(actor, current)
    given = {
        "first_name": first_name,
        "last_name": last_name,
        "title": title,
        "description": description,
    }
    fields = _clean_contact_fields({k: v for k, v in given.items() if v is not None})
    policy.refuse_unwritable(actor, Contact, fields, current)
    if company is not KEEP and (company.pk if company else None) != current.company_id:
        _check_company_link(actor, company)
    email_rows = _merge_primary_email(current, email, emails)
    phone_rows = _merge_primary_phone(current, phone, phones)
    address_rows = _address_rows(addresses) if addresses is not None else None
    values = (
        custom_fields.clean_values("contact", custom, existing=current.custom)
        if custom is not None
        else None
    )
    policy.refuse_unwritable(actor, Contact, {"custom": values}, current)
    if owner is not KEEP:
        _check_owner(actor, owner, Contact)

    changed = [n for n, v in fields.items() if getattr(current, n) != v]
    for name_ in changed:
        setattr(current, name_, fields[name_])
    if company is not KEEP and (company.pk if company else None) != current.company_id:
        current.company = company
        changed.append("company")
    changed += _points_changes(
        current, emails=email_rows, phones=phone_rows, addresses=address_rows
    )
    if values is not None and values != current.custom:
        current.custom = values
        changed.append("custom")
    if tags is not None and _set_tags(actor, current, tags):
        changed.append("tags")
    _finish_update(actor, current, changed)
    if owner is not KEEP and owner != current.owner:
        _assign(actor, current, owner)
    _sync(contact, current)
    return contact


@transaction.atomic
def contact_assign(*, actor: Any, contact: Contact, owner: User | None) -> Contact:
    """Give the contact to ``owner``; publishes ``contact.assigned``."""
    current = _locked(contact)
    _require_change(actor, current)
    if current.owner_id != (owner.pk if owner else None):
        _assign(actor, current, owner)
    _sync(contact, current)
    return contact


@transaction.atomic
def contact_delete(*, actor: Any, contact: Contact) -> None:
    """Delete the contact with its emails, phones, addresses and activities."""
    current = _locked(contact)
    if actor is not None and not policy.can_delete(actor, current):
        raise PermissionDenied("You may not delete this contact.")
    pk = current.pk
    current.delete()
    publish("contact.deleted", actor=actor, payload={"contact_id": pk})


@transaction.atomic
def contact_add_tags(*, actor: Any, contact: Contact, tags: Iterable[Tag | str]) -> Contact:
    return _add_tags(actor, contact, tags)


@transaction.atomic
def contact_remove_tag(*, actor: Any, contact: Contact, tag: Tag) -> Contact:
    return _remove_tag(actor, contact, tag)


# ---------------------------------------------------------------- single contact points


@transaction.atomic
def email_add(
    *, actor: Any, record: Company | Contact, email: str, label: str = "", primary: bool = False
) -> EmailAddress:
    """Add an email address to a company or contact (``primary`` makes it the main one)."""
    current = _locked_record(record)
    _require_change(actor, current)
    rows = _existing_emails(current)
    new = EmailInput(email, label, primary)
    rows = [EmailInput(r.email, r.label, r.is_primary and not primary) for r in rows]
    _store_points(actor, current, emails=_email_rows("", [*rows, new]))
    _sync(record, current)
    return EmailAddress.objects.get(**_owner_kwargs(current), email__iexact=clean_email(email))


@transaction.atomic
def phone_add(
    *, actor: Any, record: Company | Contact, number: str, label: str = "", primary: bool = False
) -> PhoneNumber:
    """Add a phone number (stored in E.164) to a company or contact."""
    current = _locked_record(record)
    _require_change(actor, current)
    rows = [
        PhoneInput(p.number, p.label, p.is_primary and not primary)
        for p in _existing_phones(current)
    ]
    _store_points(
        actor, current, phones=_phone_rows("", [*rows, PhoneInput(number, label, primary)])
    )
    _sync(record, current)
    return PhoneNumber.objects.get(**_owner_kwargs(current), number=normalize_phone(number))


@transaction.atomic
def contact_point_make_primary(*, actor: Any, point: EmailAddress | PhoneNumber | Address) -> None:
    """Make an email, phone or address the primary one of its record."""
    record = _point_record(point)
    _require_change(actor, record)
    if isinstance(point, EmailAddress):
        rows = [
            EmailInput(e.email, e.label, e.pk == point.pk)
            for e in _point_rows(EmailAddress, record)
        ]
        _store_points(actor, record, emails=_email_rows("", rows))
    elif isinstance(point, PhoneNumber):
        rows_p = [
            PhoneInput(p.number, p.label, p.pk == point.pk)
            for p in _point_rows(PhoneNumber, record)
        ]
        _store_points(actor, record, phones=_phone_rows("", rows_p))
    else:
        rows_a = [_address_input(a, primary=a.pk == point.pk) for a in _point_rows(Address, record)]
        _store_points(actor, record, addresses=_address_rows(rows_a))


@transaction.atomic
def contact_point_remove(*, actor: Any, point: EmailAddress | PhoneNumber | Address) -> None:
    """Remove an email, phone or address; the next one becomes primary if it was."""
    record = _point_record(point)
    _require_change(actor, record)
    if isinstance(point, EmailAddress):
        rows = [
            EmailInput(e.email, e.label, e.is_primary)
            for e in _point_rows(EmailAddress, record)
            if e.pk != point.pk
        ]
        _store_points(actor, record, emails=_email_rows("", rows))
    elif isinstance(point, PhoneNumber):
        rows_p = [
            PhoneInput(p.number, p.label, p.is_primary)
            for p in _point_rows(PhoneNumber, record)
            if p.pk != point.pk
        ]
        _store_points(actor, record, phones=_phone_rows("", rows_p))
    else:
        rows_a = [
            _address_input(a, primary=a.is_primary)
            for a in _point_rows(Address, record)
            if a.pk != point.pk
        ]
        _store_points(actor, record, addresses=_address_rows(rows_a))


@transaction.atomic
def address_add(*, actor: Any, record: Company | Contact, address: AddressInput) -> None:
    current = _locked_record(record)
    _require_change(actor, current)
    rows = [
        _address_input(a, primary=a.is_primary and not address.is_primary)
        for a in _point_rows(Address, current)
    ]
    _store_points(actor, current, addresses=_address_rows([*rows, address]))
    _sync(record, current)


def _address_input(address: Address, *, primary: bool) -> AddressInput:
    return AddressInput(
        label=address.label,
        street=address.street,
        city=address.city,
        region=address.region,
        postal_code=address.postal_code,
        country=address.country,
        is_primary=primary,
    )


def _point_rows(model: type[models.Model], record: Company | Contact) -> list[Any]:
    return list(model.objects.filter(**_owner_kwargs(record)).order_by("-is_primary", "id"))  # type: ignore[attr-defined]


def _store_points(
    actor: Any,
    record: Company | Contact,
    *,
    emails: list[EmailInput] | None = None,
    phones: list[PhoneInput] | None = None,
    addresses: list[AddressInput] | None = None,
) -> None:
    changed = _points_changes(record, emails=emails, phones=phones, addresses=addresses)
    _finish_update(actor, record, changed)


# ---------------------------------------------------------------- bulk actions of the lists


def _bulk_assign(actor: Any, queryset: models.QuerySet[R], owner: User) -> int:
    model = queryset.model
    entity = model._meta.model_name
    _check_owner(actor, owner, model)
    rows = list(
        policy.changeable(queryset, actor)
        .exclude(owner_id=owner.pk)
        .order_by()
        .values_list("pk", "owner_id")
    )
    now = timezone.now()
    for chunk in _chunks([pk for pk, _ in rows]):
        model.objects.filter(pk__in=chunk).update(
            owner_id=owner.pk, team_id=owner.team_id, updated_at=now
        )
    for pk, previous in rows:
        publish(
            f"{entity}.assigned",
            actor=actor,
            payload={f"{entity}_id": pk, "from_owner_id": previous, "to_owner_id": owner.pk},
        )
    audit.record_bulk(
        "records.bulk_updated",
        actor=actor,
        model=model,
        ids=[pk for pk, _ in rows],
        changes={"owner": owner.pk},
    )
    return len(rows)


def _bulk_add_tag(actor: Any, queryset: models.QuerySet[R], tag: Tag) -> int:
    model = queryset.model
    entity = model._meta.model_name
    ids = list(
        policy.changeable(queryset, actor).exclude(tags=tag).order_by().values_list("pk", flat=True)
    )
    through = model.tags.through  # type: ignore[attr-defined]
    now = timezone.now()
    for chunk in _chunks(ids):
        through.objects.bulk_create(
            [through(**{f"{entity}_id": pk, "tag_id": tag.pk}) for pk in chunk],
            ignore_conflicts=True,
        )
        model.objects.filter(pk__in=chunk).update(updated_at=now)
    for pk in ids:
        publish(f"{entity}.updated", actor=actor, payload={f"{entity}_id": pk, "changed": ["tags"]})
    audit.record_bulk(
        "records.bulk_updated", actor=actor, model=model, ids=ids, changes={"tag_added": tag.name}
    )
    return len(ids)


def _bulk_delete(actor: Any, queryset: models.QuerySet[R]) -> int:
    model = queryset.model
    entity = model._meta.model_name
    ids = list(policy.deletable(queryset, actor).order_by().values_list("pk", flat=True))
    for chunk in _chunks(ids):
        model.objects.filter(pk__in=chunk).delete()
    for pk in ids:
        publish(f"{entity}.deleted", actor=actor, payload={f"{entity}_id": pk})
    audit.record_bulk("records.bulk_deleted", actor=actor, model=model, ids=ids)
    return len(ids)


@transaction.atomic
def company_bulk_assign(*, actor: Any, companies: models.QuerySet[Company], owner: User) -> int:
    """Assign the companies the actor may change to ``owner``; returns how many changed."""
    return _bulk_assign(actor, companies, owner)


@transaction.atomic
def company_bulk_add_tag(*, actor: Any, companies: models.QuerySet[Company], tag: Tag) -> int:
    return _bulk_add_tag(actor, companies, tag)


@transaction.atomic
def company_bulk_delete(*, actor: Any, companies: models.QuerySet[Company]) -> int:
    return _bulk_delete(actor, companies)


@transaction.atomic
def contact_bulk_assign(*, actor: Any, contacts: models.QuerySet[Contact], owner: User) -> int:
    return _bulk_assign(actor, contacts, owner)


@transaction.atomic
def contact_bulk_add_tag(*, actor: Any, contacts: models.QuerySet[Contact], tag: Tag) -> int:
    return _bulk_add_tag(actor, contacts, tag)


@transaction.atomic
def contact_bulk_delete(*, actor: Any, contacts: models.QuerySet[Contact]) -> int:
    return _bulk_delete(actor, contacts)


# ---------------------------------------------------------------- custom-field definitions


def _require_custom_admin(actor: Any, action: str) -> None:
    _require(actor, f"contacts.{action}_customfield", "Only administrators manage custom fields.")


@transaction.atomic
def custom_field_create(
    *,
    actor: Any,
    entity: str,
    label: str,
    field_type: str,
    choices: Sequence[str] = (),
    required: bool = False,
    help_text: str = "",
    show_in_list: bool = False,
) -> CustomField:
    """A new field at the end of ``entity``'s fields; its key comes from the label."""
    _require_custom_admin(actor, "add")
    if entity not in custom_fields.ENTITIES:
        raise ValidationError({"entity": "Choose companies, contacts, leads or deals."})
    label = " ".join((label or "").split())
    if not label:
        raise ValidationError({"label": "A field needs a label."})
    _max_length(CustomField, "label", label)
    _max_length(CustomField, "help_text", help_text.strip())
    options = list(choices) if field_type in custom_fields.CHOICE_TYPES else []
    custom_fields.validate_definition(field_type=field_type, choices=options)
    if CustomField.objects.filter(entity=entity, label__iexact=label).exists():
        raise ValidationError({"label": f"There is already a field called {label!r} here."})
    last = CustomField.objects.filter(entity=entity).aggregate(m=models.Max("position"))["m"] or 0
    field = CustomField.objects.create(
        entity=entity,
        key=custom_fields.key_for_label(label, entity=entity),
        label=label,
        field_type=field_type,
        choices=options,
        required=required,
        help_text=help_text.strip(),
        show_in_list=show_in_list,
        position=last + 1,
    )
    publish(
        "custom_field.created",
        actor=actor,
        payload={"custom_field_id": field.pk, "entity": entity, "key": field.key},
    )
    return field


@transaction.atomic
def custom_field_update(
    *,
    actor: Any,
    field: CustomField,
    label: str | None = None,
    choices: Sequence[str] | None = None,
    required: bool | None = None,
    help_text: str | None = None,
    show_in_list: bool | None = None,
    is_active: bool | None = None,
) -> CustomField:
    """Change a field's settings. Its key and type never change (stored values depend on
    them). Options still used by records may be removed: those values stay stored and show
    as they were, but cannot be chosen again."""
    _require_custom_admin(actor, "change")
    current = CustomField.objects.select_for_update().get(pk=field.pk)
    changes: dict[str, Any] = {}
    if label is not None:
        label = " ".join(label.split())
        if not label:
            raise ValidationError({"label": "A field needs a label."})
        _max_length(CustomField, "label", label)
        clash = CustomField.objects.filter(entity=current.entity, label__iexact=label).exclude(
            pk=current.pk
        )
        if clash.exists():
            raise ValidationError({"label": f"There is already a field called {label!r} here."})
        changes["label"] = label
    if choices is not None and current.field_type in custom_fields.CHOICE_TYPES:
        custom_fields.validate_definition(field_type=current.field_type, choices=list(choices))
        changes["choices"] = list(choices)
    if help_text is not None:
        _max_length(CustomField, "help_text", help_text.strip())
        changes["help_text"] = help_text.strip()
    for name, value in (
        ("required", required),
        ("show_in_list", show_in_list),
        ("is_active", is_active),
    ):
        if value is not None:
            changes[name] = value
    changed = [n for n, v in changes.items() if getattr(current, n) != v]
    if changed:
        for name in changed:
            setattr(current, name, changes[name])
        current.save(update_fields=changed)
        publish(
            "custom_field.updated",
            actor=actor,
            payload={"custom_field_id": current.pk, "changed": changed},
        )
    _sync(field, current)
    return field


@transaction.atomic
def custom_field_reorder(*, actor: Any, entity: str, ids: Sequence[int]) -> None:
    """Put ``entity``'s fields in the order of ``ids`` (fields not listed go last)."""
    _require_custom_admin(actor, "change")
    fields = {f.pk: f for f in CustomField.objects.select_for_update().filter(entity=entity)}
    unknown = [pk for pk in ids if pk not in fields]
    if unknown:
        raise ValidationError("Reorder only the fields of one entity.")
    order = list(dict.fromkeys(ids)) + sorted(
        (pk for pk in fields if pk not in ids), key=lambda pk: (fields[pk].position, pk)
    )
    moved = []
    for position, pk in enumerate(order, start=1):
        if fields[pk].position != position:
            fields[pk].position = position
            moved.append(fields[pk])
    if moved:
        CustomField.objects.bulk_update(moved, ["position"])
        custom_fields.forget_definitions()  # bulk_update sends no post_save
        publish(
            "custom_field.reordered",
            actor=actor,
            payload={"entity": entity, "order": order},
        )


def sync_primaries(*, record: Company | Contact) -> None:
    """Mirror the primary email and phone rows in the record's columns (after edits made
    outside the services, such as the Django admin). One primary each; publishes nothing."""
    for model, column, value_field in (
        (EmailAddress, "email", "email"),
        (PhoneNumber, "phone", "number"),
        (Address, "", ""),
    ):
        rows = list(model.objects.filter(**_owner_kwargs(record)).order_by("-is_primary", "id"))
        extra_primaries = [r.pk for r in rows[1:] if r.is_primary]
        if extra_primaries:
            model.objects.filter(pk__in=extra_primaries).update(is_primary=False)
        if rows and not rows[0].is_primary:
            model.objects.filter(pk=rows[0].pk).update(is_primary=True)
        if column:
            value = getattr(rows[0], value_field) if rows else ""
            if getattr(record, column) != value:
                type(record).objects.filter(pk=record.pk).update(**{column: value})
                setattr(record, column, value)

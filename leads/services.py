"""Lead writes: create, edit, assign, status, tags, delete, bulk actions, conversion.

Every function is keyword-only with ``actor`` first, runs in one transaction, validates
before it writes and publishes its events (``docs/events.md``, Leads) in that transaction.
A converted lead is read-only: every write but deleting it from the Django admin refuses it
with :class:`LeadReadOnly`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from accounts import audit, policy
from accounts.models import User
from contacts import services as contact_services
from contacts.custom_fields import clean_values
from contacts.domains import domain_from_email, domain_from_website
from contacts.models import Company, Contact, Tag
from contacts.phones import normalize_phone
from crm.events import publish
from deals import services as deal_services
from deals.models import Deal, Pipeline, Stage
from leads.models import Lead, WebForm

# The fields lead_create/lead_update accept besides owner, status, tags and custom.
TEXT_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "company_name",
    "email",
    "phone",
    "website",
    "source",
    "rating",
    "description",
)
_CHUNK = 500  # ids per UPDATE/DELETE in bulk actions (SQLite caps bound parameters)


class LeadReadOnly(ValidationError):  # noqa: N818 - a refusal, not a bug
    """The lead was converted: it keeps its links and changes no more."""

    def __init__(self, message: str = "This lead was converted; it cannot be changed.") -> None:
        super().__init__(message, code="converted")


class AlreadyConverted(LeadReadOnly):
    """A second conversion (also one that raced the first) is refused."""

    def __init__(self) -> None:
        super().__init__("This lead has already been converted.")


# ---------------------------------------------------------------- helpers


def _clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Strip, normalise and validate the plain fields present in ``values``."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in values.items():
        value = (raw or "").strip() if isinstance(raw, str) or raw is None else raw
        try:
            if name == "last_name" and not value:
                raise ValidationError("A lead needs a last name.")
            if name == "email" and value:
                value = value.lower()
                validate_email(value)
            if name == "phone":
                value = normalize_phone(value)
            if name == "website" and value:
                if "://" not in value:
                    value = f"https://{value}"
                URLValidator(schemes=["http", "https"])(value)
            if name == "source" and value not in Lead.Source.values:
                raise ValidationError("Choose a source from the list.")
            if name == "rating" and value and value not in Lead.Rating.values:
                raise ValidationError("Choose hot, warm or cold.")
            max_length = getattr(Lead._meta.get_field(name), "max_length", None)
            if isinstance(value, str) and max_length and len(value) > max_length:
                raise ValidationError(f"At most {max_length} characters.")
        except ValidationError as error:
            errors[name] = error.messages
            continue
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_custom(
    custom: dict[str, Any] | None, *, existing: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Custom-field values checked against the lead fields an admin defined (a lead keeps
    an option an admin has since removed)."""
    return clean_values("lead", custom, existing=existing)


def _check_status(status: str) -> None:
    if status == Lead.Status.CONVERTED:
        raise ValidationError("A lead becomes converted by converting it, not by its status.")
    if status not in Lead.Status.values:
        raise ValidationError(f"{status!r} is not a lead status.")


def _check_owner(actor: Any, owner: User | None) -> None:
    """The actor may make ``owner`` the owner (``policy.assignable_users``)."""
    if owner is None or actor is None:
        return
    if not owner.is_active:
        raise ValidationError(f"{owner} is deactivated and cannot own leads.")
    if not policy.assignable_users(actor, Lead).filter(pk=owner.pk).exists():
        raise ValidationError(f"You may not assign leads to {owner}.")


def _resolve_tags(tags: Iterable[Tag | str]) -> list[Tag]:
    """Tags given as objects or names; names are found case-insensitively or created."""
    found: dict[int, Tag] = {}
    for tag in tags:
        if isinstance(tag, Tag):
            found[tag.pk] = tag
            continue
        name = " ".join(str(tag).split())[:50]
        if not name:
            continue
        existing = Tag.objects.filter(name__iexact=name).first()
        if existing is None:
            existing = Tag.objects.create(name=name)
        found[existing.pk] = existing
    return list(found.values())


def parse_tag_names(text: str) -> list[str]:
    """``"vip, trade show ,vip"`` -> ``["vip", "trade show"]`` (order kept, no repeats)."""
    names: dict[str, str] = {}
    for part in (text or "").split(","):
        name = " ".join(part.split())[:50]
        if name:
            names.setdefault(name.lower(), name)
    return list(names.values())


def _locked(lead: Lead) -> Lead:
    """The lead's row, locked for this transaction (PostgreSQL; SQLite serialises writes)."""
    return Lead.objects.select_for_update().get(pk=lead.pk)


def _require_change(actor: Any, lead: Lead) -> None:
    if actor is not None and not policy.can_change(actor, lead):
        raise PermissionDenied("You may not change this lead.")
    if lead.is_converted:
        raise LeadReadOnly


def _sync(target: Lead, source: Lead) -> None:
    """Copy the saved state back onto the caller's instance."""
    for field in Lead._meta.concrete_fields:
        if field.name != "search_text":
            setattr(target, field.attname, getattr(source, field.attname))


def changeable(queryset: models.QuerySet[Lead], actor: Any) -> models.QuerySet[Lead]:
    """``policy.changeable``, never converted leads (they are read-only)."""
    return policy.changeable(queryset.exclude(status=Lead.Status.CONVERTED), actor)


def deletable(queryset: models.QuerySet[Lead], actor: Any) -> models.QuerySet[Lead]:
    """``policy.deletable``, never converted leads (kept as the record of what they became)."""
    return policy.deletable(queryset.exclude(status=Lead.Status.CONVERTED), actor)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


# ---------------------------------------------------------------- single leads


@transaction.atomic
def lead_create(
    *,
    actor: Any,
    last_name: str,
    first_name: str = "",
    title: str = "",
    company_name: str = "",
    email: str = "",
    phone: str = "",
    website: str = "",
    source: str = Lead.Source.OTHER,
    status: str = Lead.Status.NEW,
    rating: str = "",
    description: str = "",
    owner: User | None = None,
    custom: dict[str, Any] | None = None,
    tags: Iterable[Tag | str] = (),
    web_form: WebForm | None = None,
) -> Lead:
    """Create a lead; ``owner`` defaults to the actor (``actor`` is None for a web form)."""
    fields = _clean_fields(
        {
            "first_name": first_name,
            "last_name": last_name,
            "title": title,
            "company_name": company_name,
            "email": email,
            "phone": phone,
            "website": website,
            "source": source,
            "rating": rating,
            "description": description,
        }
    )
    policy.refuse_unwritable(actor, Lead, fields)
    _check_status(status)
    if owner is None and actor is not None:
        owner = actor
    _check_owner(actor, owner)
    custom = _clean_custom(custom)
    policy.refuse_unwritable(actor, Lead, {"custom": custom})
    lead = Lead(
        **fields,
        status=status,
        custom=custom,
        created_by=actor,
        web_form=web_form,
    )
    lead.assign_owner(owner)
    lead.save()
    tag_objects = _resolve_tags(tags)
    if tag_objects:
        lead.tags.add(*tag_objects)
    publish(
        "lead.created",
        actor=actor,
        payload={
            "lead_id": lead.pk,
            "source": lead.source,
            "web_form_id": web_form.pk if web_form else None,
            "owner_id": lead.owner_id,
            "status": lead.status,
        },
    )
    return lead


@transaction.atomic
def lead_update(
    *,
    actor: Any,
    lead: Lead,
    owner: User | Any | None = ...,
    status: str | None = None,
    custom: dict[str, Any] | None = None,
    tags: Iterable[Tag | str] | None = None,
    **values: Any,
) -> Lead:
    """Change a lead's fields (only those given). An owner or status change also publishes
    ``lead.assigned`` / ``lead.status_changed``; the rest ``lead.updated`` with the names."""
    unknown = set(values) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"lead_update() got unknown fields: {sorted(unknown)}")
    current = _locked(lead)
    _require_change(actor, current)
    cleaned = _clean_fields(values)
    policy.refuse_unwritable(actor, Lead, cleaned, current)
    changed = [name for name, value in cleaned.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, cleaned[name])
    if custom is not None:
        custom = _clean_custom(custom, existing=current.custom)
        policy.refuse_unwritable(actor, Lead, {"custom": custom}, current)
    if custom is not None and custom != current.custom:
        current.custom = custom
        changed.append("custom")
    if tags is not None:
        wanted = {t.pk for t in _resolve_tags(tags)}
        have = set(current.tags.values_list("pk", flat=True))
        if wanted != have:
            current.tags.set(wanted)
            changed.append("tags")
    if changed:
        current.updated_at = timezone.now()
        current.save()
        publish("lead.updated", actor=actor, payload={"lead_id": current.pk, "changed": changed})
    if owner is not ... and owner != current.owner:
        _assign(actor, current, owner)
    if status is not None and status != current.status:
        _set_status(actor, current, status)
    _sync(lead, current)
    return lead


def _assign(actor: Any, lead: Lead, owner: User | None) -> None:
    _check_owner(actor, owner)
    previous = lead.owner_id
    lead.assign_owner(owner)
    lead.updated_at = timezone.now()
    lead.save(update_fields=["owner", "team", "updated_at"])
    publish(
        "lead.assigned",
        actor=actor,
        payload={"lead_id": lead.pk, "from_owner_id": previous, "to_owner_id": lead.owner_id},
    )


def _set_status(actor: Any, lead: Lead, status: str) -> None:
    _check_status(status)
    previous = lead.status
    lead.status = status
    lead.updated_at = timezone.now()
    lead.save(update_fields=["status", "updated_at"])
    publish(
        "lead.status_changed",
        actor=actor,
        payload={"lead_id": lead.pk, "from": previous, "to": status},
    )


@transaction.atomic
def lead_assign(*, actor: Any, lead: Lead, owner: User | None) -> Lead:
    """Give the lead to ``owner`` (within the actor's reach); publishes ``lead.assigned``."""
    current = _locked(lead)
    _require_change(actor, current)
    if current.owner_id != (owner.pk if owner else None):
        _assign(actor, current, owner)
    _sync(lead, current)
    return lead


@transaction.atomic
def lead_status_change(*, actor: Any, lead: Lead, status: str) -> Lead:
    """Move the lead to another status (not "converted": that is :func:`lead_convert`)."""
    current = _locked(lead)
    _require_change(actor, current)
    _check_status(status)
    if current.status != status:
        _set_status(actor, current, status)
    _sync(lead, current)
    return lead


@transaction.atomic
def lead_add_tags(*, actor: Any, lead: Lead, tags: Iterable[Tag | str]) -> Lead:
    current = _locked(lead)
    _require_change(actor, current)
    have = set(current.tags.values_list("pk", flat=True))
    new = [t for t in _resolve_tags(tags) if t.pk not in have]
    if new:
        current.tags.add(*new)
        Lead.objects.filter(pk=current.pk).update(updated_at=timezone.now())
        publish("lead.updated", actor=actor, payload={"lead_id": current.pk, "changed": ["tags"]})
    return lead


@transaction.atomic
def lead_remove_tag(*, actor: Any, lead: Lead, tag: Tag) -> Lead:
    current = _locked(lead)
    _require_change(actor, current)
    if current.tags.filter(pk=tag.pk).exists():
        current.tags.remove(tag)
        Lead.objects.filter(pk=current.pk).update(updated_at=timezone.now())
        publish("lead.updated", actor=actor, payload={"lead_id": current.pk, "changed": ["tags"]})
    return lead


@transaction.atomic
def lead_delete(*, actor: Any, lead: Lead) -> None:
    """Delete an unconverted lead (needs the delete permission and the lead in scope)."""
    current = _locked(lead)
    if not policy.can_delete(actor, current):
        raise PermissionDenied("You may not delete this lead.")
    if current.is_converted:
        raise LeadReadOnly("A converted lead is kept as the record of what it became.")
    pk = current.pk
    current.delete()
    publish("lead.deleted", actor=actor, payload={"lead_id": pk})


# ---------------------------------------------------------------- bulk actions of the list


@transaction.atomic
def lead_bulk_assign(*, actor: Any, leads: models.QuerySet[Lead], owner: User) -> int:
    """Assign the leads of ``leads`` the actor may change to ``owner``; returns how many."""
    _check_owner(actor, owner)
    rows = list(
        changeable(leads, actor).exclude(owner_id=owner.pk).order_by().values_list("pk", "owner_id")
    )
    now = timezone.now()
    for chunk in _chunks([pk for pk, _ in rows]):
        Lead.objects.filter(pk__in=chunk).update(
            owner_id=owner.pk, team_id=owner.team_id, updated_at=now
        )
    for pk, previous in rows:
        publish(
            "lead.assigned",
            actor=actor,
            payload={"lead_id": pk, "from_owner_id": previous, "to_owner_id": owner.pk},
        )
    ids = [pk for pk, _ in rows]
    audit.record_bulk(
        "records.bulk_updated", actor=actor, model=Lead, ids=ids, changes={"owner": owner.pk}
    )
    return len(rows)


@transaction.atomic
def lead_bulk_set_status(*, actor: Any, leads: models.QuerySet[Lead], status: str) -> int:
    _check_status(status)
    rows = list(
        changeable(leads, actor).exclude(status=status).order_by().values_list("pk", "status")
    )
    now = timezone.now()
    for chunk in _chunks([pk for pk, _ in rows]):
        Lead.objects.filter(pk__in=chunk).update(status=status, updated_at=now)
    for pk, previous in rows:
        publish(
            "lead.status_changed",
            actor=actor,
            payload={"lead_id": pk, "from": previous, "to": status},
        )
    ids = [pk for pk, _ in rows]
    audit.record_bulk(
        "records.bulk_updated", actor=actor, model=Lead, ids=ids, changes={"status": status}
    )
    return len(rows)


@transaction.atomic
def lead_bulk_add_tag(*, actor: Any, leads: models.QuerySet[Lead], tag: Tag) -> int:
    ids = list(changeable(leads, actor).exclude(tags=tag).order_by().values_list("pk", flat=True))
    through = Lead.tags.through
    now = timezone.now()
    for chunk in _chunks(ids):
        through.objects.bulk_create(
            [through(lead_id=pk, tag_id=tag.pk) for pk in chunk], ignore_conflicts=True
        )
        Lead.objects.filter(pk__in=chunk).update(updated_at=now)
    for pk in ids:
        publish("lead.updated", actor=actor, payload={"lead_id": pk, "changed": ["tags"]})
    audit.record_bulk(
        "records.bulk_updated", actor=actor, model=Lead, ids=ids, changes={"tag_added": tag.name}
    )
    return len(ids)


@transaction.atomic
def lead_bulk_delete(*, actor: Any, leads: models.QuerySet[Lead]) -> int:
    ids = list(deletable(leads, actor).order_by().values_list("pk", flat=True))
    for chunk in _chunks(ids):
        Lead.objects.filter(pk__in=chunk).delete()
    for pk in ids:
        publish("lead.deleted", actor=actor, payload={"lead_id": pk})
    audit.record_bulk("records.bulk_deleted", actor=actor, model=Lead, ids=ids)
    return len(ids)


# ---------------------------------------------------------------- conversion


@dataclass(frozen=True)
class NewDeal:
    """The deal a conversion creates."""

    pipeline: Pipeline
    stage: Stage | None = None
    name: str = ""
    amount: Decimal = Decimal("0")
    currency: str = ""
    expected_close_date: date | None = None


def company_domain(lead: Lead) -> str:
    """The lead's company web domain: its website's, else its work email's (not webmail)."""
    return domain_from_website(lead.website) or domain_from_email(lead.email)


def _carried(actor: Any, model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The lead's values a conversion copies into a new record: those the actor's role lets
    them set on that kind of record (a frozen field keeps its default there), custom values
    included, so that converting is never refused for what the lead happened to hold."""
    access = policy.field_access(actor, model)
    carried = {key: value for key, value in values.items() if access.writable(key)}
    if "custom" in values:
        carried["custom"] = {
            key: value
            for key, value in values["custom"].items()
            if access.writable(f"custom.{key}")
        }
    return carried


def _shared_custom(lead: Lead, entity: str) -> dict[str, Any]:
    """The lead's custom values whose key and type also exist on ``entity``."""
    from contacts.models import CustomField

    if not lead.custom:
        return {}
    found: dict[str, dict[str, str]] = {"lead": {}, entity: {}}
    for kind, key, field_type in CustomField.objects.filter(
        entity__in=["lead", entity], key__in=list(lead.custom), is_active=True
    ).values_list("entity", "key", "field_type"):
        found[kind][key] = field_type
    return {
        key: value
        for key, value in lead.custom.items()
        if key in found[entity] and found[entity][key] == found["lead"].get(key)
    }


def _record_owner(actor: Any, lead: Lead) -> User:
    """New records belong to the lead's owner when the actor may assign companies, contacts
    and deals to them."""
    if lead.owner is not None and all(
        policy.assignable_users(actor, model).filter(pk=lead.owner_id).exists()
        for model in (Company, Contact, Deal)
    ):
        return lead.owner
    return actor


def _check_visible(actor: Any, record: models.Model, noun: str) -> None:
    if not policy.can_view(actor, record):
        raise ValidationError(f"You cannot link this lead to that {noun}.")


def _convert_company(
    *, actor: Any, lead: Lead, owner: User, tags: list[Tag], company: Company | None, create: bool
) -> tuple[Company | None, bool]:
    """The conversion's company (linked, new, or none) and whether it was created."""
    if company is not None:
        _check_visible(actor, company, "company")
        return company, False
    if not create:
        return None, False
    if not lead.company_name:
        raise ValidationError("The lead has no company name: choose an existing company or none.")
    created = contact_services.company_create(
        actor=actor,
        name=lead.company_name,
        owner=owner,
        domain=company_domain(lead),
        tags=tags,
        **_carried(
            actor,
            "contacts.company",
            {"website": lead.website, "custom": _shared_custom(lead, "company")},
        ),
    )
    return created, True


def _convert_contact(
    *,
    actor: Any,
    lead: Lead,
    owner: User,
    tags: list[Tag],
    contact: Contact | None,
    company: Company | None,
) -> tuple[Contact, bool]:
    """The conversion's contact (linked or new) and whether it was created. A linked
    contact the actor may edit gets the lead's tags, and the company if it had none."""
    if contact is None:
        created = contact_services.contact_create(
            actor=actor,
            first_name=lead.first_name,
            last_name=lead.last_name,
            owner=owner,
            company=company,
            email=lead.email,
            phone=lead.phone,
            tags=tags,
            **_carried(
                actor,
                "contacts.contact",
                {
                    "title": lead.title,
                    "description": lead.description,
                    "custom": _shared_custom(lead, "contact"),
                },
            ),
        )
        return created, True
    _check_visible(actor, contact, "contact")
    if policy.can_change(actor, contact):
        if tags:
            contact_services.contact_add_tags(actor=actor, contact=contact, tags=tags)
        if company is not None and contact.company_id is None:
            contact_services.contact_update(actor=actor, contact=contact, company=company)
    return contact, False


def _convert_deal(
    *,
    actor: Any,
    lead: Lead,
    owner: User,
    tags: list[Tag],
    deal: NewDeal,
    contact: Contact,
    company: Company | None,
) -> Deal:
    if deal.stage is not None and deal.stage.pipeline_id != deal.pipeline.pk:
        raise ValidationError(
            f"{deal.stage.name} is not a stage of {deal.pipeline.name}.", code="stage"
        )
    if deal.stage is not None and deal.stage.is_closed:
        raise ValidationError("A new deal starts in an open stage.", code="stage")
    # The lead's notes become the deal's only where the actor's role lets them write them.
    notes = lead.description if policy.field_access(actor, Deal).writable("description") else ""
    return deal_services.deal_create(
        actor=actor,
        name=deal.name.strip() or f"{company.name if company else lead.full_name} deal",
        pipeline=deal.pipeline,
        stage=deal.stage,
        owner=owner,
        amount=deal.amount,
        currency=deal.currency,
        expected_close_date=deal.expected_close_date,
        company=company,
        contacts=[contact],
        description=notes,
        tags=tags,
    )


@transaction.atomic
def lead_convert(
    *,
    actor: Any,
    lead: Lead,
    contact: Contact | None = None,
    company: Company | None = None,
    create_company: bool = True,
    deal: NewDeal | None = None,
) -> Lead:
    """Turn a lead into a contact (new, or ``contact``), a company (``company``, a new one
    from the lead's company name when ``create_company``, or none) and optionally a deal.

    One transaction: the lead row is locked and a converted lead is refused
    (:class:`AlreadyConverted`), so two racing conversions create one set of records; if
    any part fails (the deal's stage, say) nothing is kept.
    """
    current = _locked(lead)
    if current.is_converted:
        raise AlreadyConverted
    if not actor.has_perm("leads.convert_lead") or not policy.can_change(actor, current):
        raise PermissionDenied("You may not convert this lead.")
    owner = _record_owner(actor, current)
    tags = list(current.tags.all())
    company, company_created = _convert_company(
        actor=actor, lead=current, owner=owner, tags=tags, company=company, create=create_company
    )
    contact, contact_created = _convert_contact(
        actor=actor, lead=current, owner=owner, tags=tags, contact=contact, company=company
    )
    new_deal = None
    if deal is not None:
        new_deal = _convert_deal(
            actor=actor,
            lead=current,
            owner=owner,
            tags=tags,
            deal=deal,
            contact=contact,
            company=company,
        )
    now = timezone.now()
    updated = (
        Lead.objects.filter(pk=current.pk)
        .exclude(status=Lead.Status.CONVERTED)
        .update(
            status=Lead.Status.CONVERTED,
            converted_at=now,
            converted_by=actor,
            converted_contact=contact,
            converted_company=company,
            converted_deal=new_deal,
            updated_at=now,
        )
    )
    if updated != 1:  # a racing conversion won (databases without row locks)
        raise AlreadyConverted
    publish(
        "lead.converted",
        actor=actor,
        payload={
            "lead_id": current.pk,
            "contact_id": contact.pk,
            "company_id": company.pk if company else None,
            "deal_id": new_deal.pk if new_deal else None,
            "contact_created": contact_created,
            "company_created": company_created,
            "from_status": current.status,
        },
    )
    current.refresh_from_db()
    _sync(lead, current)
    return lead


# ---------------------------------------------------------------- web-to-lead forms


def _webform_values(
    *,
    name: str,
    fields: Sequence[str],
    required_fields: Sequence[str],
    owner: User | None,
    source: str,
    tag: Tag | str | None,
    success_message: str,
    redirect_url: str,
    is_active: bool,
) -> dict[str, Any]:
    known = [key for key, _ in WebForm.FIELD_CHOICES]
    fields = [key for key in known if key in set(fields) | {"last_name"}]
    required = [key for key in known if key in set(required_fields) | {"last_name"}]
    if set(required) - set(fields):
        raise ValidationError("Only fields on the form can be required.")
    if not name.strip():
        raise ValidationError("A web form needs a name.")
    if source not in Lead.Source.values:
        raise ValidationError("Choose a source from the list.")
    if redirect_url:
        URLValidator(schemes=["http", "https"])(redirect_url)
    if owner is not None and not owner.is_active:
        raise ValidationError(f"{owner} is deactivated and cannot own leads.")
    tag_object = None
    if tag:
        resolved = _resolve_tags([tag])
        tag_object = resolved[0] if resolved else None
    return {
        "name": name.strip(),
        "fields": fields,
        "required_fields": required,
        "owner": owner,
        "source": source,
        "tag": tag_object,
        "success_message": success_message.strip()
        or WebForm._meta.get_field("success_message").get_default(),
        "redirect_url": redirect_url,
        "is_active": is_active,
    }


@transaction.atomic
def webform_create(
    *,
    actor: Any,
    name: str,
    fields: Sequence[str],
    required_fields: Sequence[str] = (),
    owner: User | None = None,
    source: str = Lead.Source.WEB_FORM,
    tag: Tag | str | None = None,
    success_message: str = "",
    redirect_url: str = "",
    is_active: bool = True,
) -> WebForm:
    """A new web-to-lead form with a fresh public token."""
    values = _webform_values(
        name=name,
        fields=fields,
        required_fields=required_fields,
        owner=owner,
        source=source,
        tag=tag,
        success_message=success_message,
        redirect_url=redirect_url,
        is_active=is_active,
    )
    form = WebForm.objects.create(**values, created_by=actor)
    publish("web_form.created", actor=actor, payload={"web_form_id": form.pk})
    return form


@transaction.atomic
def webform_update(
    *,
    actor: Any,
    form: WebForm,
    name: str,
    fields: Sequence[str],
    required_fields: Sequence[str] = (),
    owner: User | None = None,
    source: str = Lead.Source.WEB_FORM,
    tag: Tag | str | None = None,
    success_message: str = "",
    redirect_url: str = "",
    is_active: bool = True,
) -> WebForm:
    values = _webform_values(
        name=name,
        fields=fields,
        required_fields=required_fields,
        owner=owner,
        source=source,
        tag=tag,
        success_message=success_message,
        redirect_url=redirect_url,
        is_active=is_active,
    )
    changed = [key for key, value in values.items() if getattr(form, key) != value]
    for key, value in values.items():
        setattr(form, key, value)
    if changed:
        # submission_count is left out: submissions raise it concurrently with F().
        form.save(
            update_fields=[getattr(WebForm._meta.get_field(k), "attname", k) for k in changed]
        )
        publish(
            "web_form.updated", actor=actor, payload={"web_form_id": form.pk, "changed": changed}
        )
    return form


@transaction.atomic
def webform_delete(*, actor: Any, form: WebForm) -> None:
    """Delete a form; its leads stay (their ``web_form`` link is cleared)."""
    pk = form.pk
    form.delete()
    publish("web_form.deleted", actor=actor, payload={"web_form_id": pk})


@transaction.atomic
def webform_submit(*, form: WebForm, values: dict[str, Any]) -> Lead:
    """A visitor's submission: a lead with the form's owner, source and tag, published as
    ``lead.created``; the form's submission count goes up atomically."""
    lead = lead_create(
        actor=None,
        owner=form.owner if form.owner and form.owner.is_active else None,
        source=form.source,
        tags=[form.tag] if form.tag else (),
        web_form=form,
        **{key: values.get(key, "") for key in TEXT_FIELDS if key not in {"source", "rating"}},
    )
    WebForm.objects.filter(pk=form.pk).update(submission_count=F("submission_count") + 1)
    return lead

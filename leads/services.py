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
from django.db.models import Q
from django.utils import timezone

from accounts import policy
from accounts.models import Scope, User
from contacts.models import Company, Contact, Tag
from contacts.phones import normalize_phone
from crm.events import publish
from deals.models import Pipeline, Stage
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


class LeadReadOnly(ValidationError):
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
            max_length = Lead._meta.get_field(name).max_length
            if isinstance(value, str) and max_length and len(value) > max_length:
                raise ValidationError(f"At most {max_length} characters.")
        except ValidationError as error:
            errors[name] = error.messages
            continue
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


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
    if not policy.assignable_users(actor).filter(pk=owner.pk).exists():
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
    """The rows of ``queryset`` that ``actor`` may change, as one SQL condition
    (the same rule as ``policy.can_change``), never converted ones."""
    queryset = queryset.exclude(status=Lead.Status.CONVERTED)
    edit_shares = policy.shared_pks(actor, Lead, edit=True)
    condition = Q(pk__in=edit_shares) if edit_shares else Q(pk__in=[])
    if actor.has_perm("leads.change_lead"):
        scope = policy.scope_for(actor)
        if scope == Scope.ALL:
            return queryset
        if scope is not None:
            condition |= Q(owner_id=actor.pk)
            if scope == Scope.TEAM and actor.team_id is not None:
                condition |= Q(team_id=actor.team_id)
    return queryset.filter(condition)


def deletable(queryset: models.QuerySet[Lead], actor: Any) -> models.QuerySet[Lead]:
    """The rows of ``queryset`` that ``actor`` may delete (``policy.can_delete``)."""
    queryset = queryset.exclude(status=Lead.Status.CONVERTED)
    if not actor.has_perm("leads.delete_lead"):
        return queryset.none()
    scope = policy.scope_for(actor)
    if scope == Scope.ALL:
        return queryset
    if scope is None:
        return queryset.none()
    condition = Q(owner_id=actor.pk)
    if scope == Scope.TEAM and actor.team_id is not None:
        condition |= Q(team_id=actor.team_id)
    return queryset.filter(condition)


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
    _check_status(status)
    if owner is None and actor is not None:
        owner = actor
    _check_owner(actor, owner)
    lead = Lead(
        **fields,
        status=status,
        custom=dict(custom or {}),
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
    owner: User | None | Any = ...,
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
    changed = [name for name, value in cleaned.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, cleaned[name])
    if custom is not None and dict(custom) != current.custom:
        current.custom = dict(custom)
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


# ---------------------------------------------------------------- bulk (crm.lists)


@transaction.atomic
def lead_bulk_assign(*, actor: Any, leads: models.QuerySet[Lead], owner: User) -> int:
    """Assign the leads of ``leads`` the actor may change to ``owner``; returns how many."""
    _check_owner(actor, owner)
    rows = list(
        changeable(leads, actor)
        .exclude(owner_id=owner.pk)
        .order_by()
        .values_list("pk", "owner_id")
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
    return len(rows)


@transaction.atomic
def lead_bulk_add_tag(*, actor: Any, leads: models.QuerySet[Lead], tag: Tag) -> int:
    ids = list(
        changeable(leads, actor).exclude(tags=tag).order_by().values_list("pk", flat=True)
    )
    through = Lead.tags.through
    now = timezone.now()
    for chunk in _chunks(ids):
        through.objects.bulk_create(
            [through(lead_id=pk, tag_id=tag.pk) for pk in chunk], ignore_conflicts=True
        )
        Lead.objects.filter(pk__in=chunk).update(updated_at=now)
    for pk in ids:
        publish("lead.updated", actor=actor, payload={"lead_id": pk, "changed": ["tags"]})
    return len(ids)


@transaction.atomic
def lead_bulk_delete(*, actor: Any, leads: models.QuerySet[Lead]) -> int:
    ids = list(deletable(leads, actor).order_by().values_list("pk", flat=True))
    for chunk in _chunks(ids):
        Lead.objects.filter(pk__in=chunk).delete()
    for pk in ids:
        publish("lead.deleted", actor=actor, payload={"lead_id": pk})
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


FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.com",
        "zoho.com",
    }
)


def company_domain(lead: Lead) -> str:
    """The lead's company web domain: from its website, else a non-free-mail email."""
    if lead.website:
        host = lead.website.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
        return host.removeprefix("www.")
    if "@" in lead.email:
        domain = lead.email.rsplit("@", 1)[1].lower()
        if domain not in FREE_MAIL:
            return domain
    return ""


def _shared_custom(lead: Lead, entity: str) -> dict[str, Any]:
    """The lead's custom values whose key and type also exist on ``entity``."""
    from contacts.models import CustomField

    if not lead.custom:
        return {}
    types = dict(
        CustomField.objects.filter(entity__in=["lead", entity], is_active=True)
        .filter(key__in=list(lead.custom))
        .values_list("entity", "key")
        .order_by()
        .values_list("key", "field_type")
    )
    lead_types = dict(
        CustomField.objects.filter(entity="lead", key__in=list(lead.custom)).values_list(
            "key", "field_type"
        )
    )
    other_types = dict(
        CustomField.objects.filter(entity=entity, key__in=list(lead.custom), is_active=True)
        .values_list("key", "field_type")
    )
    del types
    return {
        key: value
        for key, value in lead.custom.items()
        if key in other_types and other_types[key] == lead_types.get(key)
    }


def _record_owner(actor: Any, lead: Lead) -> User:
    """New records belong to the lead's owner when the actor may assign to them."""
    if lead.owner is not None and policy.assignable_users(actor).filter(pk=lead.owner_id).exists():
        return lead.owner
    return actor


def _check_visible(actor: Any, record: models.Model, noun: str) -> None:
    if not policy.can_view(actor, record):
        raise ValidationError(f"You cannot link this lead to that {noun}.")


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
    from contacts import services as contact_services
    from deals import services as deal_services

    current = _locked(lead)
    if current.is_converted:
        raise AlreadyConverted
    if not actor.has_perm("leads.convert_lead") or not policy.can_change(actor, current):
        raise PermissionDenied("You may not convert this lead.")
    owner = _record_owner(actor, current)
    tags = list(current.tags.all())
    company_created = contact_created = False

    if company is not None:
        _check_visible(actor, company, "company")
    elif create_company:
        if not current.company_name:
            raise ValidationError(
                "The lead has no company name: choose an existing company or none."
            )
        company = contact_services.company_create(
            actor=actor,
            name=current.company_name,
            owner=owner,
            domain=company_domain(current),
            website=current.website,
            custom=_shared_custom(current, "company"),
            tags=tags,
        )
        company_created = True

    if contact is not None:
        _check_visible(actor, contact, "contact")
        for tag in tags:
            contact_services.contact_bulk_add_tag(
                actor=actor, contacts=Contact.objects.filter(pk=contact.pk), tag=tag
            )
    else:
        contact = contact_services.contact_create(
            actor=actor,
            first_name=current.first_name,
            last_name=current.last_name,
            owner=owner,
            company=company,
            title=current.title,
            email=current.email,
            phone=current.phone,
            description=current.description,
            custom=_shared_custom(current, "contact"),
            tags=tags,
        )
        contact_created = True

    new_deal = None
    if deal is not None:
        name = deal.name.strip() or f"{company.name if company else current.full_name} deal"
        new_deal = deal_services.deal_create(
            actor=actor,
            name=name,
            pipeline=deal.pipeline,
            stage=deal.stage,
            owner=owner,
            amount=deal.amount,
            currency=deal.currency,
            expected_close_date=deal.expected_close_date,
            company=company,
            contacts=[contact],
            description=current.description,
            tags=tags,
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

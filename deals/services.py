"""Deal and pipeline writes: create, edit, move on the board, close, reopen, assign, tags,
delete, bulk actions, and the pipeline settings.

Every function is keyword-only with ``actor`` first, runs in one transaction, validates
before it writes and publishes its events (``docs/events.md``, Deals) in that transaction.

Concurrency: every change to a deal is a compare-and-set ``UPDATE ... WHERE id = %s AND
version = %s`` that raises the version, so two people editing the same deal never silently
overwrite each other: the second write finds no row and raises :class:`StaleDeal`. A caller
that showed the deal to someone passes the version they saw as ``expected_version``.

Board order: ``Deal.position`` is a float, ordered with ``id`` as the tie-break. A card
dropped between two neighbours takes the midpoint of their positions; when the gap gets too
small the column is renumbered in one statement (:func:`renumber_column`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from accounts import audit, policy
from accounts.models import User
from contacts.custom_fields import clean_values
from contacts.models import Company, Contact, Tag
from crm.events import publish
from deals.models import Deal, Pipeline, Stage, StageChange

POSITION_STEP = 1024.0
MIN_GAP = 1e-6  # neighbours closer than this: renumber the column first
_CHUNK = 500  # ids per UPDATE/DELETE in bulk actions (SQLite caps bound parameters)
NAME_MAX = 200  # Deal.name
REASON_MAX = 200  # Deal.lost_reason
PIPELINE_NAME_MAX = STAGE_NAME_MAX = 100
AMOUNT_MAX = Decimal("999999999999.99")

Place = Literal["top", "bottom"]


class StaleDeal(Exception):  # noqa: N818 - a refusal the views answer with 409
    """The deal changed since the caller read it (or was deleted: ``current`` is None)."""

    message = "This deal was changed by someone else — reloaded."

    def __init__(self, current: Deal | None = None) -> None:
        super().__init__(self.message if current is not None else "This deal was deleted.")
        self.current = current


_UNSET: Any = object()


# ---------------------------------------------------------------- helpers


def default_currency() -> str:
    return settings.CRM_DEFAULT_CURRENCY


def status_for(stage: Stage) -> str:
    if stage.is_won:
        return Deal.Status.WON
    if stage.is_lost:
        return Deal.Status.LOST
    return Deal.Status.OPEN


def _clean_name(value: Any) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise ValidationError({"name": "A deal needs a name."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"At most {NAME_MAX} characters."})
    return name


def _clean_amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation as error:
        raise ValidationError({"amount": "Enter an amount such as 12500 or 12500.50."}) from error
    if not amount.is_finite() or amount < 0:
        raise ValidationError({"amount": "The amount cannot be negative."})
    if amount > AMOUNT_MAX:
        raise ValidationError({"amount": "The amount is too large."})
    return amount.quantize(Decimal("0.01"))


def _clean_currency(value: Any) -> str:
    code = str(value or "").strip().upper() or default_currency()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise ValidationError({"currency": "Use a three-letter currency code such as USD."})
    return code


def _clean_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise ValidationError({"expected_close_date": "Enter a date as YYYY-MM-DD."}) from error


def _clean_reason(value: Any) -> str:
    reason = " ".join(str(value or "").split())
    if len(reason) > REASON_MAX:
        raise ValidationError({"lost_reason": f"At most {REASON_MAX} characters."})
    return reason


def _need_reason(stage: Stage, reason: str) -> None:
    if stage.is_lost and not reason:
        raise ValidationError(
            {"lost_reason": f"Say why the deal was lost before moving it to {stage.name}."}
        )


def _check_owner(actor: Any, owner: User | None) -> None:
    """The actor may make ``owner`` the owner (``policy.assignable_users``)."""
    if owner is None or actor is None:
        return
    if not owner.is_active:
        raise ValidationError({"owner": f"{owner} is deactivated and cannot own deals."})
    if not policy.assignable_users(actor, Deal).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": f"You may not assign deals to {owner}."})


def _check_company(actor: Any, company: Company | None) -> None:
    if company is None or actor is None:
        return
    if not policy.can_view(actor, company):
        raise ValidationError({"company": "You cannot link a deal to that company."})


def _check_contacts(actor: Any, contacts: Sequence[Contact]) -> None:
    if not contacts or actor is None:
        return
    if not actor.has_perm("contacts.view_contact"):
        raise ValidationError({"contacts": "You cannot link contacts to deals."})
    ids = {c.pk for c in contacts}
    seen = policy.visible(Contact.objects.filter(pk__in=ids), actor).count()
    if seen != len(ids):
        raise ValidationError({"contacts": "You cannot link a deal to one of those contacts."})


def parse_tag_names(text: str) -> list[str]:
    """``"vip, renewal ,vip"`` -> ``["vip", "renewal"]`` (order kept, no repeats)."""
    names: dict[str, str] = {}
    for part in (text or "").split(","):
        name = " ".join(part.split())[:50]
        if name:
            names.setdefault(name.lower(), name)
    return list(names.values())


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


def _locked(deal: Deal | int) -> Deal:
    """The deal's row, locked for this transaction (PostgreSQL; SQLite serialises writes)."""
    pk = deal.pk if isinstance(deal, Deal) else deal
    found = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage", "pipeline")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise StaleDeal(None)
    return found


def _require_change(actor: Any, deal: Deal) -> None:
    if actor is not None and not policy.can_change(actor, deal):
        raise PermissionDenied("You may not change this deal.")


def _check_version(current: Deal, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != current.version:
        raise StaleDeal(current)


def _commit(current: Deal, fields: dict[str, Any], *, bump: bool = True) -> None:
    """Compare-and-set: write ``fields`` only if nobody changed the deal since we read it."""
    values = dict(fields)
    if bump:
        values["version"] = F("version") + 1
        values["updated_at"] = timezone.now()
    done = Deal.objects.filter(pk=current.pk, version=current.version).update(**values)
    if done != 1:
        raise StaleDeal(Deal.objects.filter(pk=current.pk).select_related("stage").first())
    for name, value in fields.items():
        setattr(current, name, value)
    if bump:
        current.version += 1
        current.updated_at = values["updated_at"]


def _sync(target: Deal, source: Deal) -> None:
    """Copy the saved state back onto the caller's instance."""
    for field in Deal._meta.concrete_fields:
        if field.name != "search_text":
            setattr(target, field.attname, getattr(source, field.attname))
    target.stage = source.stage
    target.pipeline = source.pipeline


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _days(since: datetime | None, now: datetime) -> int | None:
    if since is None:
        return None
    return max(0, (now - since).days)


# ---------------------------------------------------------------- board positions


def renumber_column(stage: Stage | int) -> None:
    """Give the column's deals evenly spaced positions, keeping their order; one statement."""
    stage_id = stage.pk if isinstance(stage, Stage) else stage
    table = connection.ops.quote_name(Deal._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET position = ranked.rn * %s "  # noqa: S608 - table name only
            f"FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY position, id) AS rn "
            f"FROM {table} WHERE stage_id = %s) AS ranked "
            f"WHERE {table}.id = ranked.id",
            [POSITION_STEP, stage_id],
        )


def _ref_id(ref: Deal | int | str | None) -> int | None:
    if ref is None or ref == "":
        return None
    if isinstance(ref, Deal):
        return ref.pk
    try:
        return int(ref)
    except (TypeError, ValueError):
        return None


def _slot(
    stage: Stage,
    *,
    exclude: int,
    after: Deal | int | None,
    before: Deal | int | None,
    place: Place,
) -> float:
    """The position for a card in ``stage`` just below ``after`` and/or just above
    ``before`` (neighbours no longer in the column are ignored), else at ``place``."""
    for _attempt in range(2):
        column = Deal.objects.filter(stage_id=stage.pk).exclude(pk=exclude).order_by()
        refs = [r for r in (_ref_id(after), _ref_id(before)) if r is not None]
        found = {
            pk: (pos, pk) for pk, pos in column.filter(pk__in=refs).values_list("pk", "position")
        }
        above = found.get(_ref_id(after))  # type: ignore[arg-type]
        below = found.get(_ref_id(before))  # type: ignore[arg-type]
        if above and below and above >= below:
            below = None  # neighbours that are not in that order: trust the card above
        if above and not below:
            nxt = (
                column.filter(Q(position__gt=above[0]) | Q(position=above[0], pk__gt=above[1]))
                .order_by("position", "pk")
                .values_list("position", "pk")
                .first()
            )
            if nxt is None:
                return above[0] + POSITION_STEP
            below = nxt
        elif below and not above:
            prev = (
                column.filter(Q(position__lt=below[0]) | Q(position=below[0], pk__lt=below[1]))
                .order_by("-position", "-pk")
                .values_list("position", "pk")
                .first()
            )
            if prev is None:
                return below[0] - POSITION_STEP
            above = prev
        elif not above and not below:
            edge = column.aggregate(low=Min("position"), high=Max("position"))
            if edge["low"] is None:
                return 0.0
            return edge["low"] - POSITION_STEP if place == "top" else edge["high"] + POSITION_STEP
        assert above is not None
        assert below is not None
        middle = (above[0] + below[0]) / 2
        if below[0] - above[0] >= MIN_GAP and above[0] < middle < below[0]:
            return middle
        renumber_column(stage)
    raise RuntimeError("Could not place the card after renumbering its column.")


# ---------------------------------------------------------------- stage changes


def _stage_fields(current: Deal, stage: Stage, *, reason: str, now: datetime) -> dict[str, Any]:
    """What moving ``current`` into ``stage`` sets (the stage change's own bookkeeping)."""
    status = status_for(stage)
    closed_at = current.closed_at if status == current.status else None
    if status != Deal.Status.OPEN and closed_at is None:
        closed_at = now
    return {
        "stage": stage,
        "pipeline": stage.pipeline,
        "status": status,
        "closed_at": closed_at if status != Deal.Status.OPEN else None,
        "stage_entered_at": now,
        "lost_reason": reason if stage.is_lost else "",
    }


def _record_stage_change(
    actor: Any,
    deal: Deal,
    *,
    old_stage: Stage,
    old_status: str,
    entered: datetime,
    now: datetime,
) -> None:
    """The history row and the events of one stage change (``deal`` already moved)."""
    stage = deal.stage
    StageChange.objects.create(
        deal=deal,
        from_stage=old_stage,
        to_stage=stage,
        from_stage_name=old_stage.name,
        to_stage_name=stage.name,
        changed_by=actor if getattr(actor, "pk", None) else None,
        changed_at=now,
        days_in_previous=_days(entered, now),
    )
    _publish_stage_events(
        actor,
        deal_id=deal.pk,
        pipeline=deal.pipeline,
        old_stage=old_stage,
        new_stage=stage,
        old_status=old_status,
        reason=deal.lost_reason,
        amount=deal.amount,
        currency=deal.currency,
    )


def _publish_stage_events(
    actor: Any,
    *,
    deal_id: int,
    pipeline: Pipeline,
    old_stage: Stage,
    new_stage: Stage,
    old_status: str,
    reason: str,
    amount: Decimal,
    currency: str,
) -> None:
    new_status = status_for(new_stage)
    publish(
        "deal.stage_changed",
        actor=actor,
        payload={
            "deal_id": deal_id,
            "pipeline_id": pipeline.pk,
            "pipeline": pipeline.name,
            "from_stage_id": old_stage.pk,
            "from_stage": old_stage.name,
            "to_stage_id": new_stage.pk,
            "to_stage": new_stage.name,
            "from_status": old_status,
            "to_status": new_status,
        },
    )
    if new_status == old_status:
        return
    if new_status == Deal.Status.WON:
        publish(
            "deal.won",
            actor=actor,
            payload={
                "deal_id": deal_id,
                "pipeline_id": pipeline.pk,
                "stage_id": new_stage.pk,
                "amount": str(amount),
                "currency": currency,
            },
        )
    elif new_status == Deal.Status.LOST:
        publish(
            "deal.lost",
            actor=actor,
            payload={
                "deal_id": deal_id,
                "pipeline_id": pipeline.pk,
                "stage_id": new_stage.pk,
                "reason": reason,
                "amount": str(amount),
                "currency": currency,
            },
        )
    else:
        publish(
            "deal.reopened",
            actor=actor,
            payload={"deal_id": deal_id, "from_status": old_status, "stage_id": new_stage.pk},
        )


def _move(
    actor: Any,
    current: Deal,
    stage: Stage,
    *,
    reason: str,
    after: Deal | int | None = None,
    before: Deal | int | None = None,
    place: Place = "top",
    extra: dict[str, Any] | None = None,
) -> None:
    """Move a locked deal to another stage (with ``extra`` fields in the same write)."""
    if stage.pipeline_id != current.pipeline_id and not stage.pipeline.is_active:
        raise ValidationError({"stage": f"The pipeline {stage.pipeline.name} is deactivated."})
    _need_reason(stage, reason)
    now = timezone.now()
    old_stage, old_status, entered = current.stage, current.status, current.stage_entered_at
    fields = _stage_fields(current, stage, reason=reason, now=now)
    fields["position"] = _slot(stage, exclude=current.pk, after=after, before=before, place=place)
    fields.update(extra or {})
    _commit(current, fields)
    _record_stage_change(
        actor, current, old_stage=old_stage, old_status=old_status, entered=entered, now=now
    )


# ---------------------------------------------------------------- single deals


@transaction.atomic
def deal_create(
    *,
    actor: Any,
    name: str,
    pipeline: Pipeline,
    stage: Stage | None = None,
    owner: User | None = None,
    amount: Decimal | int | str = Decimal("0"),
    currency: str = "",
    expected_close_date: date | None = None,
    company: Company | None = None,
    contacts: Iterable[Contact] = (),
    description: str = "",
    custom: dict[str, Any] | None = None,
    tags: Iterable[Tag | str] = (),
    lost_reason: str = "",
) -> Deal:
    """Create a deal at the top of its stage's column (the pipeline's first open stage by
    default), with its first stage-history row; publishes ``deal.created``."""
    if actor is not None and not actor.has_perm("deals.add_deal"):
        raise PermissionDenied("You may not create deals.")
    if not pipeline.is_active:
        raise ValidationError({"pipeline": f"The pipeline {pipeline.name} is deactivated."})
    if stage is None:
        stage = pipeline.stages.filter(is_won=False, is_lost=False).order_by("position").first()
        if stage is None:
            raise ValidationError({"stage": f"{pipeline.name} has no open stage."})
    elif stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": f"{stage.name} is not a stage of {pipeline.name}."})
    name = _clean_name(name)
    amount = _clean_amount(amount)
    currency = _clean_currency(currency)
    expected_close_date = _clean_date(expected_close_date)
    description = (description or "").strip()
    # A field the actor's role freezes (hidden or read-only) keeps the model's default.
    policy.refuse_unwritable(
        actor,
        Deal,
        {
            "amount": amount,
            "currency": currency,
            "expected_close_date": expected_close_date,
            "description": description,
        },
    )
    reason = _clean_reason(lost_reason)
    _need_reason(stage, reason)
    if owner is None and actor is not None:
        owner = actor
    _check_owner(actor, owner)
    _check_company(actor, company)
    contact_list = list(contacts)
    _check_contacts(actor, contact_list)
    custom = clean_values("deal", custom)
    policy.refuse_unwritable(actor, Deal, {"custom": custom})
    now = timezone.now()
    status = status_for(stage)
    deal = Deal(
        name=name,
        pipeline=pipeline,
        stage=stage,
        status=status,
        amount=amount,
        currency=currency,
        expected_close_date=expected_close_date,
        company=company,
        description=description,
        custom=custom,
        lost_reason=reason if stage.is_lost else "",
        closed_at=now if status != Deal.Status.OPEN else None,
        position=_slot(stage, exclude=0, after=None, before=None, place="top"),
        stage_entered_at=now,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        updated_at=now,
    )
    deal.assign_owner(owner)
    deal.save()
    if contact_list:
        deal.contacts.add(*contact_list)
    tag_objects = _resolve_tags(tags)
    if tag_objects:
        deal.tags.add(*tag_objects)
    StageChange.objects.create(
        deal=deal,
        from_stage=None,
        to_stage=stage,
        to_stage_name=stage.name,
        changed_by=deal.created_by,
        changed_at=now,
    )
    publish(
        "deal.created",
        actor=actor,
        payload={
            "deal_id": deal.pk,
            "pipeline_id": pipeline.pk,
            "stage_id": stage.pk,
            "owner_id": deal.owner_id,
            "company_id": deal.company_id,
            "amount": str(deal.amount),
            "currency": deal.currency,
            "status": deal.status,
        },
    )
    return deal


_CLEANERS = {
    "name": _clean_name,
    "amount": _clean_amount,
    "currency": _clean_currency,
    "expected_close_date": _clean_date,
    "description": lambda value: (value or "").strip(),
    "custom": lambda value: clean_values("deal", value),
}


def _field_changes(actor: Any, current: Deal, given: dict[str, Any]) -> dict[str, Any]:
    """The plain fields of ``given`` (cleaned) that differ from the deal's."""
    fields: dict[str, Any] = {}
    for name, clean in _CLEANERS.items():
        if name in given:
            value = clean(given[name])
            if getattr(current, name) != value:
                fields[name] = value
    if "company" in given:
        company = given["company"]
        if (company.pk if company else None) != current.company_id:
            _check_company(actor, company)
            fields["company"] = company
    return fields


def _link_changes(
    actor: Any, current: Deal, given: dict[str, Any]
) -> tuple[list[int] | None, set[int] | None]:
    """New contact ids and tag ids, or None where they stay as they are."""
    contact_ids = tag_ids = None
    if "contacts" in given:
        wanted = list(given["contacts"])
        have = set(current.contacts.values_list("pk", flat=True))
        if {c.pk for c in wanted} != have:
            _check_contacts(actor, [c for c in wanted if c.pk not in have])
            contact_ids = [c.pk for c in wanted]
    if "tags" in given:
        wanted_tags = {t.pk for t in _resolve_tags(given["tags"])}
        if wanted_tags != set(current.tags.values_list("pk", flat=True)):
            tag_ids = wanted_tags
    return contact_ids, tag_ids


@transaction.atomic
def deal_update(
    *,
    actor: Any,
    deal: Deal,
    expected_version: int | None = None,
    name: str = _UNSET,
    amount: Decimal | int | str = _UNSET,
    currency: str = _UNSET,
    expected_close_date: date | None = _UNSET,
    company: Company | None = _UNSET,
    contacts: Iterable[Contact] = _UNSET,
    description: str = _UNSET,
    custom: dict[str, Any] | None = _UNSET,
    tags: Iterable[Tag | str] = _UNSET,
    owner: User | None = _UNSET,
    stage: Stage = _UNSET,
    lost_reason: str = _UNSET,
) -> Deal:
    """Change the fields given. A stale ``expected_version`` raises :class:`StaleDeal` and
    changes nothing. A new stage goes through the same path as a move (history, status,
    events); a new owner publishes ``deal.assigned``; the rest ``deal.updated``."""
    current = _locked(deal)
    _require_change(actor, current)
    _check_version(current, expected_version)
    given = {
        key: value
        for key, value in {
            "name": name,
            "amount": amount,
            "currency": currency,
            "expected_close_date": expected_close_date,
            "company": company,
            "contacts": contacts,
            "description": description,
            "custom": custom,
            "tags": tags,
        }.items()
        if value is not _UNSET
    }
    fields = _field_changes(actor, current, given)
    # No way in (form, bulk edit, API, automation acting for someone) changes a field the
    # actor's role freezes: a changed one is refused, an unchanged one is not in ``fields``.
    policy.refuse_unwritable(actor, Deal, fields, current)
    contact_ids, tag_ids = _link_changes(actor, current, given)
    changed = [*fields, *(["contacts"] if contact_ids is not None else [])]
    changed += ["tags"] if tag_ids is not None else []
    reason = current.lost_reason if lost_reason is _UNSET else _clean_reason(lost_reason)

    previous_owner = current.owner_id
    owner_changed = owner is not _UNSET and (owner.pk if owner else None) != current.owner_id
    if owner_changed:
        _check_owner(actor, owner)
        fields.update(owner=owner, team_id=owner.team_id if owner else None)

    if stage is not _UNSET and stage.pk != current.stage_id:
        _move(actor, current, stage, reason=reason, extra=fields)
    else:
        if current.stage.is_lost and reason != current.lost_reason:
            _need_reason(current.stage, reason)
            fields["lost_reason"] = reason
            changed.append("lost_reason")
        if fields or changed:
            _commit(current, fields)
    if contact_ids is not None:
        current.contacts.set(contact_ids)
    if tag_ids is not None:
        current.tags.set(tag_ids)
    if changed:
        publish("deal.updated", actor=actor, payload={"deal_id": current.pk, "changed": changed})
    if owner_changed:
        publish(
            "deal.assigned",
            actor=actor,
            payload={
                "deal_id": current.pk,
                "from_owner_id": previous_owner,
                "to_owner_id": current.owner_id,
            },
        )
    _sync(deal, current)
    return deal


@transaction.atomic
def deal_move(
    *,
    actor: Any,
    deal: Deal,
    stage: Stage,
    before: Deal | int | None = None,
    after: Deal | int | None = None,
    expected_version: int | None = None,
    lost_reason: str = "",
    place: Place = "top",
) -> Deal:
    """Move a deal on the board: into ``stage`` (the same one to reorder), just below
    ``after`` and/or just above ``before`` (its new neighbours), else at the top or bottom
    of the column. A lost stage needs ``lost_reason``; a stale version raises
    :class:`StaleDeal`."""
    current = _locked(deal)
    _require_change(actor, current)
    _check_version(current, expected_version)
    if place not in ("top", "bottom"):
        raise ValidationError("Place the deal at the top or the bottom of the column.")
    if stage.pk == current.stage_id:
        position = _slot(stage, exclude=current.pk, after=after, before=before, place=place)
        # Reordering is not an edit: the version stays, but a stale card is still refused.
        _commit(current, {"position": position}, bump=False)
    else:
        _move(
            actor,
            current,
            stage,
            reason=_clean_reason(lost_reason),
            after=after,
            before=before,
            place=place,
        )
    _sync(deal, current)
    return deal


def _closed_stage(pipeline: Pipeline, *, won: bool) -> Stage:
    stage = pipeline.stages.filter(is_won=won, is_lost=not won).order_by("position", "pk").first()
    if stage is None:
        kind = "won" if won else "lost"
        raise ValidationError(f"The pipeline {pipeline.name} has no {kind} stage.")
    return stage


@transaction.atomic
def deal_close_won(*, actor: Any, deal: Deal, expected_version: int | None = None) -> Deal:
    """Move the deal to its pipeline's won stage; publishes ``deal.won``."""
    current = _locked(deal)
    _require_change(actor, current)
    _check_version(current, expected_version)
    if current.status != Deal.Status.WON:
        _move(actor, current, _closed_stage(current.pipeline, won=True), reason="")
    _sync(deal, current)
    return deal


@transaction.atomic
def deal_close_lost(
    *, actor: Any, deal: Deal, reason: str, expected_version: int | None = None
) -> Deal:
    """Move the deal to its pipeline's lost stage with the reason (required)."""
    current = _locked(deal)
    _require_change(actor, current)
    _check_version(current, expected_version)
    reason = _clean_reason(reason)
    stage = current.stage if current.stage.is_lost else _closed_stage(current.pipeline, won=False)
    _need_reason(stage, reason)
    if current.status != Deal.Status.LOST:
        _move(actor, current, stage, reason=reason)
    elif reason != current.lost_reason:
        _commit(current, {"lost_reason": reason})
        publish(
            "deal.updated",
            actor=actor,
            payload={"deal_id": current.pk, "changed": ["lost_reason"]},
        )
    _sync(deal, current)
    return deal


def reopen_stage(deal: Deal) -> Stage | None:
    """Where a closed deal goes back to: the open stage it was closed from, else the
    pipeline's first open stage."""
    last = (
        StageChange.objects.filter(deal=deal, to_stage_id=deal.stage_id)
        .exclude(from_stage=None)
        .select_related("from_stage")
        .order_by("-changed_at", "-id")
        .first()
    )
    if (
        last is not None
        and last.from_stage is not None
        and not last.from_stage.is_closed
        and last.from_stage.pipeline_id == deal.pipeline_id
    ):
        return last.from_stage
    return (
        Stage.objects.filter(pipeline_id=deal.pipeline_id, is_won=False, is_lost=False)
        .order_by("position", "pk")
        .first()
    )


@transaction.atomic
def deal_reopen(
    *,
    actor: Any,
    deal: Deal,
    stage: Stage | None = None,
    expected_version: int | None = None,
) -> Deal:
    """Put a won or lost deal back into an open stage (by default the one it was closed
    from); the lost reason is cleared. Publishes ``deal.stage_changed`` and
    ``deal.reopened``."""
    current = _locked(deal)
    _require_change(actor, current)
    _check_version(current, expected_version)
    if current.status == Deal.Status.OPEN:
        raise ValidationError("The deal is open already.")
    target = stage or reopen_stage(current)
    if target is None or target.is_closed:
        raise ValidationError({"stage": "Choose an open stage to reopen the deal in."})
    _move(actor, current, target, reason="")
    _sync(deal, current)
    return deal


@transaction.atomic
def deal_assign(
    *, actor: Any, deal: Deal, owner: User | None, expected_version: int | None = None
) -> Deal:
    """Give the deal to ``owner`` (within the actor's reach); publishes ``deal.assigned``."""
    current = _locked(deal)
    _require_change(actor, current)
    _check_version(current, expected_version)
    if current.owner_id != (owner.pk if owner else None):
        _check_owner(actor, owner)
        previous = current.owner_id
        _commit(current, {"owner": owner, "team_id": owner.team_id if owner else None})
        publish(
            "deal.assigned",
            actor=actor,
            payload={
                "deal_id": current.pk,
                "from_owner_id": previous,
                "to_owner_id": current.owner_id,
            },
        )
    _sync(deal, current)
    return deal


@transaction.atomic
def deal_add_tags(*, actor: Any, deal: Deal, tags: Iterable[Tag | str]) -> Deal:
    current = _locked(deal)
    _require_change(actor, current)
    have = set(current.tags.values_list("pk", flat=True))
    new = [t for t in _resolve_tags(tags) if t.pk not in have]
    if new:
        _commit(current, {})
        current.tags.add(*new)
        publish("deal.updated", actor=actor, payload={"deal_id": current.pk, "changed": ["tags"]})
    _sync(deal, current)
    return deal


@transaction.atomic
def deal_remove_tag(*, actor: Any, deal: Deal, tag: Tag) -> Deal:
    current = _locked(deal)
    _require_change(actor, current)
    if current.tags.filter(pk=tag.pk).exists():
        _commit(current, {})
        current.tags.remove(tag)
        publish("deal.updated", actor=actor, payload={"deal_id": current.pk, "changed": ["tags"]})
    _sync(deal, current)
    return deal


@transaction.atomic
def deal_delete(*, actor: Any, deal: Deal) -> None:
    """Delete a deal with its stage history; publishes ``deal.deleted``."""
    current = _locked(deal)
    if actor is not None and not policy.can_delete(actor, current):
        raise PermissionDenied("You may not delete this deal.")
    pk = current.pk
    current.delete()
    publish("deal.deleted", actor=actor, payload={"deal_id": pk})


# ---------------------------------------------------------------- bulk actions of the lists


@transaction.atomic
def deal_bulk_assign(*, actor: Any, deals: models.QuerySet[Deal], owner: User) -> int:
    """Assign the deals the actor may change to ``owner``; returns how many changed."""
    _check_owner(actor, owner)
    rows = list(
        policy.changeable(deals, actor)
        .exclude(owner_id=owner.pk)
        .order_by()
        .values_list("pk", "owner_id")
    )
    now = timezone.now()
    for chunk in _chunks([pk for pk, _ in rows]):
        Deal.objects.filter(pk__in=chunk).update(
            owner_id=owner.pk, team_id=owner.team_id, updated_at=now, version=F("version") + 1
        )
    for pk, previous in rows:
        publish(
            "deal.assigned",
            actor=actor,
            payload={"deal_id": pk, "from_owner_id": previous, "to_owner_id": owner.pk},
        )
    ids = [pk for pk, _ in rows]
    audit.record_bulk(
        "records.bulk_updated", actor=actor, model=Deal, ids=ids, changes={"owner": owner.pk}
    )
    return len(rows)


def _move_rows(
    actor: Any,
    queryset: models.QuerySet[Deal],
    stage: Stage,
    *,
    reason: str | None = "",
) -> int:
    """Move every deal of ``queryset`` not in ``stage`` to the bottom of its column, with
    history rows and events: a few statements per 500 deals, plus the event rows.
    ``reason`` None keeps the deals' own lost reasons (a lost stage merged into another)."""
    rows = list(
        queryset.exclude(stage_id=stage.pk)
        .order_by("position", "pk")
        .values_list(
            "pk", "stage_id", "status", "stage_entered_at", "amount", "currency", "lost_reason"
        )
    )
    if not rows:
        return 0
    now = timezone.now()
    new_status = status_for(stage)
    edge = Deal.objects.filter(stage_id=stage.pk).aggregate(high=Max("position"))["high"]
    base = (edge if edge is not None else 0.0) + POSITION_STEP
    stages = {s.pk: s for s in Stage.objects.filter(pk__in={r[1] for r in rows})}
    common = {
        "stage_id": stage.pk,
        "pipeline_id": stage.pipeline_id,
        "status": new_status,
        "stage_entered_at": now,
        "updated_at": now,
        "version": F("version") + 1,
    }
    if not stage.is_lost:
        common["lost_reason"] = ""
    elif reason is not None:
        common["lost_reason"] = reason
    ids = [r[0] for r in rows]
    for offset, chunk in enumerate(_chunks(ids)):
        # Deals keep their relative order at the bottom of the column (ties break on id).
        position = base + offset * POSITION_STEP
        batch = Deal.objects.filter(pk__in=chunk)
        if new_status == Deal.Status.OPEN:
            batch.update(closed_at=None, position=position, **common)
        else:
            batch.filter(status=new_status).update(position=position, **common)
            batch.exclude(status=new_status).update(closed_at=now, position=position, **common)
    changed_by = actor if getattr(actor, "pk", None) else None
    StageChange.objects.bulk_create(
        [
            StageChange(
                deal_id=pk,
                from_stage_id=stage_id,
                to_stage=stage,
                from_stage_name=stages[stage_id].name,
                to_stage_name=stage.name,
                changed_by=changed_by,
                changed_at=now,
                days_in_previous=_days(entered, now),
            )
            for pk, stage_id, _status, entered, _amount, _currency, _reason in rows
        ],
        batch_size=_CHUNK,
    )
    for pk, stage_id, status, _entered, amount, currency, old_reason in rows:
        _publish_stage_events(
            actor,
            deal_id=pk,
            pipeline=stage.pipeline,
            old_stage=stages[stage_id],
            new_stage=stage,
            old_status=status,
            reason=(old_reason if reason is None else reason) if stage.is_lost else "",
            amount=amount,
            currency=currency,
        )
    return len(rows)


@transaction.atomic
def deal_bulk_move(
    *, actor: Any, deals: models.QuerySet[Deal], stage: Stage, lost_reason: str = ""
) -> int:
    """Move the deals the actor may change to ``stage`` (bottom of its column); a lost
    stage needs ``lost_reason``. Returns how many moved."""
    reason = _clean_reason(lost_reason)
    if stage.is_lost and not reason:
        raise ValidationError(
            f"Deals moved to {stage.name} need a reason: close them as lost one at a time."
        )
    if not stage.pipeline.is_active:
        raise ValidationError(f"The pipeline {stage.pipeline.name} is deactivated.")
    movable = policy.changeable(deals, actor)
    ids = list(movable.exclude(stage=stage).order_by().values_list("pk", flat=True))
    moved = _move_rows(actor, movable, stage, reason=reason)
    audit.record_bulk(
        "records.bulk_updated", actor=actor, model=Deal, ids=ids, changes={"stage": stage.name}
    )
    return moved


@transaction.atomic
def deal_bulk_add_tag(*, actor: Any, deals: models.QuerySet[Deal], tag: Tag) -> int:
    ids = list(
        policy.changeable(deals, actor).exclude(tags=tag).order_by().values_list("pk", flat=True)
    )
    through = Deal.tags.through
    now = timezone.now()
    for chunk in _chunks(ids):
        through.objects.bulk_create(
            [through(deal_id=pk, tag_id=tag.pk) for pk in chunk], ignore_conflicts=True
        )
        Deal.objects.filter(pk__in=chunk).update(updated_at=now, version=F("version") + 1)
    for pk in ids:
        publish("deal.updated", actor=actor, payload={"deal_id": pk, "changed": ["tags"]})
    audit.record_bulk(
        "records.bulk_updated", actor=actor, model=Deal, ids=ids, changes={"tag_added": tag.name}
    )
    return len(ids)


@transaction.atomic
def deal_bulk_delete(*, actor: Any, deals: models.QuerySet[Deal]) -> int:
    ids = list(policy.deletable(deals, actor).order_by().values_list("pk", flat=True))
    for chunk in _chunks(ids):
        Deal.objects.filter(pk__in=chunk).delete()
    for pk in ids:
        publish("deal.deleted", actor=actor, payload={"deal_id": pk})
    audit.record_bulk("records.bulk_deleted", actor=actor, model=Deal, ids=ids)
    return len(ids)


# ---------------------------------------------------------------- pipeline settings

STAGE_KINDS = ("open", "won", "lost")


@dataclass(frozen=True)
class StageSpec:
    """One row of the pipeline settings form, in display order."""

    name: str
    kind: str = "open"  # "open", "won" or "lost"
    probability: int = 0
    rotting_days: int | None = None
    pk: int | None = None  # an existing stage of the pipeline
    delete: bool = False
    move_to: int | None = None  # where the deals of a deleted stage go


def stage_kind(stage: Stage) -> str:
    return "won" if stage.is_won else "lost" if stage.is_lost else "open"


def _require_perm(actor: Any, perm: str, message: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(message)


class _Errors(dict[str, list[str]]):
    def add(self, key: str, message: str) -> None:
        self.setdefault(key, []).append(message)


def _check_pipeline_fields(
    errors: _Errors, *, pipeline: Pipeline | None, name: str, is_default: bool, is_active: bool
) -> None:
    if not name:
        errors.add("name", "A pipeline needs a name.")
    elif len(name) > PIPELINE_NAME_MAX:
        errors.add("name", "At most 100 characters.")
    elif (
        Pipeline.objects.filter(name__iexact=name)
        .exclude(pk=pipeline.pk if pipeline else 0)
        .exists()
    ):
        errors.add("name", f"There is already a pipeline called {name}.")
    if pipeline is not None and pipeline.is_default and not is_default:
        errors.add(
            "is_default",
            "There must be one default pipeline: make another pipeline the default instead.",
        )
    if is_default and not is_active:
        errors.add("is_active", "The default pipeline cannot be deactivated.")


def _check_stage(
    errors: _Errors, spec: StageSpec, *, existing: dict[int, Stage], deal_counts: dict[int, int]
) -> None:
    name = spec.name.strip()
    label = name or "A stage"
    if not name:
        errors.add("stages", "Every stage needs a name.")
    elif len(name) > STAGE_NAME_MAX:
        errors.add("stages", f"{label[:30]}...: at most 100 characters.")
    if spec.kind not in STAGE_KINDS:
        errors.add("stages", f"{label}: choose open, won or lost.")
    if not 0 <= spec.probability <= 100:
        errors.add("stages", f"{label}: the probability is a percentage from 0 to 100.")
    if spec.rotting_days is not None and not 1 <= spec.rotting_days <= 3650:
        errors.add("stages", f"{label}: rotting days go from 1 to 3650 (or leave it empty).")
    if spec.pk is None:
        return
    if spec.pk not in existing:
        errors.add("stages", f"{label} is not a stage of this pipeline.")
    elif deal_counts.get(spec.pk) and spec.kind != stage_kind(existing[spec.pk]):
        errors.add(
            "stages",
            f"{existing[spec.pk].name} holds deals: move them out before making it "
            f"a {spec.kind} stage.",
        )


def _check_stages(
    errors: _Errors,
    specs: Sequence[StageSpec],
    *,
    existing: dict[int, Stage],
    deal_counts: dict[int, int],
) -> None:
    kept = [s for s in specs if not s.delete]
    names = [s.name.strip().lower() for s in kept if s.name.strip()]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        errors.add("stages", f"Two stages are called {duplicate}.")
    for spec in kept:
        _check_stage(errors, spec, existing=existing, deal_counts=deal_counts)
    kinds = {s.kind for s in kept}
    for kind, message in (
        ("open", "A pipeline needs at least one open stage."),
        ("won", "A pipeline needs a won stage."),
        ("lost", "A pipeline needs a lost stage."),
    ):
        if kind not in kinds:
            errors.add("stages", message)
    staying = {s.pk for s in kept if s.pk is not None}
    for spec in specs:
        count = deal_counts.get(spec.pk, 0) if spec.pk in existing else 0
        if not spec.delete or not count:
            continue
        stage = existing[spec.pk]  # type: ignore[index]
        key = f"move_to_{spec.pk}"
        if spec.move_to is None:
            errors.add(
                key,
                f"{stage.name} holds {count} deal{'s' if count != 1 else ''}: "
                "choose the stage they move to.",
            )
        elif spec.move_to not in staying:
            errors.add(key, f"Choose a stage that stays for the deals of {stage.name}.")
        elif stage_kind(existing[spec.move_to]) != stage_kind(stage):
            errors.add(key, f"The deals of {stage.name} move to another {stage_kind(stage)} stage.")


def _save_stages(
    actor: Any,
    pipeline: Pipeline,
    specs: Sequence[StageSpec],
    *,
    existing: dict[int, Stage],
    deal_counts: dict[int, int],
) -> tuple[bool, list[int]]:
    """Apply the stage rows; returns (whether anything changed, the deleted stage ids)."""
    # Deals of deleted stages move first (history rows and events, like a bulk move).
    for spec in specs:
        if spec.delete and spec.pk in existing and deal_counts.get(spec.pk):
            target = existing[spec.move_to]  # type: ignore[index]
            target.pipeline = pipeline
            _move_rows(actor, Deal.objects.filter(stage_id=spec.pk), target, reason=None)
    deleted = [spec.pk for spec in specs if spec.delete and spec.pk in existing]
    if deleted:
        try:
            Stage.objects.filter(pk__in=deleted).delete()
        except models.ProtectedError as error:
            raise ValidationError(
                {"stages": "Deals arrived in a stage being deleted meanwhile: try again."}
            ) from error
    kept = [s for s in specs if not s.delete]
    # Names are unique per pipeline: park renamed stages on temporary names first.
    renamed = {s.pk for s in kept if s.pk is not None and existing[s.pk].name != s.name.strip()}
    for pk in renamed:
        Stage.objects.filter(pk=pk).update(name=f"~renaming~{pk}")
    changed = bool(deleted)
    for position, spec in enumerate(kept):
        values = {
            "name": spec.name.strip(),
            "position": position,
            "probability": spec.probability,
            "is_won": spec.kind == "won",
            "is_lost": spec.kind == "lost",
            "rotting_days": spec.rotting_days if spec.kind == "open" else None,
        }
        if spec.pk is None:
            Stage.objects.create(pipeline=pipeline, **values)
            changed = True
        elif spec.pk in renamed or any(
            getattr(existing[spec.pk], k) != v for k, v in values.items()
        ):
            Stage.objects.filter(pk=spec.pk).update(**values)
            changed = True
    return changed, deleted  # type: ignore[return-value]


@transaction.atomic
def pipeline_save(
    *,
    actor: Any,
    pipeline: Pipeline | None = None,
    name: str,
    stages: Sequence[StageSpec],
    is_default: bool = False,
    is_active: bool = True,
) -> Pipeline:
    """Create a pipeline (``pipeline`` None) or change one and its stages, in the order of
    ``stages``. Rules: a unique name; at least one open, one won and one lost stage; exactly
    one default pipeline, never deactivated; a stage holding deals keeps its kind, and is
    deleted only after its deals move to a stage of the same kind that stays."""
    creating = pipeline is None
    _require_perm(
        actor,
        "deals.add_pipeline" if creating else "deals.change_pipeline",
        "You may not change pipelines.",
    )
    if pipeline is not None:
        pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    existing = {s.pk: s for s in pipeline.stages.all()} if pipeline else {}
    deal_counts = dict(
        Deal.objects.filter(stage_id__in=existing)
        .order_by()
        .values("stage_id")
        .annotate(n=models.Count("pk"))
        .values_list("stage_id", "n")
    )
    other_default = (
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk if pipeline else 0)
    ).exists()
    if not other_default and not (pipeline is not None and pipeline.is_default):
        is_default = True  # the first pipeline is the default: there is always one
    name = " ".join((name or "").split())
    errors = _Errors()
    _check_pipeline_fields(
        errors, pipeline=pipeline, name=name, is_default=is_default, is_active=is_active
    )
    _check_stages(errors, stages, existing=existing, deal_counts=deal_counts)
    if errors:
        raise ValidationError(dict(errors))

    changed: list[str] = []
    if pipeline is None:
        position = (Pipeline.objects.aggregate(m=Max("position"))["m"] or 0) + 1
        pipeline = Pipeline.objects.create(
            name=name, is_default=is_default, is_active=is_active, position=position
        )
    else:
        for field, value in (("name", name), ("is_default", is_default), ("is_active", is_active)):
            if getattr(pipeline, field) != value:
                setattr(pipeline, field, value)
                changed.append(field)
        if changed:
            pipeline.save(update_fields=changed)
    if is_default:
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    stages_changed, deleted = _save_stages(
        actor, pipeline, stages, existing=existing, deal_counts=deal_counts
    )
    if stages_changed:
        changed.append("stages")
    if creating:
        publish("pipeline.created", actor=actor, payload={"pipeline_id": pipeline.pk})
    elif changed:
        publish(
            "pipeline.updated",
            actor=actor,
            payload={"pipeline_id": pipeline.pk, "changed": changed, "deleted_stages": deleted},
        )
    return pipeline


@transaction.atomic
def pipeline_delete(*, actor: Any, pipeline: Pipeline) -> None:
    """Delete a pipeline that holds no deals and is not the default."""
    _require_perm(actor, "deals.delete_pipeline", "You may not delete pipelines.")
    current = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    if current.is_default:
        raise ValidationError("The default pipeline cannot be deleted: make another the default.")
    if Deal.objects.filter(pipeline=current).exists():
        raise ValidationError(
            f"{current.name} holds deals: deactivate it instead, or move its deals first."
        )
    pk = current.pk
    current.delete()
    publish("pipeline.deleted", actor=actor, payload={"pipeline_id": pk})

"""Record shares: a company, contact, lead or deal shared with a person or a team, to view
or to edit (django-guardian object permissions in each model's direct tables).

A person's share is a ``<Model>UserObjectPermission`` row; a team's is a
``<Model>GroupObjectPermission`` row on the team's ``share_group``, a group with no members
and no permissions of its own: who is on the team is read from ``User.team``, so moving
someone between teams moves their team shares with them at once. ``accounts.policy``
reads both (:func:`accounts.policy.shared_pks`), once per request: a revoked share stops
working on the next request.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from accounts import audit, policy
from accounts.models import AuditEntry, Team, User
from crm.events import publish

SHAREABLE = {
    "company": "contacts.Company",
    "contact": "contacts.Contact",
    "lead": "leads.Lead",
    "deal": "deals.Deal",
}
LEVELS = {"view": "View", "edit": "Edit"}


@dataclass(frozen=True)
class Share:
    who: User | Team
    level: str  # "view" or "edit"
    by: str = ""  # who shared it, as the audit log names them
    at: datetime | None = None  # when (the latest grant or change of level)

    @property
    def is_team(self) -> bool:
        return isinstance(self.who, Team)

    @property
    def key(self) -> str:
        return f"{'team' if self.is_team else 'user'}:{self.who.pk}"

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]


def model_for(kind: str) -> type[models.Model] | None:
    label = SHAREABLE.get(kind)
    return apps.get_model(label) if label else None


def may_share(user: Any, record: models.Model) -> bool:
    """Who shares a record: whoever may change it through their own role and scope (its
    owner, their manager, an admin), not someone it was merely shared with."""
    meta = record._meta
    return policy.in_scope(user, record) and user.has_perm(  # type: ignore[arg-type]
        f"{meta.app_label}.change_{meta.model_name}"
    )


def _codenames(record: models.Model) -> tuple[str, str]:
    name = record._meta.model_name
    return f"view_{name}", f"change_{name}"


def _tables(record: models.Model) -> tuple[Any, Any]:
    model = type(record)
    return policy._share_model(model), policy._share_model(model, team=True)


def shares_of(record: models.Model) -> list[Share]:
    """Everyone the record is shared with: people first, then teams, by name (two queries)."""
    _, change = _codenames(record)
    user_table, team_table = _tables(record)
    found: dict[tuple[str, int], Share] = {}
    rows = user_table.objects.filter(content_object=record).select_related("user", "permission")
    for row in rows:
        level = "edit" if row.permission.codename == change else "view"
        if found.get(("user", row.user_id), Share(row.user, "view")).level != "edit":
            found[("user", row.user_id)] = Share(row.user, level)
    rows = team_table.objects.filter(
        content_object=record, group__shares_team__isnull=False
    ).select_related("group__shares_team", "permission")
    for row in rows:
        level = "edit" if row.permission.codename == change else "view"
        team = row.group.shares_team
        if found.get(("team", team.pk), Share(team, "view")).level != "edit":
            found[("team", team.pk)] = Share(team, level)
    granted = _grants(record)
    shares = [
        dataclasses.replace(share, by=_actor_name(entry), at=entry.at)
        if (entry := granted.get(share.key) or granted.get(_label(share.who)))
        else share
        for share in found.values()
    ]
    return sorted(shares, key=lambda s: (s.is_team, str(s.who).lower()))


def _actor_name(entry: AuditEntry) -> str:
    """The sharer's name as people know it now (the audit row keeps their email)."""
    found = policy.people_names().get(entry.actor_id) if entry.actor_id else None
    return (found[0] if found and found[0] else "") or entry.actor_label


def _label(who: User | Team) -> str:
    return f"{'team ' if isinstance(who, Team) else ''}{who}"


def _key(who: User | Team) -> str:
    return f"{'team' if isinstance(who, Team) else 'user'}:{who.pk}"


def _grants(record: models.Model) -> dict[str, AuditEntry]:
    """The latest ``share.granted`` row per grantee (by key; rows written before keys were
    kept, by name), from the audit log: one query."""
    rows = AuditEntry.objects.filter(
        action="share.granted",
        object_type=record._meta.label_lower,
        object_id=str(record.pk),
    ).order_by("-id")[:200]
    found: dict[str, AuditEntry] = {}
    for entry in rows.only("id", "at", "actor_id", "actor_label", "changes"):
        for name in (entry.changes.get("key"), entry.changes.get("with")):
            if name:
                found.setdefault(str(name), entry)
    return found


def _permission(record: models.Model, level: str) -> Permission:
    view, change = _codenames(record)
    content_type = ContentType.objects.get_for_model(record)
    return Permission.objects.get(
        content_type=content_type, codename=change if level == "edit" else view
    )


def _share_group(team: Team) -> Group:
    """The team's share group, made on first use (locked: two first shares make one)."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.share_group_id is None:
        team.share_group = Group.objects.create(name=f"Shares of team {team.pk}")
        team.save(update_fields=["share_group"])
    return team.share_group  # type: ignore[return-value]


def _check_sharer(actor: User, record: models.Model) -> None:
    if not may_share(actor, record):
        raise PermissionDenied(f"You may not share this {record._meta.verbose_name}.")


@transaction.atomic
def share(actor: User, record: models.Model, *, who: User | Team, level: str) -> Share:
    """Share ``record`` with a person or a team, to view or edit; sharing again changes the
    level (at the same level it changes nothing). Audited as ``share.granted``."""
    _check_sharer(actor, record)
    if level not in LEVELS:
        raise ValidationError({"level": "Choose view or edit."})
    noun = record._meta.verbose_name
    if isinstance(who, User):
        if not who.is_active:
            raise ValidationError({"who": f"{who} is deactivated."})
        owner_id = getattr(record, f"{policy._owner_field(type(record))}_id")
        if who.pk == owner_id:
            raise ValidationError({"who": f"{who} owns this {noun} already."})
    user_table, team_table = _tables(record)
    target: dict[str, Any]
    if isinstance(who, Team):
        target = {"group": _share_group(who)}
        table = team_table
    else:
        target = {"user": who}
        table = user_table
    current = next((s for s in shares_of(record) if s.who == who), None)
    before = current.level if current else None
    if current is not None and before == level:
        return current  # shared so already: nothing changes, nothing to record or tell
    table.objects.filter(content_object=record, **target).delete()
    table.objects.create(content_object=record, permission=_permission(record, level), **target)
    entry = audit.record(
        "share.granted",
        actor=actor,
        obj=record,
        changes={
            "with": _label(who),
            "key": _key(who),
            "level": [before, level] if before else level,
        },
    )
    publish("record.shared", actor=actor, payload={**_payload(record, who), "level": level})
    return Share(who, level, by=_actor_name(entry), at=entry.at)


def _payload(record: models.Model, who: User | Team) -> dict[str, Any]:
    team = isinstance(who, Team)
    return {
        "record_type": record._meta.label_lower,
        "record_id": record.pk,
        "user_id": None if team else who.pk,
        "team_id": who.pk if team else None,
    }


@transaction.atomic
def unshare(actor: User, record: models.Model, *, who: User | Team) -> bool:
    """Take a share away; it stops working on the person's (or team's) next request."""
    _check_sharer(actor, record)
    user_table, team_table = _tables(record)
    if isinstance(who, Team):
        deleted, _ = team_table.objects.filter(
            content_object=record, group__shares_team=who
        ).delete()
    else:
        deleted, _ = user_table.objects.filter(content_object=record, user=who).delete()
    if deleted:
        audit.record(
            "share.revoked",
            actor=actor,
            obj=record,
            changes={"with": _label(who), "key": _key(who)},
        )
        publish("record.unshared", actor=actor, payload=_payload(record, who))
    return bool(deleted)


def parse_who(value: str) -> User | Team | None:
    """``user:<id>`` (an active person) or ``team:<id>``, as the sharing form posts it."""
    kind, _, pk = value.partition(":")
    if not pk.isdigit():
        return None
    if kind == "user":
        return User.objects.active().filter(pk=pk).first()
    if kind == "team":
        return Team.objects.filter(pk=pk).first()
    return None

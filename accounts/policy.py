"""The one visibility policy (DESIGN.md section 5): who may see and change which record.

Every read of companies, contacts, leads, deals, activities and tasks goes through
:func:`visible` (lists, counts, search, exports, dashboards) or :func:`get_visible_or_404`
(record pages), and every write checks :func:`can_change`. A record is visible when

- the user's widest role scope is ``all``; or
- the user owns it; or
- the scope is ``team`` and the record belongs to the user's team; or
- it was shared with the user (a django-guardian object permission, direct foreign-key
  tables per model: ``<Model>UserObjectPermission``).

Anything else answers 404, never 403, so that ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.grants import grants_for
from accounts.models import OwnedRecord, Scope
from accounts.rbac import label_of
from crm import reference

M = TypeVar("M", bound=models.Model)


def scope_for(user: Any, model: Any = None) -> Scope | None:
    """The widest scope among the user's roles on ``model``'s records (a model, an
    instance or a label such as "leads.lead"; None: the roles' default scope); None for
    anonymous or inactive users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Scope.ALL
    found = grants_for(user)
    return found.scope if model is None else found.scope_of(label_of(model))


@cache
def _share_model(model: type[models.Model], *, team: bool = False) -> type[models.Model] | None:
    """The model's direct user-object-permission table (``team``: group-object-permission
    table, whose groups are teams' share groups), if it has one."""
    from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

    base = GroupObjectPermissionBase if team else UserObjectPermissionBase
    for relation in model._meta.related_objects:
        related = relation.related_model
        if isinstance(related, type) and issubclass(related, base):
            return related
    return None


def shared_pks(user: Any, model: type[models.Model], *, edit: bool = False) -> list[Any]:
    """Primary keys of ``model`` rows shared with ``user`` or with the user's team (read
    shares include edit ones). Read once per request and kept on the user object."""
    share_model = _share_model(model)
    if share_model is None or not getattr(user, "is_authenticated", False):
        return []
    cache_key = f"_keel_shares_{model._meta.label_lower}_{edit}"
    cached = getattr(user, cache_key, None)
    if cached is not None:
        return cached
    codenames = [f"change_{model._meta.model_name}"]
    if not edit:
        codenames.append(f"view_{model._meta.model_name}")
    pks = sorted(set(_shared_query(user, model, codenames)))
    setattr(user, cache_key, pks)
    return pks


SHARES_AS_SUBQUERY = 500  # more shares than this: lists filter by a subquery, not a long IN


def _shared_query(user: Any, model: type[models.Model], codenames: list[str]) -> QuerySet[Any]:
    """The ids shared with ``user`` or their team, as one query (a UNION)."""
    share_model = _share_model(model)
    rows = share_model.objects.filter(user=user, permission__codename__in=codenames)  # type: ignore[union-attr]
    found = rows.values_list("content_object_id", flat=True)
    team_model = _share_model(model, team=True)
    if team_model is not None and user.team_id is not None:
        by_team = team_model.objects.filter(  # type: ignore[attr-defined]
            group__shares_team__id=user.team_id, permission__codename__in=codenames
        ).values_list("content_object_id", flat=True)
        found = found.union(by_team)
    return found  # type: ignore[no-any-return]


def _shared_condition(user: Any, model: type[models.Model], pks: list[Any]) -> Q:
    """``pk IN (...)`` of the shared ids; past :data:`SHARES_AS_SUBQUERY` of them the
    database reads them itself (an IN list of thousands of ids is slow to send and plan)."""
    if len(pks) <= SHARES_AS_SUBQUERY:
        return Q(pk__in=pks)
    name = model._meta.model_name
    direct = (
        _share_model(model)
        .objects.filter(  # type: ignore[union-attr]
            user=user, permission__codename__in=[f"change_{name}", f"view_{name}"]
        )
        .values("content_object_id")
    )
    condition = Q(pk__in=direct)
    team_model = _share_model(model, team=True)
    if team_model is not None and user.team_id is not None:
        condition |= Q(
            pk__in=team_model.objects.filter(  # type: ignore[attr-defined]
                group__shares_team__id=user.team_id,
                permission__codename__in=[f"change_{name}", f"view_{name}"],
            ).values("content_object_id")
        )
    return condition


def _owner_field(model: type[models.Model]) -> str:
    return getattr(model, "policy_owner_field", "owner")


def scope_filter(user: Any, model: type[models.Model]) -> Q | None:
    """The ``Q`` restricting ``model`` to what ``user`` sees; None means everything."""
    scope = scope_for(user, model)
    if scope is None:
        return Q(pk__in=[])
    if scope == Scope.ALL:
        return None
    owner = _owner_field(model)
    condition = Q(**{f"{owner}_id": user.pk})
    if scope == Scope.TEAM and user.team_id is not None:
        condition |= Q(team_id=user.team_id)
    shared = shared_pks(user, model)
    if shared:
        condition |= _shared_condition(user, model, shared)
    return condition


def visible(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """``queryset`` narrowed to the rows ``user`` may see."""
    condition = scope_filter(user, queryset.model)
    return queryset if condition is None else queryset.filter(condition)


def get_visible_or_404(queryset: QuerySet[M], user: Any, **lookup: Any) -> M:
    try:
        return visible(queryset, user).get(**lookup)
    except ObjectDoesNotExist as missing:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches.") from missing


def in_scope(user: Any, obj: OwnedRecord) -> bool:
    """Is ``obj`` within ``user``'s own role scope (not counting shares)?"""
    scope = scope_for(user, obj)
    if scope is None:
        return False
    if scope == Scope.ALL:
        return True
    owner_id = getattr(obj, f"{_owner_field(type(obj))}_id")
    if owner_id == user.pk:
        return True
    return scope == Scope.TEAM and user.team_id is not None and obj.team_id == user.team_id


def can_view(user: Any, obj: models.Model) -> bool:
    if not user.has_perm(f"{obj._meta.app_label}.view_{obj._meta.model_name}"):
        return False
    return in_scope(user, obj) or obj.pk in shared_pks(user, type(obj))  # type: ignore[arg-type]


def can_change(user: Any, obj: models.Model) -> bool:
    """May ``user`` edit ``obj``: the model permission plus scope, or an edit share."""
    if in_scope(user, obj) and user.has_perm(  # type: ignore[arg-type]
        f"{obj._meta.app_label}.change_{obj._meta.model_name}"
    ):
        return True
    return obj.pk in shared_pks(user, type(obj), edit=True)


def can_delete(user: Any, obj: models.Model) -> bool:
    return in_scope(user, obj) and user.has_perm(  # type: ignore[arg-type]
        f"{obj._meta.app_label}.delete_{obj._meta.model_name}"
    )


def assignable_users(user: Any, model: Any = None) -> QuerySet[Any]:
    """Whom ``user`` may make the owner of a ``model`` record: self for reps, the team for
    managers, anyone for those who see all of them (the user's scope on ``model``)."""
    from accounts.models import User

    scope = scope_for(user, model)
    active = User.objects.active().order_by("full_name")
    if scope == Scope.ALL:
        return active
    if scope == Scope.TEAM and user.team_id is not None:
        return active.filter(Q(team_id=user.team_id) | Q(pk=user.pk))
    return active.filter(pk=user.pk)


def people_key(team_id: int | None = None) -> str:
    """The ``crm.reference`` key of everyone's or one team's active people."""
    return "people:all" if team_id is None else f"people:team:{team_id}"


def people_choices(team_id: int | None = None) -> list[tuple[str, str]]:
    """Everyone's (or one team's) active people as ``(pk, name)`` choices, by name, from the
    cache (``crm.reference``; :func:`people_changed` drops them when a user or team changes)."""

    def compute() -> list[tuple[str, str]]:
        from accounts.models import User

        people = User.objects.active().order_by("full_name").only("id", "full_name", "email")
        if team_id is not None:
            people = people.filter(team_id=team_id)
        return [(str(person.pk), str(person)) for person in people]

    return reference.value(people_key(team_id), compute)  # type: ignore[no-any-return]


TEAMS = "teams:all"  # crm.reference key: every team as a choice


def team_choices() -> list[tuple[str, str]]:
    """Every team as ``(pk, name)`` choices, by name, from the cache."""

    def compute() -> list[tuple[str, str]]:
        from accounts.models import Team

        return [(str(pk), name) for pk, name in Team.objects.values_list("pk", "name")]

    return reference.value(TEAMS, compute)  # type: ignore[no-any-return]


def assignable_choices(user: Any, model: Any = None) -> list[tuple[str, str]]:
    """:func:`assignable_users` as ``(pk, name)`` choices for a select box, from the cache."""
    scope = scope_for(user, model)
    if scope == Scope.ALL:
        team_id = None
    elif scope == Scope.TEAM and user.team_id is not None:
        team_id = user.team_id
    else:
        return [(str(user.pk), str(user))]
    choices = people_choices(team_id)
    if all(pk != str(user.pk) for pk, _ in choices):  # assignable_users includes oneself
        choices = [*choices, (str(user.pk), str(user))]
    return choices


def people_changed(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """Receiver (user or team saved or deleted): drop the cached people choices."""
    if update_fields and set(update_fields) <= {"last_login"}:
        return  # signing in changes nobody's name, team or status
    from accounts.models import Team

    keys = [people_key(), *(people_key(pk) for pk in Team.objects.values_list("pk", flat=True))]
    reference.forget([*keys, PEOPLE_NAMES, TEAMS])


PEOPLE_NAMES = "people:names"  # crm.reference key: every user's name and email


def people_names() -> dict[int, tuple[str, str]]:
    """Every user's ``(name, email)`` by id, from the cache (:func:`people_changed`)."""
    from accounts.models import User

    def compute() -> dict[int, tuple[str, str]]:
        return {
            pk: (name, email)
            for pk, name, email in User.objects.values_list("pk", "full_name", "email")
        }

    return reference.value(PEOPLE_NAMES, compute)  # type: ignore[no-any-return]


def people_emails() -> dict[str, str]:
    """Every user's email, lower case, by id as text (the choices' keys)."""
    return {str(pk): email.lower() for pk, (_, email) in people_names().items()}


def attach_people(rows: Sequence[Any], *fields: str) -> None:
    """Point each row's ``fields`` (foreign keys to users, e.g. ``owner``) at a user holding
    only a name and an email, from the cached list of people, instead of joining the user
    table into every list query (which cost a tenth of a list page). The users' other
    columns are deferred: reading one loads it."""
    from accounts.models import User

    names = people_names()
    made: dict[int, Any] = {}
    for field in fields:
        descriptor = type(rows[0])._meta.get_field(field) if rows else None
        for row in rows:
            pk = getattr(row, f"{field}_id")
            if pk is None or descriptor is None:
                continue
            person = made.get(pk)
            if person is None:
                name, email = names.get(pk) or _person(pk)
                person = made[pk] = User.from_db(
                    "default", ["id", "full_name", "email"], [pk, name, email]
                )
            descriptor.set_cached_value(row, person)


def _person(pk: int) -> tuple[str, str]:
    """A user the cached list does not hold yet (added a moment ago)."""
    from accounts.models import User

    found = User.objects.filter(pk=pk).values_list("full_name", "email").first()
    return found or ("", "")


def _writable(queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
    model = queryset.model
    edit_shares = shared_pks(user, model, edit=True) if action == "change" else []
    condition = Q(pk__in=edit_shares)
    if user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}"):
        scope = scope_for(user, model)
        if scope == Scope.ALL:
            return queryset
        if scope is not None:
            condition |= Q(**{f"{_owner_field(model)}_id": user.pk})
            if scope == Scope.TEAM and user.team_id is not None:
                condition |= Q(team_id=user.team_id)
    return queryset.filter(condition)


def changeable(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may edit (bulk actions): one SQL condition."""
    return _writable(queryset, user, "change")


def deletable(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may delete."""
    return _writable(queryset, user, "delete")


# ---------------------------------------------------------------- explaining


@dataclass(frozen=True)
class Explanation:
    """Whether a user may see, change and delete a record, and why (for admins)."""

    can_view: bool
    can_change: bool
    can_delete: bool
    reasons: list[str]
    hidden_fields: tuple[str, ...] = ()  # labels of the fields the person's roles hide
    read_only_fields: tuple[str, ...] = ()


def _roles_of(user: Any, label: str) -> list[tuple[str, Scope]]:
    """``(name, scope on the record kind label)`` of each of the user's roles."""
    from accounts.models import Role

    held = Role.objects.filter(group__user=user).order_by("rank", "name")
    return [(role.name, role.scope_of(label)) for role in held]


def explain(user: Any, obj: OwnedRecord) -> Explanation:
    """The answers of :func:`can_view`, :func:`can_change` and :func:`can_delete` for
    ``user`` on ``obj``, with the rule, role, team or share behind each, in plain words."""
    meta = obj._meta
    noun = str(meta.verbose_name)
    view, change, delete = (can_view(user, obj), can_change(user, obj), can_delete(user, obj))
    if not user.is_active:
        return Explanation(False, False, False, [f"{user} is deactivated: no access at all."])
    roles = _roles_of(user, meta.label_lower)
    names = ", ".join(name for name, _ in roles) or "no role"
    reasons = []
    if user.is_superuser:
        reasons.append(f"{user} is a superuser: every permission and every record.")
    elif not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
        reasons.append(f"None of {user}'s roles ({names}) may view {meta.verbose_name_plural}.")
    scope = scope_for(user, obj)
    owner_id = getattr(obj, f"{_owner_field(type(obj))}_id")
    widest = next((name for name, value in roles if value == scope), None)
    plural = meta.verbose_name_plural
    if scope == Scope.ALL and not user.is_superuser:
        reasons.append(f"The role {widest} sees all {plural}.")
    elif owner_id == user.pk:
        reasons.append(f"{user} owns this {noun}.")
    elif scope == Scope.TEAM and user.team_id is not None and obj.team_id == user.team_id:
        reasons.append(
            f"The role {widest} sees its team's {plural}, and this {noun} belongs to {user.team}."
        )
    elif scope == Scope.TEAM:
        reasons.append(
            f"The role {widest} sees its team's {plural}; this {noun} is another team's."
        )
    else:
        reasons.append(
            f"{user}'s roles ({names}) see only their own {plural}; this {noun} is someone else's."
        )
    reason = _share_reason(user, obj)
    if reason:
        reasons.append(reason)
    if view and not change:
        reasons.append(f"{user} may not change it: no edit right on it.")
    if change and not delete:
        reasons.append(
            f"{user} may not delete it: that needs the delete permission and the record "
            "in the role's scope."
        )
    hidden, read_only = _field_labels(user, obj)
    if view:
        reasons += _field_reasons(hidden, read_only)
    return Explanation(view, change, delete, reasons, hidden, read_only)


def _field_reasons(hidden: tuple[str, ...], read_only: tuple[str, ...]) -> list[str]:
    reasons = []
    if hidden:
        reasons.append(f"Their roles hide these fields from them: {', '.join(hidden)}.")
    if read_only:
        reasons.append(f"They may read but not change: {', '.join(read_only)}.")
    return reasons


def _field_labels(user: Any, obj: models.Model) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The labels of the restrictable fields ``user`` may not read, and may only read."""
    from accounts import rbac

    entity = rbac.entity_for(type(obj))
    access = field_access(user, obj)
    if entity is None or not access.restricted:
        return (), ()
    names = entity.field_choices()
    hidden = tuple(label for name, label in names if not access.readable(name))
    frozen = tuple(label for name, label in names if name in access.read_only)
    return hidden, frozen


def _share_reason(user: Any, obj: models.Model) -> str:
    """Which share lets ``user`` in: their own, or their team's; edit before view."""
    model = type(obj)
    if obj.pk not in shared_pks(user, model):
        return ""
    edit = obj.pk in shared_pks(user, model, edit=True)
    level = "edit" if edit else "view"
    codenames = [f"change_{model._meta.model_name}"] + (
        [] if edit else [f"view_{model._meta.model_name}"]
    )
    direct = _share_model(model)
    if (
        direct is not None
        and direct.objects.filter(  # type: ignore[attr-defined]
            user=user, content_object=obj, permission__codename__in=codenames
        ).exists()
    ):
        return f"It is shared with {user} to {level}."
    return f"It is shared with {user.team} to {level}, and {user} is on that team."


# ---------------------------------------------------------------- field levels


class _Flags:
    """``flags.amount`` / ``flags["amount"]`` in templates: True unless the field is in
    ``names`` (fields a record kind does not declare restrictable are always True)."""

    def __init__(self, names: frozenset[str]) -> None:
        self._names = names

    def __getitem__(self, name: str) -> bool:
        return name not in self._names

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        return name not in self._names

    def __contains__(self, name: str) -> bool:
        return name not in self._names


@dataclass(frozen=True)
class FieldAccess:
    """What one user may do with the fields of one record kind: ``hidden`` ones they may
    neither read nor change, ``read_only`` ones they may read only. Companion fields
    (``rbac.Entity.companions``: the currency of an amount) share their field's level."""

    label: str
    hidden: frozenset[str] = frozenset()
    read_only: frozenset[str] = frozenset()

    def readable(self, name: str) -> bool:
        return name not in self.hidden

    def writable(self, name: str) -> bool:
        return name not in self.hidden and name not in self.read_only

    @property
    def read(self) -> _Flags:
        """For templates: ``{% if fields.read.amount %}``."""
        return _Flags(self.hidden)

    @property
    def write(self) -> _Flags:
        return _Flags(self.hidden | self.read_only)

    @property
    def restricted(self) -> bool:
        return bool(self.hidden or self.read_only)


def field_access(user: Any, model: Any) -> FieldAccess:
    """The field levels of ``user`` on ``model``'s records (a model, an instance or a label
    such as "deals.deal"). ``None`` (Keel itself: web forms, jobs) and superusers may do
    everything; a signed-out or deactivated user may read no restrictable field."""
    from accounts import rbac
    from accounts.models import FieldLevel

    label = label_of(model)
    if user is None or getattr(user, "is_superuser", False):
        return FieldAccess(label)
    entity = rbac.entity_for(label)
    if entity is None or not (entity.fields or entity.custom):
        return FieldAccess(label)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        every = {*entity.fields, *(c for name in entity.fields for c in entity.companions_of(name))}
        return FieldAccess(label, hidden=frozenset(every))
    cache_key = f"_keel_fields_{label}"
    found: FieldAccess | None = getattr(user, cache_key, None)
    if found is not None:
        return found
    hidden: set[str] = set()
    read_only: set[str] = set()
    for name, level in grants_for(user).field_levels_of(label).items():
        if not entity.restrictable(name):
            continue  # a field no longer restrictable
        target = hidden if level == FieldLevel.HIDDEN else read_only
        target.update((name, *entity.companions_of(name)))
    found = FieldAccess(label, frozenset(hidden), frozenset(read_only - hidden))
    setattr(user, cache_key, found)
    return found


def hidden_fields(user: Any, model: Any) -> frozenset[str]:
    """The fields of ``model`` that ``user`` may not read (``crm.fields`` asks this)."""
    return field_access(user, model).hidden


def frozen_fields(user: Any, model: Any) -> frozenset[str]:
    """The fields of ``model`` that ``user`` may not change (hidden or read-only)."""
    access = field_access(user, model)
    return access.hidden | access.read_only


def redact(user: Any, model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (a field -> value mapping such as an audit row's changes) without the
    fields ``user`` may not read."""
    hidden = field_access(user, model).hidden
    return {key: value for key, value in values.items() if key not in hidden}


def restrict_form(form: Any, user: Any, model: Any) -> FieldAccess:
    """Apply ``user``'s field levels to ``form``: hidden fields leave the form (a posted
    value is never read), read-only ones are disabled (Django then ignores what is posted
    and keeps the initial value). Returns the levels for the template."""
    access = field_access(user, model)
    model_name = getattr(form, "model_field_name", lambda name: name)
    for form_name in list(form.fields):
        name = model_name(form_name)
        if not access.readable(name):
            del form.fields[form_name]
        elif not access.writable(name):
            form.fields[form_name].disabled = True
            form.fields[form_name].help_text = "Your role may read this field but not change it."
    return access


def refuse_unwritable(
    user: Any, model: Any, values: dict[str, Any], current: models.Model | None = None
) -> None:
    """Raise ValidationError naming each field of ``values`` that ``user`` may not change
    and whose value differs from ``current``'s (a new record: from the field's default).
    Every create and update service calls this, so no way in (form, bulk edit, import,
    API, automation acting for a user) can change a field the user's role freezes."""
    access = field_access(user, model)
    if not access.restricted:
        return
    meta = (current or model)._meta if not isinstance(model, str) else None
    errors = {}
    for name, value in values.items():
        if name == "custom":
            errors.update(_custom_refusals(access, value, current))
            continue
        if access.writable(name):
            continue
        if meta is None:
            raise ValidationError({name: "Your role may not change this field."})
        field: Any = meta.get_field(name)
        before = getattr(current, name) if current is not None else field.get_default()
        if _comparable(value) != _comparable(before):
            errors[name] = f"Your role may not change the {field.verbose_name}."
    if errors:
        raise ValidationError(errors)


def _custom_refusals(
    access: FieldAccess, values: dict[str, Any] | None, current: models.Model | None
) -> dict[str, str]:
    """Refusals for the frozen custom fields whose value in ``values`` differs from the
    record's (a missing key and ``False`` both mean no value)."""
    if values is None:
        return {}
    stored = getattr(current, "custom", None) or {}
    refused = {}
    for name in access.hidden | access.read_only:
        if not name.startswith("custom."):
            continue
        key = name.removeprefix("custom.")
        after, before = values.get(key), stored.get(key)
        if _comparable(None if after is False else after) != _comparable(
            None if before is False else before
        ):
            refused["custom"] = "Your role may not change some of these fields."
    return refused


def _comparable(value: Any) -> Any:
    if value in (None, "", []):
        return None
    if isinstance(value, Decimal):
        return value.normalize()
    return value

"""What the role matrix is made of: the record kinds (entities) roles are granted rights on,
the actions of each, and the settings capabilities admins hand out.

Domain apps register their entities and capabilities in ``AppConfig.ready()``, so this
module (below them) never imports them::

    rbac.register_entity(rbac.Entity("leads.lead", order=30, extra=(("convert", "Convert"),)))
    rbac.register_capability(rbac.Capability(
        "pipelines", "Pipelines and stages", ("deals.view_pipeline", "deals.add_pipeline", ...)))

An action is a Django model permission ``<app_label>.<action>_<model>``; each entity's model
declares ``export_``, ``import_`` and ``bulk_edit_`` permissions in its ``Meta``. A role's
visibility scope is kept per entity (``Role.entity_scopes``; ``Role.record_scope`` is the
default for entities not listed there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

# The columns of the matrix: (action, label). The codename is "<action>_<model name>".
ACTIONS: tuple[tuple[str, str], ...] = (
    ("view", "View"),
    ("add", "Create"),
    ("change", "Edit"),
    ("delete", "Delete"),
    ("export", "Export"),
    ("import", "Import"),
    ("bulk_edit", "Bulk edit"),
)


@dataclass(frozen=True)
class Entity:
    label: str  # "leads.lead"
    order: int = 100
    extra: tuple[tuple[str, str], ...] = ()  # model-specific actions: (("convert", "Convert"),)
    # The fields a role may make read-only or hidden (accounts.policy.field_access). Each is
    # enforced everywhere the record's data leaves Keel; tests/accounts/test_field_levels.py
    # checks every field named here on every way out, so naming one is a promise.
    fields: tuple[str, ...] = ()
    # Fields that go with a restricted one: {"amount": ("currency",)} hides or freezes the
    # currency with the amount.
    companions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The ``CustomField.entity`` whose custom fields are restrictable too, as "custom.<key>"
    # (contacts registers where their names come from: :func:`register_custom_fields`).
    custom: str = ""

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def app_label(self) -> str:
        return self.label.split(".", 1)[0]

    @property
    def model_name(self) -> str:
        return self.label.split(".", 1)[1]

    @property
    def title(self) -> str:
        name = str(self.model._meta.verbose_name_plural)
        return name[:1].upper() + name[1:]

    def actions(self) -> tuple[tuple[str, str], ...]:
        return ACTIONS + self.extra

    def field_label(self, name: str) -> str:
        if name.startswith(CUSTOM_PREFIX):
            key = name.removeprefix(CUSTOM_PREFIX)
            found = dict(_custom_fields(self.custom)) if self.custom and _custom_fields else {}
            return found.get(key, key)
        field: Any = self.model._meta.get_field(name)
        label = str(field.verbose_name)
        return label[:1].upper() + label[1:]

    def field_choices(self) -> list[tuple[str, str]]:
        """``(name, label)`` of each restrictable field, for the roles page: the declared
        fields, then the entity's active custom fields ("custom.<key>")."""
        found = [(name, self.field_label(name)) for name in self.fields]
        if self.custom and _custom_fields is not None:
            found += [(f"custom.{key}", label) for key, label in _custom_fields(self.custom)]
        return found

    def restrictable(self, name: str) -> bool:
        return name in self.fields or bool(self.custom and name.startswith(CUSTOM_PREFIX))

    def companions_of(self, name: str) -> tuple[str, ...]:
        return dict(self.companions).get(name, ())

    def permission(self, action: str) -> str:
        """``app_label.codename`` of ``action`` on this entity."""
        return f"{self.app_label}.{action}_{self.model_name}"


@dataclass(frozen=True)
class Capability:
    """A settings right given as a whole: every permission in ``permissions`` at once."""

    key: str
    label: str
    permissions: tuple[str, ...]  # "app_label.codename"
    description: str = ""
    order: int = 100


_entities: dict[str, Entity] = {}
_capabilities: dict[str, Capability] = {}
CUSTOM_PREFIX = "custom."
# entity -> [(key, label)] of its active custom fields (set by the contacts app).
_custom_fields: Callable[[str], list[tuple[str, str]]] | None = None


def register_custom_fields(source: Callable[[str], list[tuple[str, str]]]) -> None:
    global _custom_fields  # noqa: PLW0603 - set once at start by the contacts app
    _custom_fields = source


def register_entity(entity: Entity) -> None:
    _entities[entity.label.lower()] = entity


def register_capability(capability: Capability) -> None:
    _capabilities[capability.key] = capability


def entities() -> list[Entity]:
    return sorted(_entities.values(), key=lambda e: (e.order, e.label))


def entity_for(model: type[models.Model] | str) -> Entity | None:
    label = model if isinstance(model, str) else model._meta.label_lower
    return _entities.get(label.lower())


def capabilities() -> list[Capability]:
    return sorted(_capabilities.values(), key=lambda c: (c.order, c.label))


def matrix_permissions() -> set[str]:
    """Every permission the roles page can grant or take away."""
    found = {e.permission(action) for e in entities() for action, _ in e.actions()}
    for capability in capabilities():
        found.update(capability.permissions)
    return found


def label_of(model: Any) -> str:
    """``"leads.lead"`` for a model class, an instance or a label."""
    if isinstance(model, str):
        return model.lower()
    return str(model._meta.label_lower)


def record_permissions(model_name: str, plural: str) -> tuple[tuple[str, str], ...]:
    """The matrix's permissions beyond Django's four, for an entity model's ``Meta``."""
    return (
        (f"export_{model_name}", f"Can export {plural}"),
        (f"import_{model_name}", f"Can import {plural}"),
        (f"bulk_edit_{model_name}", f"Can edit {plural} in bulk"),
    )

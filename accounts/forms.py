"""Forms parse and validate; the views hand ``cleaned_data`` to services."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.conf import settings

from accounts import rbac
from accounts.models import FieldLevel, Role, Scope, Team, User
from crm.forms import FastSelect


@cache
def timezone_choices() -> list[tuple[str, list[tuple[str, str]]] | tuple[str, str]]:
    """IANA zones grouped by region for a select box, UTC first."""
    regions: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(zoneinfo.available_timezones()):
        region, _, place = name.partition("/")
        if not place or region in {"Etc", "SystemV", "US", "Brazil", "Canada", "Chile", "Mexico"}:
            continue  # aliases and legacy names
        regions.setdefault(region, []).append((name, name.replace("_", " ")))
    choices: list[tuple[str, list[tuple[str, str]]] | tuple[str, str]] = [
        ("", f"Installation default ({settings.TIME_ZONE})"),
        ("UTC", "UTC"),
    ]
    choices.extend(sorted(regions.items()))
    return choices


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    timezone = forms.ChoiceField(
        label="Time zone",
        required=False,
        choices=timezone_choices,
        widget=FastSelect,
        help_text="Dates and times across Keel are shown in this zone.",
    )
    theme = forms.ChoiceField(label="Theme", choices=User.Theme.choices, widget=forms.RadioSelect)

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())  # "  Riley   Rep " -> "Riley Rep"


class ThemeForm(forms.Form):
    theme = forms.ChoiceField(choices=User.Theme.choices)


class IPRangeForm(forms.Form):
    cidr = forms.CharField(
        label="Network",
        max_length=50,
        help_text="An address (203.0.113.7) or a network (203.0.113.0/24, 2001:db8::/32).",
    )
    role = forms.ModelChoiceField(
        label="Applies to",
        queryset=Role.objects.order_by("rank", "name"),
        required=False,
        empty_label="Everyone",
    )
    note = forms.CharField(
        label="Note", max_length=200, required=False, help_text="e.g. Head office"
    )


# ---------------------------------------------------------------- settings: roles, users, teams


class RoleForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    description = forms.CharField(
        label="Description", max_length=300, required=False, help_text="What the role is for."
    )
    require_two_factor = forms.BooleanField(
        label="Require two-factor authentication",
        required=False,
        help_text="Holders must set up an authenticator app or a passkey before using Keel.",
    )


class RoleCreateForm(RoleForm):
    copy_from = forms.ModelChoiceField(
        label="Start from",
        queryset=Role.objects.order_by("rank", "name"),
        required=False,
        empty_label="Nothing: no rights yet",
        help_text="The new role begins with this role's rights and visibility.",
    )


class RoleMatrixForm(forms.Form):
    """One checkbox per entity right, one visibility select per entity, one checkbox per
    settings capability. Field names: ``<entity label>:<action>``, ``<label>:scope``,
    ``capability:<key>``; each control is named for screen readers ("Leads: Export")."""

    def __init__(
        self, *args: Any, role: Role, held: set[str], editable: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.role = role
        self.rows: list[dict[str, Any]] = []
        for entity in rbac.entities():
            title = entity.title
            cells = {}
            for action, label in entity.actions():
                name = f"{entity.label}:{action}"
                self.fields[name] = forms.BooleanField(
                    label=f"{title}: {label}",
                    required=False,
                    initial=entity.permission(action) in held,
                    widget=forms.CheckboxInput(attrs={"aria-label": f"{title}: {label}"}),
                )
                cells[action] = name
            scope_name = f"{entity.label}:scope"
            self.fields[scope_name] = forms.ChoiceField(
                label=f"{title}: visibility",
                choices=Scope.choices,
                initial=role.scope_of(entity.label),
                widget=forms.Select(attrs={"aria-label": f"{title}: visibility"}),
            )
            self.rows.append({"entity": entity, "cells": cells, "scope": scope_name})
        self.capability_rows: list[dict[str, Any]] = []
        for capability in rbac.capabilities():
            name = f"capability:{capability.key}"
            wanted = set(capability.permissions)
            self.fields[name] = forms.BooleanField(
                label=capability.label,
                required=False,
                initial=wanted <= held,
                help_text=capability.description,
            )
            self.capability_rows.append(
                {"capability": capability, "name": name, "partly": bool(wanted & held)}
            )
        if not editable:  # shown, not changeable: a posted value is ignored for the initial
            for field in self.fields.values():
                field.disabled = True

    def table(self) -> list[dict[str, Any]]:
        """The matrix as the template draws it: per entity, a bound checkbox for each
        standard action (in ``rbac.ACTIONS`` order), its extra actions, its scope select."""
        return [
            {
                "entity": row["entity"],
                "cells": [self[row["cells"][action]] for action, _ in rbac.ACTIONS],
                "extra": [
                    (label, self[row["cells"][action]]) for action, label in row["entity"].extra
                ],
                "scope": self[row["scope"]],
            }
            for row in self.rows
        ]

    def capability_table(self) -> list[dict[str, Any]]:
        return [{**row, "field": self[row["name"]]} for row in self.capability_rows]

    def grants(self) -> set[str]:
        return {
            entity.permission(action)
            for entity in rbac.entities()
            for action, _ in entity.actions()
            if self.cleaned_data.get(f"{entity.label}:{action}")
        }

    def capabilities(self) -> set[str]:
        return {c.key for c in rbac.capabilities() if self.cleaned_data.get(f"capability:{c.key}")}

    def scopes(self) -> dict[str, str]:
        return {e.label: self.cleaned_data[f"{e.label}:scope"] for e in rbac.entities()}


class RoleFieldsForm(forms.Form):
    """One level select (editable, read-only, hidden) per restrictable field, grouped by
    record kind (``rbac.Entity.fields``). Field names ``field:<entity label>:<field>``; each
    select is named for screen readers ("Amount (Deals)").

    ``fixed`` (the Admin role): every field shows as editable and cannot be changed, but
    what is posted is still read, so that a crafted restriction reaches the service and is
    refused rather than ignored. ``editable`` False: shown only."""

    def __init__(
        self, *args: Any, role: Role, editable: bool = True, fixed: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.groups: list[dict[str, Any]] = []
        for entity in rbac.entities():
            choices = entity.field_choices()
            if not choices:
                continue
            rows = []
            for name, label in choices:
                key = f"field:{entity.label}:{name}"
                accessible = f"{label} ({entity.title})"
                field = forms.ChoiceField(
                    label=accessible,
                    choices=FieldLevel.choices,
                    initial=FieldLevel.EDITABLE if fixed else role.field_level(entity.label, name),
                    widget=forms.Select(attrs={"aria-label": accessible}),
                )
                if fixed:  # browsers send nothing for a disabled select: absent is editable
                    field.required = False
                    field.widget.attrs["disabled"] = True
                elif not editable:
                    field.disabled = True
                self.fields[key] = field
                companions = [entity.field_label(c) for c in entity.companions_of(name)]
                rows.append({"name": name, "label": label, "key": key, "with": companions})
            self.groups.append({"entity": entity, "rows": rows})

    def table(self) -> list[dict[str, Any]]:
        """Per record kind, its fields with their bound selects, as the template draws them."""
        return [
            {
                "entity": group["entity"],
                "rows": [{**row, "field": self[row["key"]]} for row in group["rows"]],
            }
            for group in self.groups
        ]

    def field_levels(self) -> dict[str, dict[str, str]]:
        """``{"deals.deal": {"amount": "hidden", ...}}``: every field's posted level."""
        levels: dict[str, dict[str, str]] = {}
        for group in self.groups:
            for row in group["rows"]:
                level = self.cleaned_data.get(row["key"]) or FieldLevel.EDITABLE
                levels.setdefault(group["entity"].label, {})[row["name"]] = str(level)
        return levels


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}: {obj.description}" if obj.description else str(obj.name)


class UserForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="Email", max_length=254, help_text="The sign-in address.")
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.order_by("name"), required=False, empty_label="No team"
    )
    roles = RoleChoiceField(
        label="Roles",
        queryset=Role.objects.select_related("group").order_by("rank", "name"),
        widget=forms.CheckboxSelectMultiple,
        help_text="What the person may do and see: with several roles, the widest rights.",
    )
    is_staff = forms.BooleanField(
        label="May open the Django admin",
        required=False,
        help_text="For operators: the admin still shows only what the person's roles allow.",
    )


class UserCreateForm(UserForm):
    invite = forms.BooleanField(
        label="Email an invitation to choose a password",
        required=False,
        initial=True,
        help_text="Without it, send a password link later from the person's page.",
    )


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=100)
    description = forms.CharField(label="Description", max_length=300, required=False)


class UserFilterForm(forms.Form):
    q = forms.CharField(label="Search people", required=False, max_length=100)
    role = forms.ModelChoiceField(
        label="Role",
        queryset=Role.objects.order_by("rank", "name"),
        required=False,
        empty_label="Any role",
    )
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="Any team",
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Active and deactivated"), ("active", "Active"), ("inactive", "Deactivated")],
    )

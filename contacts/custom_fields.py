"""Custom fields: fields an admin adds to companies, contacts, leads and deals without code.

A :class:`~contacts.models.CustomField` row defines the field; a record keeps its values in
its ``custom`` JSON column under the field's ``key``. Values are stored JSON-ready:

==============  =====================================  =====================
type            stored as                              example
==============  =====================================  =====================
text            string                                 ``"Referral"``
number          JSON number (int when whole)           ``42`` / ``2.5``
money           Decimal string, 2 places               ``"125000.00"``
date            ISO date string                        ``"2026-03-01"``
choice          one of the options                     ``"Gold"``
multi_choice    list of options                        ``["EU", "US"]``
boolean         true / false                           ``true``
url             string (http or https)                 ``"https://x.io"``
==============  =====================================  =====================

An empty value is not stored (the key is absent). Money is in ``CRM_DEFAULT_CURRENCY``.

The API other apps use:

- :func:`definitions` - the active fields of an entity, in order;
- :class:`CustomFieldsFormMixin` - adds one ``cf_<key>`` form field per definition;
  ``form.custom_values()`` returns the dict to store;
- :func:`display_rows` - (label, text) rows for a detail page
  (``templates/components/_custom_fields.html``);
- :func:`display_value`, :func:`csv_value`, :func:`filter_q` - lists and exports;
- :func:`clean_values` - services validate a ``custom`` dict before storing it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection
from django.db.models import Q
from django.utils import formats
from django.utils.text import slugify

from contacts.models import CustomField
from crm import reference

Type = CustomField.Type
ENTITIES = tuple(CustomField.Entity.values)
CHOICE_TYPES = (Type.CHOICE, Type.MULTI_CHOICE)
TEXT_MAX = 1000
CHOICE_MAX = 100
NUMBER_LIMIT = Decimal("1e15")
_CENTS = Decimal("0.01")


# ---------------------------------------------------------------- definitions


def definitions(entity: str, *, include_inactive: bool = False) -> list[CustomField]:
    """The fields of ``entity`` ("company", "contact", "lead", "deal"), in display order."""
    if entity not in ENTITIES:
        raise ValueError(f"Unknown custom-field entity {entity!r}.")
    queryset = CustomField.objects.filter(entity=entity)
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    key = f"custom-fields:{entity}:{'all' if include_inactive else 'active'}"
    return reference.rows(key, queryset.order_by("position", "label", "id"))


def forget_definitions() -> None:
    """Drop the cached definitions (a field was added, changed, reordered or deleted)."""
    keys = [f"custom-fields:{entity}:{which}" for entity in ENTITIES for which in ("all", "active")]
    reference.forget(keys, CustomField)


def key_for_label(label: str, *, entity: str, taken: Iterable[str] | None = None) -> str:
    """A stored key for a new field: the label in snake case, unique within ``entity``."""
    base = slugify(label).replace("-", "_")[:40].strip("_") or "field"
    if base[0].isdigit():
        base = f"f_{base}"
    existing = (
        set(taken)
        if taken is not None
        else set(CustomField.objects.filter(entity=entity).values_list("key", flat=True))
    )
    key, n = base, 2
    while key in existing:
        key = f"{base}_{n}"
        n += 1
    return key


def parse_choices(text: str) -> list[str]:
    """Options typed one per line: trimmed, blank lines dropped, duplicates (any case) once."""
    options: list[str] = []
    seen: set[str] = set()
    for line in (text or "").splitlines():
        option = " ".join(line.split())
        if option and option.lower() not in seen:
            seen.add(option.lower())
            options.append(option)
    return options


def validate_definition(*, field_type: str, choices: list[str]) -> None:
    """Refuse a definition that cannot work (choice types need options)."""
    if field_type not in Type.values:
        raise ValidationError({"field_type": f"Unknown field type {field_type!r}."})
    if field_type in CHOICE_TYPES and not choices:
        raise ValidationError({"choices": "A choice field needs at least one option."})
    too_long = [c for c in choices if len(c) > CHOICE_MAX]
    if too_long:
        raise ValidationError(
            {"choices": f"Options are at most {CHOICE_MAX} characters: {too_long[0][:30]}..."}
        )


# ---------------------------------------------------------------- values


def _number(value: Any, *, money: bool) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError("Enter a number.", code="invalid")
    text = str(value).strip().replace(",", "") if value is not None else ""
    if money:
        text = text.lstrip("$€£¥")
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise ValidationError("Enter a number.", code="invalid") from error
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise ValidationError("Enter a number below a million billion.", code="invalid")
    return number


def _json_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | set) and not value)


def _option(field: CustomField, value: Any) -> str:
    text = str(value).strip()
    for option in field.choices:
        if option == text:
            return option
    for option in field.choices:  # forgiving about case (imports, typed values)
        if option.lower() == text.lower():
            return option
    raise ValidationError(
        "%(value)s is not one of the options of %(label)s.",
        code="invalid_choice",
        params={"value": text, "label": field.label},
    )


def _text(field: CustomField, value: Any) -> str | None:
    text = str(value).strip()
    if len(text) > TEXT_MAX:
        raise ValidationError(f"At most {TEXT_MAX} characters.", code="max_length")
    return text or None


def _date(field: CustomField, value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError as error:
        raise ValidationError("Enter a date as YYYY-MM-DD.", code="invalid") from error


def _multi(field: CustomField, value: Any) -> list[str] | None:
    raw = value if isinstance(value, list | tuple | set) else re.split(r"[;\n]", str(value))
    picked = {_option(field, v) for v in raw if str(v).strip()}
    # Keep the definition's order so stored lists compare equal.
    return [o for o in field.choices if o in picked] or None


def _boolean(field: CustomField, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "on"}:
        return True
    if text in {"0", "false", "no", "n", "off"}:
        return False
    raise ValidationError("Enter yes or no.", code="invalid")


def _url(field: CustomField, value: Any) -> str:
    text = str(value).strip()
    if "://" not in text:
        text = f"https://{text}"
    URLValidator(schemes=["http", "https"], message="Enter a web address such as example.com.")(
        text
    )
    return text


_VALIDATORS: dict[str, Callable[[CustomField, Any], Any]] = {
    Type.TEXT: _text,
    Type.NUMBER: lambda field, value: _json_number(_number(value, money=False)),
    Type.MONEY: lambda field, value: str(
        _number(value, money=True).quantize(_CENTS, rounding=ROUND_HALF_UP)
    ),
    Type.DATE: _date,
    Type.CHOICE: _option,
    Type.MULTI_CHOICE: _multi,
    Type.BOOLEAN: _boolean,
    Type.URL: _url,
}


def validate_value(field: CustomField, value: Any) -> Any:
    """``value`` (a form value, a stored value or text from an import) as stored JSON.

    Returns None for an empty value. Raises ``ValidationError`` with a message that names
    what is wrong.
    """
    if _is_empty(value):
        return None
    validator = _VALIDATORS.get(field.field_type)
    if validator is None:
        raise ValidationError(f"Unknown field type {field.field_type!r}.")
    return validator(field, value)


def with_retired_options(field: CustomField, stored: Any) -> CustomField:
    """``field`` whose options also hold the stored value(s) an admin has since removed, so
    that editing a record keeps a value it already had (a copy; the row is untouched)."""
    if field.field_type not in CHOICE_TYPES or stored in (None, "", []):
        return field
    values = stored if isinstance(stored, list) else [stored]
    retired = [str(v) for v in values if str(v) not in field.choices]
    if not retired:
        return field
    widened = copy.copy(field)
    widened.choices = [*field.choices, *retired]
    return widened


def clean_values(
    entity: str,
    values: Mapping[str, Any] | None,
    *,
    fields: list[CustomField] | None = None,
    existing: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``values`` validated against the definitions of ``entity`` (active or not).

    Empty values are dropped. An unknown key or a bad value raises ``ValidationError``
    naming the field, so a service refuses the whole write. ``existing`` (the record's
    current values) lets a record keep an option an admin has removed since.
    """
    if not values:
        return {}
    existing = existing or {}
    by_key = {f.key: f for f in (fields or definitions(entity, include_inactive=True))}
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, raw in values.items():
        field = by_key.get(key)
        if field is None:
            errors.setdefault("custom", []).append(f"There is no custom field {key!r}.")
            continue
        try:
            value = validate_value(with_retired_options(field, existing.get(key)), raw)
        except ValidationError as error:
            errors.setdefault("custom", []).extend(f"{field.label}: {m}" for m in error.messages)
            continue
        if value is not None:
            cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


# ---------------------------------------------------------------- display


def currency() -> str:
    return settings.CRM_DEFAULT_CURRENCY


def _grouped(number: Decimal, places: int | None) -> str:
    if places is None:
        text = f"{number:,f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{number:,.{places}f}"


def display_value(field: CustomField, value: Any) -> str:
    """``value`` as a person reads it ("125,000.00 USD", "1 Mar 2026", "Yes")."""
    if _is_empty(value):
        return ""
    kind = field.field_type
    text = str(value)
    try:
        if kind == Type.NUMBER:
            text = _grouped(Decimal(str(value)), None)
        elif kind == Type.MONEY:
            text = f"{_grouped(Decimal(str(value)), 2)} {currency()}"
        elif kind == Type.DATE:
            text = formats.date_format(date.fromisoformat(str(value)), "j M Y")
    except (InvalidOperation, ValueError):
        return str(value)
    if kind == Type.BOOLEAN and isinstance(value, bool):
        text = "Yes" if value else "No"
    elif kind == Type.MULTI_CHOICE and isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    return text


def csv_value(field: CustomField, value: Any) -> str:
    """``value`` for a CSV cell: machine-readable (plain numbers, ISO dates, yes/no)."""
    if _is_empty(value):
        return ""
    kind = field.field_type
    if kind == Type.BOOLEAN:
        return "yes" if value is True else "no" if value is False else str(value)
    if kind == Type.MULTI_CHOICE and isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


class DisplayRow(tuple):
    """A ``(label, text)`` pair for a detail page; ``href`` is set for URL fields."""

    href: str

    def __new__(cls, label: str, text: str, *, href: str = "") -> DisplayRow:
        row = super().__new__(cls, (label, text))
        row.href = href
        return row

    @property
    def label(self) -> str:
        return self[0]

    @property
    def text(self) -> str:
        return self[1]


def display_rows(
    entity: str,
    custom: Mapping[str, Any] | None,
    *,
    fields: list[CustomField] | None = None,
    hidden: frozenset[str] = frozenset(),
) -> list[DisplayRow]:
    """(label, text) for each active field of ``entity`` that has a value, in order;
    ``hidden``: field-level names the reader may not see ("custom.<key>" among them)."""
    custom = custom or {}
    rows = []
    for field in fields if fields is not None else definitions(entity):
        if f"custom.{field.key}" in hidden:
            continue
        text = display_value(field, custom.get(field.key))
        if text:
            href = text if field.field_type == Type.URL and _safe_url(text) else ""
            rows.append(DisplayRow(field.label, text, href=href))
    return rows


def _safe_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


# ---------------------------------------------------------------- filtering


def filter_q(field: CustomField, value: Any) -> Q:
    """A ``Q`` for records whose ``field`` matches ``value`` (a filter's raw input).

    Text matches a fragment (any case); multi-choice matches records having that option;
    a "no" boolean also matches records without a value; the other types match exactly.
    Raises ``ValidationError`` for a value the field cannot hold.
    """
    path = f"custom__{field.key}"
    kind = field.field_type
    if kind == Type.TEXT:
        text = str(value).strip()
        return Q(**{f"{path}__icontains": text}) if text else Q()
    if kind == Type.MULTI_CHOICE:
        option = _option(field, value)
        if connection.features.supports_json_field_contains:
            return Q(**{f"{path}__contains": [option]})
        # SQLite: the stored array's JSON text contains the quoted option.
        return Q(**{f"{path}__icontains": json.dumps(option)})
    cleaned = validate_value(field, value)
    if cleaned is None:
        return Q()
    if kind == Type.BOOLEAN and cleaned is False:
        return Q(**{path: False}) | ~Q(custom__has_key=field.key)
    return Q(**{path: cleaned})


# ---------------------------------------------------------------- forms


def form_field(field: CustomField) -> forms.Field:
    """The Django form field that edits ``field``."""
    common: dict[str, Any] = {
        "label": field.label,
        "required": field.required and field.field_type != Type.BOOLEAN,
        "help_text": field.help_text,
    }
    options = [(o, o) for o in field.choices]
    builders: dict[str, Callable[[], forms.Field]] = {
        Type.TEXT: lambda: forms.CharField(max_length=TEXT_MAX, **common),
        Type.NUMBER: lambda: forms.DecimalField(
            max_digits=30,
            decimal_places=10,
            widget=forms.NumberInput(attrs={"step": "any"}),
            **common,
        ),
        Type.MONEY: lambda: forms.DecimalField(
            max_digits=17,
            decimal_places=2,
            widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            **{**common, "help_text": field.help_text or f"In {currency()}."},
        ),
        Type.DATE: lambda: forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}), **common
        ),
        Type.CHOICE: lambda: forms.ChoiceField(choices=[("", "—"), *options], **common),
        Type.MULTI_CHOICE: lambda: forms.MultipleChoiceField(
            choices=options, widget=forms.CheckboxSelectMultiple, **common
        ),
        Type.BOOLEAN: lambda: forms.BooleanField(**common),
        Type.URL: lambda: forms.URLField(max_length=500, assume_scheme="https", **common),
    }
    builder = builders.get(field.field_type)
    if builder is None:
        raise ValueError(f"Unknown custom-field type {field.field_type!r}.")
    return builder()


def form_initial(field: CustomField, value: Any) -> Any:
    """A stored value as the form field's initial value."""
    if value is None:
        return None
    if field.field_type in (Type.NUMBER, Type.MONEY):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    if field.field_type == Type.DATE:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return None
    return value


class CustomFieldsFormMixin:
    """Adds a ``cf_<key>`` field per active custom field of ``custom_entity``.

    ``custom=`` (the record's ``custom`` dict) fills the fields for an edit; leave it out for
    a new record. :meth:`custom_values` returns the dict to store: the edited values, plus
    any values of deactivated fields the record already had (deactivating loses nothing).
    """

    custom_entity: str = ""
    custom_prefix = "cf_"

    def __init__(self, *args: Any, custom: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        all_fields = definitions(self.custom_entity, include_inactive=True)
        self._custom_all = all_fields
        self._custom_fields = [f for f in all_fields if f.is_active]
        self._custom_existing = dict(custom or {})
        for index, definition in enumerate(self._custom_fields):
            stored = self._custom_existing.get(definition.key)
            definition = with_retired_options(definition, stored)  # noqa: PLW2901
            self._custom_fields[index] = definition
            name = self.custom_prefix + definition.key
            self.fields[name] = form_field(definition)  # type: ignore[attr-defined]
            if stored is not None:
                self.initial.setdefault(name, form_initial(definition, stored))  # type: ignore[attr-defined]

    def model_field_name(self, form_name: str) -> str:
        """The field-level name of a form field (``accounts.policy.restrict_form``):
        "custom.<key>" for a custom field's ``cf_<key>``."""
        if form_name.startswith(self.custom_prefix):
            return "custom." + form_name.removeprefix(self.custom_prefix)
        return form_name

    @property
    def custom_definitions(self) -> list[CustomField]:
        return list(self._custom_fields)

    def custom_bound_fields(self) -> list[forms.BoundField]:
        """The custom-field inputs in display order (for templates)."""
        names = [self.custom_prefix + f.key for f in self._custom_fields]
        return [self[name] for name in names if name in self.fields]  # type: ignore[index,attr-defined]

    def custom_values(self) -> dict[str, Any]:
        """The ``custom`` dict to store (call after ``is_valid()``)."""
        data: dict[str, Any] = {}
        inactive = {f.key: f for f in self._custom_all if not f.is_active}
        for key, value in self._custom_existing.items():
            if key in inactive and value not in (None, "", []):
                data[key] = value
        cleaned = self.cleaned_data  # type: ignore[attr-defined]
        for definition in self._custom_fields:
            name = self.custom_prefix + definition.key
            if name not in self.fields:  # type: ignore[attr-defined]
                # Hidden from the user by their role (restrict_form): keep what is stored.
                if self._custom_existing.get(definition.key) not in (None, "", []):
                    data[definition.key] = self._custom_existing[definition.key]
                continue
            raw = cleaned.get(name)
            if definition.field_type == Type.BOOLEAN:
                data[definition.key] = bool(raw)
                continue
            value = validate_value(definition, raw)
            if value is not None:
                data[definition.key] = value
        return data

"""Pieces the record lists share: owner/tag filters, custom-field columns, bulk actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from accounts import policy
from accounts.models import User
from contacts import custom_fields
from contacts.models import CustomField, Tag
from crm import reference
from crm.lists import BulkAction, Column, Filter


def _memo(user: Any, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per request (the user object lives as long as the request)."""
    attribute = f"_keel_listing_{key}"
    if not hasattr(user, attribute):
        setattr(user, attribute, compute())
    return getattr(user, attribute)


def owner_choices(model: str) -> Callable[[Any], list[tuple[str, str]]]:
    """People whose ``model`` records ("leads.lead") the viewer may filter by or assign to:
    self, the team, or everyone (the viewer's scope on that record kind)."""
    return lambda user: policy.assignable_choices(user, model)


def _definitions(entity: str) -> list[CustomField]:
    return custom_fields.definitions(entity)


def owner_filter(model: str) -> Filter:
    return Filter(
        key="owner",
        label="Owner",
        kind="user",
        choices=owner_choices(model),
        apply=lambda qs, value: qs.filter(owner_id=value),
    )


TAG_CHOICES = "tag-choices"  # crm.reference key, dropped when a tag changes


def tag_choices(user: Any) -> list[tuple[str, str]]:
    return reference.value(
        TAG_CHOICES,
        lambda: [(str(pk), name) for pk, name in Tag.objects.values_list("pk", "name")],
    )


def tag_filter() -> Filter:
    return Filter(
        key="tag",
        label="Tag",
        kind="choice",
        choices=tag_choices,
        apply=lambda qs, value: qs.filter(tags__id=int(value)),
    )


def search_text(queryset: models.QuerySet[Any], q: str) -> models.QuerySet[Any]:
    """Rows containing every word of ``q``: the global search's rule, so a list opened from
    "See all N" shows the same rows (indexed by the trigram index on PostgreSQL)."""
    from crm.search import matching, terms_of

    return matching(queryset, terms_of(q))


def owner_column(default: bool = True) -> Column:
    return Column(
        "owner",
        "Owner",
        lambda r: r.owner,
        kind="user",
        sort=("owner__full_name",),
        default=default,
        csv=lambda r: r.owner.email if r.owner else "",
    )


def tags_column(default: bool = False) -> Column:
    return Column(
        "tags",
        "Tags",
        lambda r: list(r.tags.all()),
        kind="tags",
        default=default,
        csv=lambda r: ", ".join(t.name for t in r.tags.all()),
        prefetch=("tags",),
    )


def _custom_display(field: CustomField) -> Callable[[Any], Any]:
    def value(row: Any) -> Any:
        raw = (row.custom or {}).get(field.key)
        if raw in (None, "", []):
            return None

        return custom_fields.display_value(field, raw)

    return value


def _custom_csv(field: CustomField) -> Callable[[Any], Any]:

    return lambda row: custom_fields.csv_value(field, (row.custom or {}).get(field.key))


def custom_columns(entity: str, user: Any = None) -> list[Column]:
    """One column per active custom field of ``entity`` (shown if the admin said so)."""
    fields = (
        _memo(user, f"cf_{entity}", lambda: _definitions(entity)) if user else _definitions(entity)
    )
    return [
        Column(
            f"cf_{f.key}",
            f.label,
            _custom_display(f),
            default=f.show_in_list,
            csv=_custom_csv(f),
            reveals=(f"custom.{f.key}",),
        )
        for f in fields
    ]


FILTERABLE = (CustomField.Type.CHOICE, CustomField.Type.MULTI_CHOICE, CustomField.Type.BOOLEAN)


def custom_filters(entity: str, user: Any = None) -> list[Filter]:
    """Filters for the choice, multi-choice and yes/no custom fields of ``entity``."""

    if user is not None:
        fields = _memo(user, f"cf_{entity}", lambda: _definitions(entity))
    else:
        fields = _definitions(entity)
    filters = []
    for field in (f for f in fields if f.field_type in FILTERABLE):
        filters.append(
            Filter(
                key=f"cf_{field.key}",
                label=field.label,
                kind="boolean" if field.field_type == CustomField.Type.BOOLEAN else "choice",
                choices=None
                if field.field_type == CustomField.Type.BOOLEAN
                else (lambda user, options=field.choices: [(o, o) for o in options]),
                apply=lambda qs, value, field=field: qs.filter(
                    custom_fields.filter_q(
                        field, "yes" if value is True else "no" if value is False else value
                    )
                ),
                reveals=(f"custom.{field.key}",),
            )
        )
    return filters


def tag_named(name: str) -> Tag:
    """The tag called ``name`` (any case), created when new."""
    tag = Tag.objects.filter(name__iexact=name).first()
    return tag or Tag.objects.create(name=name)


def assign_action(
    run: Callable[..., int], permission: str, param: str, *, model: str
) -> BulkAction:
    """``run(actor=, <param>=queryset, owner=User)``, e.g. ``lead_bulk_assign``; ``model``
    is the record kind ("leads.lead") whose assignable people are offered."""
    return BulkAction(
        key="assign",
        label="Assign owner",
        run=lambda *, actor, queryset, value: run(
            actor=actor, **{param: queryset}, owner=User.objects.get(pk=value)
        ),
        permission=permission,
        value_kind="user",
        value_label="new owner",
        choices=owner_choices(model),
        done="{count} assigned.",
    )


def tag_action(run: Callable[..., int], permission: str, param: str) -> BulkAction:
    return BulkAction(
        key="tag",
        label="Add tag",
        run=lambda *, actor, queryset, value: run(
            actor=actor, **{param: queryset}, tag=tag_named(value)
        ),
        permission=permission,
        value_kind="tag",
        value_label="tag",
        done="Tag added to {count}.",
    )


def delete_action(run: Callable[..., int], permission: str, param: str) -> BulkAction:
    return BulkAction(
        key="delete",
        label="Delete",
        run=lambda *, actor, queryset, value: run(actor=actor, **{param: queryset}),
        permission=permission,
        destructive=True,
        done="{count} deleted.",
    )


def attach_owners(rows: list[Any]) -> None:
    """``ListSpec.prepare`` of the record lists: owners from the cached people list."""
    policy.attach_people(rows, "owner")

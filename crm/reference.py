"""Small reference data read on every page, kept in the cache until it changes.

Custom-field definitions, the tag list, whom a list may be filtered by, a user's saved
views: a handful of rows that nearly every list or record page reads and that change a few
times a day. Each read was a query (a few hundred microseconds of Python and PostgreSQL);
from the cache it is one Redis round trip. Whoever changes the rows calls :func:`forget`
(from a ``post_save``/``post_delete`` receiver, and after a ``bulk_update``), which drops the
entry now and again when the transaction commits, so a request that read the old rows in
between cannot keep them. Entries also expire after :data:`TIMEOUT` as a backstop for
writes that bypass the ORM's signals.

Rows are cached as plain values and rebuilt with ``Model.from_db``; the key carries a
fingerprint of the model's columns, so a deploy that changes the model never reads rows
cached by the previous version. When Redis is unreachable the cache misses and the rows
are read from the database (``crm.cache.ResilientRedisCache``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import cache as memoize
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import models, transaction

TIMEOUT = 600  # seconds

M = TypeVar("M", bound=models.Model)


@memoize
def _fingerprint(model: type[models.Model]) -> str:
    columns = ",".join(f.attname for f in model._meta.concrete_fields)
    return hashlib.sha1(columns.encode(), usedforsecurity=False).hexdigest()[:8]


def _key(key: str, model: type[models.Model] | None) -> str:
    return f"ref:{key}:{_fingerprint(model)}" if model is not None else f"ref:{key}"


def rows(key: str, queryset: models.QuerySet[M]) -> list[M]:
    """The rows of ``queryset``, from the cache when present (``key`` names the query)."""
    model = queryset.model
    names = [f.attname for f in model._meta.concrete_fields]
    full_key = _key(key, model)
    values = cache.get(full_key)
    if values is None:
        values = list(queryset.values_list(*names))
        cache.set(full_key, values, TIMEOUT)
    return [model.from_db(queryset.db, names, row) for row in values]


def value(key: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` (plain, picklable data), from the cache when present."""
    full_key = _key(key, None)
    found = cache.get(full_key)
    if found is None:
        found = compute()
        cache.set(full_key, found, TIMEOUT)
    return found


def forget(keys: Iterable[str], model: type[models.Model] | None = None) -> None:
    """Drop the entries ``keys`` (as given to :func:`rows` with ``model``, or to
    :func:`value` without), now and once the current transaction commits."""
    full_keys = [_key(key, model) for key in keys]
    cache.delete_many(full_keys)
    transaction.on_commit(lambda: cache.delete_many(full_keys))

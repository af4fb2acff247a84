"""Demo data: each app registers a seeder; ``manage.py seed_demo`` runs them in order.

A seeder is idempotent (a second run changes nothing) and returns lines to print.

``manage.py seed_demo --scale N`` builds the large dataset the benchmarks run on (at N=1:
1,000,000 leads, 200,000 contacts, 50,000 companies, 200,000 deals, 1,000,000 activities;
docs/benchmarks.md). Its seeders live in each app's ``scale.py``, which registers them with
:func:`register_scale` when :func:`seed_scale` imports it (``autodiscover_modules``), so the
kernel never imports a domain app. They run in order inside one transaction and write
through :class:`ScaleRun`, which loads rows with PostgreSQL's ``COPY`` (``bulk_create`` on
SQLite) and, for big loads on PostgreSQL, drops a table's secondary indexes and foreign
keys first and recreates them, exactly as they were, at the end.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from crm import events

Seeder = Callable[[], list[str]]


@dataclass(frozen=True)
class _Entry:
    order: int
    seeder: Any


_seeders: dict[str, _Entry] = {}
_scale_seeders: dict[str, _Entry] = {}


def register(seeder: Seeder, *, order: int = 100) -> None:
    _seeders[f"{seeder.__module__}.{seeder.__qualname__}"] = _Entry(order, seeder)


def seeders() -> list[Seeder]:
    return [entry.seeder for entry in sorted(_seeders.values(), key=lambda e: e.order)]


# ---------------------------------------------------------------- --scale

ScaleSeeder = Callable[["ScaleRun"], list[str]]

SCALE_EVENT = "demo.scale_seeded"
MIN_SCALE = 0.0001  # every table still gets a few rows
MAX_SCALE = 10.0  # the seeders keep some of each table's ids in memory
HISTORY_DAYS = 730  # records are spread over the last two years
INDEX_THRESHOLD = 50_000  # rows: from here a PostgreSQL load drops and rebuilds indexes
CHUNK = 5_000  # model instances per bulk_create call (SQLite)

events.describe(SCALE_EVENT, "Scale demo data loaded")


class ScaleRefusedError(Exception):
    """The scale seed cannot run on this database; the message says why."""


def register_scale(seeder: ScaleSeeder, *, order: int = 100) -> None:
    """Add an app's part of the scale dataset (called from the app's ``scale`` module)."""
    _scale_seeders[f"{seeder.__module__}.{seeder.__qualname__}"] = _Entry(order, seeder)


def scale_seeders() -> list[ScaleSeeder]:
    autodiscover_modules("scale")
    return [entry.seeder for entry in sorted(_scale_seeders.values(), key=lambda e: e.order)]


def check_scale(value: Any) -> float:
    """``value`` as a scale factor, or ValueError with a message a person can act on."""
    try:
        scale = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"--scale must be a number, not {value!r}.") from None
    if not math.isfinite(scale) or not MIN_SCALE <= scale <= MAX_SCALE:
        raise ValueError(
            f"--scale must be between {MIN_SCALE:g} and {MAX_SCALE:g} "
            f"(1 means 1,000,000 leads), not {value}."
        )
    return scale


def present_scale() -> float | None:
    """The scale of the dataset already loaded into this database, if any."""
    from crm.models import Event

    marker = Event.objects.filter(type=SCALE_EVENT).order_by("-id").first()
    return None if marker is None else float(marker.payload.get("scale", 0))


@dataclass
class _Saved:
    """A table's secondary indexes and foreign keys, dropped for a load."""

    table: str
    indexes: list[str]  # CREATE INDEX statements
    foreign_keys: list[tuple[str, str]]  # (name, definition)


@dataclass
class ScaleRun:
    """What the scale seeders share: the factor, the clock, random numbers and the loader.

    ``shared`` carries what one seeder hands to a later one (ids, owners, timestamps),
    under the app's label; the types are defined by the app that fills them.
    """

    scale: float
    seed: int = 20_240_101
    now: datetime = field(default_factory=timezone.now)
    index_threshold: int = INDEX_THRESHOLD
    out: Callable[[str], None] = print
    shared: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    _saved: dict[str, _Saved] = field(default_factory=dict)
    _explicit_ids: list[type[models.Model]] = field(default_factory=list)

    @property
    def postgres(self) -> bool:
        return connection.vendor == "postgresql"

    def count(self, at_one: int) -> int:
        """How many rows a table gets: ``at_one`` is its size at scale 1."""
        return max(1, round(at_one * self.scale))

    def rng(self, name: str) -> random.Random:
        """A random generator of its own for each part, so parts do not shift each other."""
        return random.Random(f"{self.seed}:{self.scale}:{name}")  # noqa: S311 - not secrets

    def next_id(self, model: type[models.Model]) -> int:
        """The first free primary key: seeders number their rows themselves from here."""
        if model not in self._explicit_ids:
            self._explicit_ids.append(model)
        return (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1

    def spread(self, rng: random.Random, n: int, *, growth: float = 1.3) -> list[float]:
        """``n`` increasing times (epoch seconds) over the last two years, denser towards
        now, as records arrive at a business that grows. Row ``i`` gets the ``i``-th, so ids
        follow time as they do for records created one by one."""
        end = self.now.timestamp()
        span = HISTORY_DAYS * 86_400
        return [end - span * (1 - (i + rng.random()) / n) ** growth for i in range(n)]

    @staticmethod
    def when(epoch: float) -> datetime:
        return datetime.fromtimestamp(epoch, UTC)

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        self.out(f"  {label} ({time.perf_counter() - began:.1f} s)")

    def insert(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        expected: int,
    ) -> int:
        """Load ``rows`` (tuples in the order of ``columns``, attribute names such as
        ``owner_id``) into ``model``'s table; ``expected`` is about how many there are.
        Returns how many were written."""
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields or fields[c].generated]
        if unknown:
            raise ValueError(f"{model.__name__} has no writable columns {unknown}")
        if not self.postgres:
            written = self._bulk_create(model, columns, rows)
        else:
            if expected >= self.index_threshold:
                self._drop_for_load(model)
            # COPY leaves out columns with NULL, not the model's default: fill in the
            # defaults of the other required columns (a field added since this was written).
            extra = [
                f
                for f in model._meta.concrete_fields
                if f.attname not in columns and not f.null and not f.primary_key and not f.generated
            ]
            if extra:
                defaults = tuple(f.get_default() for f in extra)
                rows = (tuple(row) + defaults for row in rows)
            written = self._copy(model, [*(fields[c] for c in columns), *extra], rows)
        label = model._meta.label_lower
        self.counts[label] = self.counts.get(label, 0) + written
        return written

    def _bulk_create(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        written = 0
        batch: list[models.Model] = []
        for row in rows:
            batch.append(model(**dict(zip(columns, row, strict=True))))
            if len(batch) == CHUNK:
                model._default_manager.bulk_create(batch)
                written += len(batch)
                batch = []
        if batch:
            model._default_manager.bulk_create(batch)
            written += len(batch)
        return written

    def _copy(
        self, model: type[models.Model], fields: list[models.Field], rows: Iterable[Sequence[Any]]
    ) -> int:
        from psycopg.types.json import Jsonb

        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in fields)
        json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        written = 0
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                if json_at:
                    values = list(row)
                    for i in json_at:
                        values[i] = Jsonb(values[i])
                    copy.write_row(values)
                else:
                    copy.write_row(row)
                written += 1
        return written

    def _drop_for_load(self, model: type[models.Model]) -> None:
        """Drop the table's secondary indexes and foreign keys until :meth:`finish`.

        Building an index once over a full table is several times faster than keeping it up
        to date row by row, and re-adding a foreign key checks every row with one join
        instead of one deferred trigger per row. Primary keys, unique and check constraints
        stay. DDL is transactional in PostgreSQL: if the seed fails, all comes back.
        """
        table = model._meta.db_table
        if table in self._saved:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT c.relname, pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                  AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint k
                    WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
                ORDER BY c.relname
                """,
                [table],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [table],
            )
            foreign_keys = cursor.fetchall()
            # Dropping a foreign key alters the table it points to, which PostgreSQL refuses
            # while deferred checks of earlier rows are pending there: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            quote = connection.ops.quote_name
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
            for name, _ in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        self._saved[table] = _Saved(
            table, [definition for _, definition in indexes], list(foreign_keys)
        )

    def sql(self, statement: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it touched."""
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.rowcount

    def finish(self) -> None:
        """Rebuild what :meth:`insert` dropped and move the id sequences past the new rows."""
        if self.postgres and self._saved:
            with self.step(f"rebuilt the indexes and foreign keys of {len(self._saved)} tables"):
                self.sql("SET LOCAL maintenance_work_mem = '512MB'")
                quote = connection.ops.quote_name
                for saved in self._saved.values():
                    for definition in saved.indexes:
                        self.sql(definition)
                    for name, definition in saved.foreign_keys:
                        self.sql(
                            f"ALTER TABLE {quote(saved.table)} "
                            f"ADD CONSTRAINT {quote(name)} {definition}"
                        )
                self._saved.clear()
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), self._explicit_ids):
                cursor.execute(statement)

    def analyze(self) -> None:
        """Fresh planner statistics (and, outside a transaction, the visibility map that
        index-only scans need: VACUUM cannot run inside one)."""
        tables = sorted({model._meta.db_table for model in self._loaded_models()})
        quote = connection.ops.quote_name
        command = "ANALYZE"
        if self.postgres and not connection.in_atomic_block:
            command = "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {quote(table)}")

    def _loaded_models(self) -> list[type[models.Model]]:
        from django.apps import apps

        return [apps.get_model(label) for label in self.counts]


def seed_scale(
    scale: float,
    *,
    out: Callable[[str], None] = print,
    index_threshold: int = INDEX_THRESHOLD,
) -> list[str]:
    """Load the scale dataset for ``scale`` unless this database already holds it.

    Raises ScaleRefusedError when it holds a dataset of another scale. Returns the summary lines.
    """
    scale = check_scale(scale)
    present = present_scale()
    if present is not None:
        if math.isclose(present, scale):
            return [f"The scale {scale:g} dataset is already loaded: nothing to do."]
        raise ScaleRefusedError(
            f"This database already holds the scale {present:g} dataset. Load scale "
            f"{scale:g} into a fresh database (or drop this one first)."
        )
    run = ScaleRun(scale=scale, out=out, index_threshold=index_threshold)
    began = time.perf_counter()
    lines: list[str] = []
    out(f"Loading the scale {scale:g} dataset ({'COPY' if run.postgres else 'bulk_create'}):")
    with transaction.atomic():
        if run.postgres:
            run.sql("SET LOCAL synchronous_commit = off")
            run.sql("SET LOCAL work_mem = '256MB'")
        for seeder in scale_seeders():
            lines.extend(seeder(run))
        run.finish()
        events.publish(
            SCALE_EVENT,
            payload={"scale": scale, "counts": run.counts, "seed": run.seed},
        )
    with run.step("analyzed the tables"):
        run.analyze()
    total = sum(run.counts.values())
    minutes, seconds = divmod(time.perf_counter() - began, 60)
    return [
        f"Loaded {total:,} rows in {int(minutes)} min {seconds:.0f} s:",
        *(f"  {label:<32} {count:>12,}" for label, count in sorted(run.counts.items())),
        *lines,
    ]

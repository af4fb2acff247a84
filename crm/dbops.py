"""Migration helpers for SQL that only PostgreSQL understands (SQLite skips it)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def postgres_sql(sql: str, reverse_sql: str = "") -> migrations.RunPython:
    """A migration operation running ``sql`` on PostgreSQL and nothing elsewhere."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    def backwards(apps: Any, schema_editor: Any) -> None:
        if reverse_sql and schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(reverse_sql)

    return migrations.RunPython(forwards, backwards, elidable=False)


def trigram_index(table: str, column: str, name: str) -> migrations.RunPython:
    """A GIN trigram index for ``LIKE '%fragment%'`` searches (the pg_trgm extension)."""
    return postgres_sql(
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops);",
        f"DROP INDEX IF EXISTS {name};",
    )

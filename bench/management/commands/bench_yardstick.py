"""Fill the yardstick table once; later runs find it full and return at once."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from bench.models import Yardstick
from bench.yardstick import NAME_PREFIX, ROWS

# One statement generates every row in the server: about 10 s for a million, where ORM
# bulk inserts would take minutes. Row n is n minutes after the start, so the table's
# physical order follows created_at, as it does for records that arrive over time.
FILL_SQL = """
    INSERT INTO {table} (name, created_at, score)
    SELECT %s || n,
           timestamptz '2024-01-01 00:00:00+00' + n * interval '1 minute',
           mod(n::bigint * 7919, 1000)
    FROM generate_series(1, %s) AS n
"""


class Command(BaseCommand):
    help = f"Fill the benchmark's yardstick table with {ROWS:,} rows unless it holds them."

    def handle(self, *args: Any, **options: Any) -> None:
        present = Yardstick.objects.count()
        if present == ROWS:
            self.stdout.write(f"{present:,} rows present")
            return
        self.fill()
        self.stdout.write(f"{ROWS:,} rows written (found {present:,})")

    @transaction.atomic
    def fill(self) -> None:
        table = connection.ops.quote_name(Yardstick._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table} RESTART IDENTITY")
            cursor.execute(FILL_SQL.format(table=table), [NAME_PREFIX, ROWS])
            cursor.execute(f"ANALYZE {table}")

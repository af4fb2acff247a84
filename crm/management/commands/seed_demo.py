"""Fill the database with demo data. Idempotent: a second run adds nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm import demo


class Command(BaseCommand):
    help = "Create the demo company, its people and its records (never on a production install)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though DEBUG is off (a staging or benchmark database).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like a production install, and demo users with a "
                "published password must never exist there. Pass --force on a throwaway database."
            )
        for seeder in demo.seeders():
            for line in seeder():
                self.stdout.write(line)

"""Fill the database with demo data. Idempotent: a second run adds nothing.

``--scale N`` loads the large benchmark dataset instead (``crm.demo.seed_scale``): at N=1
1,000,000 leads, 200,000 contacts, 50,000 companies, 200,000 deals and 1,000,000
activities over 50 users in 5 teams (docs/benchmarks.md).
"""

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
        parser.add_argument(
            "--scale",
            metavar="N",
            help="Load the large dataset instead: N=1 is 1,000,000 leads, 200,000 contacts, "
            "50,000 companies, 200,000 deals, 1,000,000 activities; N=0.01 is 1%% of that. "
            f"Between {demo.MIN_SCALE:g} and {demo.MAX_SCALE:g}. Fast on PostgreSQL (COPY).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like a production install, and demo users with a "
                "published password must never exist there. Pass --force on a throwaway database."
            )
        if options["scale"] is not None:
            self.seed_scale(options["scale"])
            return
        for seeder in demo.seeders():
            for line in seeder():
                self.stdout.write(line)

    def seed_scale(self, raw: str) -> None:
        try:
            scale = demo.check_scale(raw)
        except ValueError as error:
            raise CommandError(str(error)) from error

        def out(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            lines = demo.seed_scale(scale, out=out)
        except demo.ScaleRefusedError as refused:
            raise CommandError(str(refused)) from refused
        for line in lines:
            self.stdout.write(line)

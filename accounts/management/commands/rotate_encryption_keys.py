"""Re-encrypt every encrypted column with the first key of ``CRM_ENCRYPTION_KEYS``.

``manage.py rotate_encryption_keys [--batch N] [--field app_label.Model.field]``: rows are
read and rewritten ``--batch`` at a time, each batch in its own transaction, and rows already
under the first key are left alone, so the command can be stopped and run again.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import encryption


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the first key of CRM_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="Rows per transaction.")
        parser.add_argument(
            "--field",
            action="append",
            default=[],
            help="Only this column (app_label.Model.field); may be given more than once.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        known = {entry.label for entry in encryption.registered()}
        unknown = sorted(set(options["field"]) - known)
        if unknown:
            raise CommandError(
                f"Not an encrypted column: {', '.join(unknown)}. Known: {', '.join(sorted(known))}."
            )
        if encryption.keys_are_derived():
            self.stdout.write(
                "CRM_ENCRYPTION_KEYS is unset: the key derived from SECRET_KEY is used."
            )
        try:
            reports = encryption.rotate_all(batch=options["batch"], only=options["field"])
        except encryption.DecryptionError as error:
            raise CommandError(str(error)) from error
        total = 0
        for report in reports:
            total += report.rotated
            self.stdout.write(
                f"{report.label}: {report.rotated:,} re-encrypted, "
                f"{report.current:,} already under the current key."
            )
        self.stdout.write(self.style.SUCCESS(f"Done: {total:,} value(s) re-encrypted."))

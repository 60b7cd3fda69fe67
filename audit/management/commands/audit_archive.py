import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError

from audit import archive


def date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        # argparse turns this into a one-line usage error.
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from error


class Command(BaseCommand):
    help = (
        "Move audit records older than --before (YYYY-MM-DD) to FILE (JSON lines with their "
        "hashes, created 0600, never overwritten) and remove them from the database in one "
        "transaction; the chain left verifies from the last archived record. Refuses a date "
        "inside the retention period (AUDIT_RETENTION_DAYS, at least 180 days)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, type=date, help="YYYY-MM-DD")
        parser.add_argument("-o", "--output", required=True, metavar="FILE")

    def handle(self, *args, **options):
        try:
            count = archive.archive(options["before"], options["output"])
        except archive.ArchiveRefused as error:
            raise CommandError(str(error)) from error
        except FileExistsError as error:
            raise CommandError(f"{options['output']} exists: choose a new file.") from error
        if not count:
            self.stdout.write(
                f"No audit records before {options['before']:%Y-%m-%d}: nothing archived, "
                "no file written."
            )
            return
        self.stdout.write(f"Archived {count} audit records to {options['output']}.")

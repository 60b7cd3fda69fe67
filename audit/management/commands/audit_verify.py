from django.core.management.base import BaseCommand, CommandError

from audit import archive, log


class Command(BaseCommand):
    help = (
        "Check the security audit log's hash chain, record by record, in order: each record's "
        "hash and its link to the one before. Prints the count and OK; on a break exits "
        "non-zero and names the first broken record (its id and time). --archive FILE checks "
        "a file written by audit_archive instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--archive", metavar="FILE", help="check an archive file")

    def handle(self, *args, **options):
        if options["archive"]:
            try:
                count, broken = archive.verify_file(options["archive"])
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read {options['archive']}: {error}") from error
        else:
            count, broken = log.verify()
        if broken:
            raise CommandError(
                f"Audit chain broken at {broken}. {count} records before it verified."
            )
        self.stdout.write(f"{count} audit records verified: OK.")

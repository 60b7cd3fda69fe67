from django.core.management.base import BaseCommand, CommandError

from audit.log import workbook_loaded
from indicators.periods import command_report
from indicators.setup import load_report_file, report_setup_bytes
from indicators.xlsx import command_file


class Command(BaseCommand):
    help = (
        "Set up a report's sections, departments and targets from a workbook (layout: the "
        "workbook's 说明 sheet, or indicators/setup.py). Loading the same file twice changes "
        "nothing; a workbook with any problem is refused whole. --template writes a blank one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="the .xlsx workbook to load (or to write, with --template)"
        )
        parser.add_argument(
            "--template",
            action="store_true",
            help="write a blank set-up workbook to FILE instead of loading it",
        )
        parser.add_argument(
            "--from-year",
            type=int,
            help="with --template: fill it with that year's report (a starting point for the next)",
        )

    def handle(self, *args, **options):
        path = options["file"]
        if options["template"]:
            report = None
            if options["from_year"]:
                report = command_report(options["from_year"])
                if report is None:
                    raise CommandError(f"No report for {options['from_year']}.")
            with open(path, "wb") as out:
                out.write(report_setup_bytes(report))
            self.stdout.write(f"Wrote {path}")
            return
        with command_file(path) as workbook:
            counts = load_report_file(workbook)
        rows = counts["created"] + counts["updated"] + counts["unchanged"]
        workbook_loaded("report", path, rows=rows, obj=counts["report"])
        self.stdout.write(
            f"{counts['report']}: created {counts['created']}, updated {counts['updated']}, "
            f"unchanged {counts['unchanged']}."
        )

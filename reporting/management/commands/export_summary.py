from django.core.management.base import BaseCommand, CommandError

from indicators.periods import command_report
from reporting.summary import write_summary


class Command(BaseCommand):
    help = "Write the meeting summary workbook (the same as /export/summary.xlsx) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--month", type=int, required=True, choices=range(1, 13))
        parser.add_argument(
            "--region", help="its name or code, when several counties have a report that year"
        )
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, **options):
        report = command_report(options["year"], options["region"])
        if report is None:
            raise CommandError(f"No report for {options['year']}.")
        write_summary(report, options["month"], options["output"])
        self.stdout.write(f"{report.title}, as of month {options['month']}: {options['output']}")

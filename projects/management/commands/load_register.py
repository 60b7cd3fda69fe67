from django.core.management.base import BaseCommand, CommandError

from indicators.models import User
from indicators.periods import command_report
from indicators.xlsx import command_file
from projects.excel import load_register_file


class Command(BaseCommand):
    help = (
        "Load a project register workbook (sheets 项目库 and/or 月度投资; layout in "
        "projects/excel.py) into a report. Projects are matched by code; a workbook with any "
        "problem is refused whole. Monthly rows are submitted for review, or approved with "
        "--approve (for loading a register mid-year)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx workbook to load")
        parser.add_argument("--year", type=int, help="the report's year (default: the latest)")
        parser.add_argument("--region", help="the report's region, when a year has several")
        parser.add_argument(
            "--user", default="admin", help="who the history records as acting (default: admin)"
        )
        parser.add_argument(
            "--approve", action="store_true", help="approve the monthly rows as they are loaded"
        )
        parser.add_argument(
            "--check", action="store_true", help="check the workbook only; change nothing"
        )

    def handle(self, *args, **options):
        report = command_report(options["year"], options["region"])
        if report is None:
            raise CommandError("No such report.")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No such user: {options['user']}")
        path = options["file"]
        with command_file(path) as workbook:
            counts = load_register_file(
                workbook,
                report,
                user,
                approve=options["approve"],
                dry_run=options["check"],
            )
        if options["check"]:
            self.stdout.write(
                f"{path} is fine: {counts['projects']} projects, {counts['progress']} monthly rows."
            )
            return
        self.stdout.write(
            f"{report}: projects created {counts['created']}, updated {counts['updated']}, "
            f"unchanged {counts['unchanged']}; monthly rows {counts['progress']}."
        )

from django.core.management.base import BaseCommand, CommandError

from indicators.demo import PASSWORD
from indicators.models import Department
from opendata.demo import open_to_the_public
from reporting.demo import DemoRefused, load_demo
from supervision.demo import tell_the_story


class Command(BaseCommand):
    help = (
        "Load the 2023 report of 柳城县 with demo users, a year of progress, a project register "
        "and December's supervision story (entries waiting and returned, departments late, a "
        "slip open, reminders in the bell). Refused where other regions' real data exist, "
        "unless --beside-real-regions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--beside-real-regions",
            action="store_true",
            help="load the demo even though the database holds other regions (never in production)",
        )

    def handle(self, *args, **options):
        try:
            result = load_demo(beside_real_regions=options["beside_real_regions"])
        except DemoRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        report = result["report"]
        tell_the_story(report)
        open_to_the_public(report)
        self.stdout.write(
            f"{report.title}: {report.indicators.count()} targets; "
            f"added {result['entries']} monthly entries and {result['projects']} projects."
        )
        reporters = ", ".join(
            f"{d.code} ({d.short_name})"
            for d in Department.objects.filter(region=report.region).order_by("order")
        )
        self.stdout.write(
            f"Demo logins (password {PASSWORD}): admin (superuser), sysadmin (系统管理员), "
            "secadmin (安全管理员), auditor (审计管理员), leader, leader-zhang and "
            "leader-huang (分管县领导), "
            f"reviewer (督查室), reporters: {reporters}"
        )

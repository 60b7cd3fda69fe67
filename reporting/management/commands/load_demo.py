from django.core.management.base import BaseCommand

from indicators.demo import PASSWORD
from indicators.models import Department
from reporting.demo import load_demo


class Command(BaseCommand):
    help = (
        "Load the 2023 report of 柳城县 with demo users, a year of progress and a project register."
    )

    def handle(self, *args, **options):
        result = load_demo()
        report = result["report"]
        self.stdout.write(
            f"{report.title}: {report.indicators.count()} targets; "
            f"added {result['entries']} monthly entries and {result['projects']} projects."
        )
        reporters = ", ".join(
            f"{d.code} ({d.short_name})" for d in Department.objects.order_by("order")
        )
        self.stdout.write(
            f"Demo logins (password {PASSWORD}): admin (administrator), leader (县领导), "
            f"reviewer (督查室), reporters: {reporters}"
        )

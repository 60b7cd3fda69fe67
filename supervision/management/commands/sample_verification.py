from django.core.management.base import BaseCommand, CommandError

from indicators.models import Report, User
from supervision import verification


class Command(BaseCommand):
    help = (
        "Draw a random sample of a month's approved figures for 核实 (weighted toward flagged "
        "ones, never a figure that has had a task), as the office user --user; prints the seed "
        "and the figures drawn."
    )

    def add_arguments(self, parser):
        parser.add_argument("--report", type=int, required=True, help="the report's id")
        parser.add_argument("--month", type=int, required=True, help="the month (1-12)")
        parser.add_argument("--count", type=int, required=True, help="how many to draw")
        parser.add_argument("--seed", type=int, help="the seed (default: a new random one)")
        parser.add_argument(
            "--user", required=True, help="who draws it: a login of the report's office"
        )

    def handle(self, *args, report, month, count, seed=None, user, **options):
        found = Report.objects.filter(pk=report).select_related("region").first()
        if found is None:
            raise CommandError(f"--report: no report {report}")
        person = User.objects.filter(username=user, is_active=True).first()
        if person is None:
            raise CommandError(f"--user: no active user {user!r}")
        try:
            drawn = verification.sample(person, found, month, count, seed=seed)
        except verification.VerificationError as error:
            raise CommandError(str(error)) from error
        tasks = drawn.tasks.select_related("entry__indicator").order_by("pk")
        self.stdout.write(
            f"sample_verification: {found} month {month}: {len(tasks)} of {count} drawn, "
            f"seed {drawn.seed}"
        )
        for task in tasks:
            self.stdout.write(f"  task {task.pk}: {task.entry}")

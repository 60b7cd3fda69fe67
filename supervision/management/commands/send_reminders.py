import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from supervision.reminders import run


class Command(BaseCommand):
    help = (
        "Send the reminders and escalations due today, each once (run daily from a systemd "
        "timer or cron); retry messages that failed before."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="act as if today were this day (YYYY-MM-DD)")

    def handle(self, *args, date=None, **options):
        today = None
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError as error:
                raise CommandError(f"--date: {error}") from error
        started = time.monotonic()
        result = run(today)
        self.stdout.write(
            f"send_reminders: {result['planned']} new, {result['sent']} sent, "
            f"{result['failed']} failed ({time.monotonic() - started:.1f}s)"
        )

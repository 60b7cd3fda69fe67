from django.core.management.base import BaseCommand

from indicators import backtest, forecast
from indicators.models import EntryState, ProgressEntry
from indicators.periods import command_report


class Command(BaseCommand):
    help = (
        "Back-test the year-end forecast (indicators/forecast.py): for each forecast month 3..11, "
        "the median absolute error of the projected December completion rate and the precision "
        "and recall of 预计难以完成, on a report's year (its approved figures; the outcome is its "
        "approved December figure) and on a synthetic set of target-years, with issue 18's aims."
    )

    def add_arguments(self, parser):
        parser.add_argument("--synthetic-only", action="store_true", help="skip the report's year")
        parser.add_argument("--seed", type=int, default=2023, help="of the synthetic set")
        parser.add_argument(
            "--size", type=int, default=1000, help="target-years in the synthetic set"
        )
        parser.add_argument("--year", type=int, help="the report's year (default: the latest)")
        parser.add_argument("--region", help="the report's region (name, code or id)")

    def handle(self, *args, **options):
        if not options["synthetic_only"]:
            self.report_year(options["year"], options["region"])
        years = backtest.synthetic(options["seed"], options["size"])
        runs = backtest.projections(years)
        self.section(f"Synthetic set (seed {options['seed']})", backtest.describe(years))
        self.write_lines(backtest.table(backtest.score(runs)))
        self.stdout.write("\nBy shape and kind, months 6 and 9:")
        self.write_lines(backtest.group_table(runs))
        self.stdout.write("\nAims (issue 18):")
        self.write_lines(f"- {line}" for _, line in backtest.check_aims(runs))

    def report_year(self, year, region):
        report = command_report(year, region)
        if report is None:
            self.section("Report's year", "no report in this database: skipped")
            return
        years, skipped = report_target_years(report)
        self.section(f"{report} (the report's year)", backtest.describe(years))
        for reason, codes in skipped.items():
            if codes:
                self.stdout.write(f"Not counted, {reason}: {len(codes)} ({', '.join(codes)})")
        runs = backtest.projections(years)
        self.stdout.write("")
        self.write_lines(backtest.table(backtest.score(runs)))
        self.stdout.write("\nEach target at months 6 and 9 (预计 completion, verdict):")
        self.write_lines(backtest.year_lines(runs, (6, 9)))
        self.stdout.write("\nAims (issue 18):")
        self.write_lines(f"- {line}" for _, line in backtest.check_aims(runs, by_group=False))

    def section(self, title, line):
        self.stdout.write(f"\n== {title} ==\n{line}")

    def write_lines(self, lines):
        for line in lines:
            self.stdout.write(line)


def report_target_years(report):
    """The report's typed-in targets that can have a forecast, as target-years of their
    approved figures, and the targets left out by reason."""
    approved = {}
    for indicator_id, month, value in ProgressEntry.objects.filter(
        indicator__report=report, state=EntryState.APPROVED, value__isnull=False
    ).values_list("indicator_id", "month", "value"):
        approved.setdefault(indicator_id, {})[month] = value
    skipped = {
        "derived from the project register": [],
        "不适用 (milestone, year-end-only or yearly)": [],
        "no approved December figure": [],
    }
    reasons = list(skipped)
    years = []
    for indicator in report.indicators.order_by("code"):
        series = approved.get(indicator.pk, {})
        if indicator.register_rule:
            skipped[reasons[0]].append(indicator.code)
        elif not forecast.applies(
            indicator.kind,
            frequency=indicator.frequency,
            is_year_end_only=indicator.is_year_end_only,
        ):
            skipped[reasons[1]].append(indicator.code)
        elif 12 not in series:
            skipped[reasons[2]].append(indicator.code)
        else:
            years.append(
                backtest.TargetYear(
                    name=indicator.code,
                    kind=indicator.kind,
                    target=indicator.target,
                    series={m: v for m, v in series.items() if m < 12},
                    december=series[12],
                    shape="demo",
                    plan=indicator.monthly_plan,
                    frequency=indicator.frequency,
                )
            )
    return years, skipped

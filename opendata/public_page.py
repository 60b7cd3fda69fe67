"""The public progress page (/public/<region code>/<year>/) and the CSV files behind its charts,
built from ``published.state`` alone: nothing here reads an entry, a user or a note.

`page_content` makes everything the template shows; `section_csvs` the data behind each
section's chart. Both depend only on the report's public state, the language and the type size,
so the views cache what they render (``public_views``).
"""

import csv
import io
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

from indicators import charts, numbers, progress

from . import published
from .models import PublicField

# The large type (适老化) is asked for with ?size=large and kept in every link of the page.
LARGE = "large"
FONT_SIZES = {"": 14, LARGE: 20}
# No mode bar: its "download as PNG" draws through a data: image the strict policy refuses, and
# the CSV beside each chart is the download.
CHART_CONFIG = {"displayModeBar": False}


def size_of(text):
    """The type size a query asks for: ``LARGE`` or the normal one ("")."""
    return LARGE if text == LARGE else ""


def page_url(report, size=""):
    url = reverse("opendata:public-page", args=[report.region.code, report.year])
    return f"{url}?size={LARGE}" if size == LARGE else url


def csv_url(report, section_id):
    return reverse(
        "opendata:public-section-csv", args=[report.region.code, report.year, section_id]
    )


@dataclass
class SectionView:
    """One section as the page shows it: its sentence, its chart with the chart's words and
    table, and its targets."""

    section: published.PublicSection
    chart: charts.Chart
    chart_summary: str
    by_target: bool  # the chart draws each target's completion; else how many in each status
    status_rows: list  # (status, label, count) for the status chart's table
    csv_url: str

    @property
    def targets(self):
        return self.section.targets


def page_content(report, size=""):
    """Everything ``opendata/public/page.html`` shows of ``report`` in type ``size``."""
    state = published.state(report)
    shows = {field: field in state.fields for field in PublicField.values}
    font_size = FONT_SIZES[size]
    return {
        "report": report,
        "region": report.region,
        "state": state,
        "month": state.month,
        "shows": shows,
        "size": size,
        "sections": [
            _section_view(report, section, shows[PublicField.COMPLETION], font_size)
            for section in state.sections
        ],
        "other_size_url": page_url(report, "" if size == LARGE else LARGE),
        "language_links": language_links(page_url(report, size)),
    }


def language_links(here):
    """(code, name in itself, URL) of each other language: a link that sets the language
    cookie and comes back to ``here`` (``public_views.public_language``)."""
    current = get_language()
    switch = reverse("opendata:public-language")
    return [
        (
            code,
            get_language_info(code)["name_local"],
            f"{switch}?{urlencode({'language': code, 'next': here})}",
        )
        for code, _name in settings.LANGUAGES
        if code != current
    ]


def _section_view(report, section, by_target, font_size):
    div_id = f"chart-section-{section.id}"
    summary = section.summary
    status_rows = [
        (status, progress.STATUS_LABELS[status], summary.counts[status])
        for status in progress.STATUSES
        if summary.counts.get(status)
    ]
    if by_target:
        targets = section.targets
        figure = charts.bullets(
            [t.code for t in targets],
            [t.completion for t in targets],
            [t.expected for t in targets],
            [t.status for t in targets],
            names=[f"{t.code} {t.name}" for t in targets],
            font_size=font_size,
            config=CHART_CONFIG,
        )
    else:
        figure = charts.status_breakdown(summary.counts, font_size=font_size, config=CHART_CONFIG)
    return SectionView(
        section=section,
        chart=charts.embed(div_id, figure),
        chart_summary=chart_summary(section, by_target),
        by_target=by_target,
        status_rows=status_rows,
        csv_url=csv_url(report, section.id),
    )


def chart_summary(section, by_target):
    """The chart in words, for those who cannot see it."""
    if not by_target:
        return _("图：本板块各状态的目标数。%(counts)s。") % {
            "counts": progress.count_words(section.summary)
        }
    measured = [t for t in section.targets if t.completion is not None]
    if not measured:
        return _("图：本板块各项目标的完成率；截至%(month)s月底均暂无可计算的完成率。") % {
            "month": section.month
        }
    highest = max(measured, key=lambda t: t.completion)
    lowest = min(measured, key=lambda t: t.completion)
    return _(
        "图：本板块各项目标的完成率（按编号排列，颜色表示状态）。%(n)s项可计算完成率的目标中，"
        "最高的是%(high)s（%(high_value)s），最低的是%(low)s（%(low_value)s）。"
    ) % {
        "n": len(measured),
        "high": f"{highest.code} {highest.name}",
        "high_value": numbers.percent(highest.completion),
        "low": f"{lowest.code} {lowest.name}",
        "low_value": numbers.percent(lowest.completion),
    }


# --- The CSV behind each chart ---------------------------------------------------------------


def section_csvs(report):
    """{section id: CSV text} of ``report``'s public state: one row per target, the columns the
    page shows (optional ones only where public). Empty when nothing is published."""
    state = published.state(report)
    header, cells = _columns(state.fields)
    files = {}
    for section in state.sections:
        out = io.StringIO()
        out.write("\ufeff")  # Excel reads UTF-8 only with the mark
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        for target in section.targets:
            writer.writerow([_cell(cell(target)) for cell in cells])
        files[section.id] = out.getvalue()
    return files


def _columns(fields):
    columns = [
        (_("板块"), lambda t: t.section),
        (_("编号"), lambda t: t.code),
        (_("目标任务"), lambda t: t.name),
        (_("报告原文"), lambda t: t.promise),
        (_("单位"), lambda t: t.unit),
        (_("年度目标"), lambda t: _figure(t.target)),
        (_("最新数据"), lambda t: _figure(t.value)),
        (_("数据月份"), lambda t: t.value_month or ""),
        (_("状态"), lambda t: t.status_label),
        (_("状态说明"), lambda t: t.phrase),
    ]
    optional = {
        PublicField.COMPLETION: (_("完成率（%）"), lambda t: _percent_number(t.completion)),
        PublicField.EXPECTED: (_("序时进度（%）"), lambda t: _percent_number(t.expected)),
        PublicField.LEAD: (_("牵头单位"), lambda t: t.lead),
        PublicField.NOTE: (_("进展情况"), lambda t: t.note),
    }
    columns += [optional[field] for field in PublicField.values if field in fields]
    return [str(name) for name, _getter in columns], [getter for _name, getter in columns]


def _figure(value):
    """A figure as the page prints it, without the thousands commas a CSV cell must not hold."""
    return "" if value is None else numbers.amount(value, grouped=False)


def _percent_number(fraction):
    """A fraction as the page's percentage (84.2 for 84.2%), without the sign."""
    return "" if fraction is None else numbers.percent(fraction).removesuffix("%")


# A text cell a spreadsheet would read as a formula is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text):
    try:
        numbers.parse(text)
    except ValueError:
        return False
    return True

"""The dashboards' table of judged targets, and the plain rows the overview lists."""

from decimal import Decimal

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from indicators import progress
from indicators.numbers import amount, percent
from indicators.tables import NUM, BaseTable
from indicators.templatetags.dashboards import register_tag, unit_suffix
from indicators.templatetags.targets import status_badge
from reporting.foresight import VERDICT_RANK, phrase
from reporting.templatetags.foresight import verdict_word

STATUS_RANK = {status: rank for rank, status in enumerate(progress.STATUSES)}
NO_VALUE = Decimal(-1)  # sorts targets without a completion below every real one


def indicator_rows(indicators, month):
    """Plain rows from judged indicators (``.progress`` and ``.forecast`` attached): the
    overview's list and ``IndicatorTable`` both show these, so every page words a target the
    same way.

    Display text is made here once per row with the ``targets`` filters (a template resolving
    a dozen attributes per row costs several times more at hundreds of targets), and sort keys
    are filled in so sorting never compares None with numbers.
    """
    # reverse() costs tens of microseconds; one call gives the address of every target.
    url = reverse("reporting:indicator", args=[0]).replace("/0/", "/{}/") + f"?month={month}"
    badges = {}  # one badge per (status, word): hundreds of rows share a few
    words = {}  # one word per forecast verdict, as for the status badges
    rows = []
    for indicator in indicators:
        judged = indicator.progress
        projected = indicator.forecast
        rows.append(
            {
                "pk": indicator.pk,
                "url": url.format(indicator.pk),
                "code": indicator.code,
                "name": indicator.name,
                "is_derived": indicator.is_derived,
                # The register's list of projects behind a derived number, as of the month.
                "register_url": getattr(indicator, "register_url", None),
                "unit": indicator.unit,
                "unit_suffix": unit_suffix(indicator.unit),
                "kind": indicator.kind,
                "target": amount(indicator.target),
                "actual": amount(judged.actual),
                "completion": percent(judged.completion),
                "completion_fraction": judged.completion,
                "completion_key": NO_VALUE if judged.completion is None else judged.completion,
                "expected": percent(judged.expected),
                "expected_fraction": judged.expected,
                "expected_key": NO_VALUE if judged.expected is None else judged.expected,
                "status": judged.status,
                "status_rank": STATUS_RANK[judged.status],
                "badge": badges.get((judged.status, judged.label))
                or badges.setdefault((judged.status, judged.label), status_badge(judged)),
                "gap": progress.gap_phrase(judged, indicator.kind, indicator.unit),
                "department": str(indicator.lead_department),
                "is_stale": getattr(indicator, "is_stale", False),
                "last_updated": getattr(indicator, "last_updated", None),
                "problems": indicator.latest_problems,
                "department_order": indicator.lead_department.order,
                "forecast_verdict": projected.verdict,
                "forecast_rank": VERDICT_RANK[projected.verdict],
                "forecast_key": NO_VALUE if projected.completion is None else projected.completion,
                # The verdict's word (one a verdict, shared) and the projection beneath it.
                "forecast_word": words.get(projected.verdict)
                or words.setdefault(projected.verdict, verdict_word(projected)),
                "forecast_text": phrase(indicator) if projected.is_projected else "",
            }
        )
    return rows


class IndicatorTable(BaseTable):
    """Judged targets: the same words and numbers as the overview, sortable and paginated.

    Its row template (``_table.html``) sets each cell's class from its column name
    instead of computing attributes cell by cell, which at 25 rows halves the table's cost.
    """

    code = tables.Column(verbose_name=_("编号"))
    name = tables.Column(verbose_name=_("目标任务"))
    target = tables.Column(verbose_name=_("年度目标"), attrs=NUM, orderable=False)
    actual = tables.Column(verbose_name=_("累计完成"), attrs=NUM, orderable=False)
    completion = tables.Column(verbose_name=_("完成率"), attrs=NUM, order_by="completion_key")
    expected = tables.Column(verbose_name=_("序时进度"), attrs=NUM, order_by="expected_key")
    status = tables.Column(verbose_name=_("状态"), order_by=("status_rank", "completion_key"))
    forecast = tables.Column(
        verbose_name=_("预计"), accessor="forecast_word", order_by=("forecast_rank", "forecast_key")
    )
    department = tables.Column(verbose_name=_("牵头单位"), order_by=("department_order", "code"))

    class Meta(BaseTable.Meta):
        template_name = "_table.html"
        per_page = 25
        row_attrs = {
            "data-code": lambda record: record["code"],
            "class": lambda record: f"row-{record['status']}",
        }
        empty_text = _("没有符合条件的目标任务。")

    def render_code(self, value, record):
        return format_html('<a href="{}">{}</a>', record["url"], value)

    def render_name(self, value, record):
        return format_html('<a href="{}">{}</a>{}', record["url"], value, register_tag(record))

    def render_target(self, value, record):
        return f"{value}{record['unit_suffix']}"

    def render_actual(self, value, record):
        return f"{value}{record['unit_suffix']}" if value != "—" else value

    def render_status(self, record):
        return format_html('{}<span class="gap">{}</span>', record["badge"], record["gap"])

    def render_forecast(self, record):
        word, text = record["forecast_word"], record["forecast_text"]
        return format_html('{}<span class="gap forecast">{}</span>', word, text)

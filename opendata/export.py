"""Open data: a report's published figures as CSV and JSON, with their data dictionary
(/public/<region code>/<year>/data.csv, data.json, data-dictionary.csv).

Everything comes from ``published``: each target's as-of value and status from
``published.state``, its monthly series from ``published.monthly_values``. So the files hold
approved figures of published months only, and only the optional fields the office shows;
names of reporters, problems, review comments, 说明 and flags are never read.

Shape. The CSV has one row per target, as of the last published month, with the monthly values
in twelve fixed columns (m01…m12, empty for months not published): a target's status is judged
as of a month, not per month, so a row per target per month would repeat or blank it; one row per
target opens in Excel as the table the public page shows; and fixed columns keep the file's
shape the same all year for the programs that read it. The JSON carries the same records, the
monthly values as a list, and the dictionary itself. The header row holds the fields' names, the
same in every language; the dictionary gives each its Chinese and English label. The data (status
words, kinds) are written in Chinese, the report's own language, whatever the reader's.

The CSV is UTF-8 with a byte-order mark, so Excel opens it in Chinese; a text cell that a
spreadsheet could run as a formula (starting with = + - @, a tab or a carriage return) gets a
leading apostrophe. Numbers are written plainly (no thousands separators), as stored.
"""

import calendar
import csv
import functools
import hashlib
import io
import json
import logging
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from indicators import cached, numbers, progress
from indicators.models import Kind

from . import published
from .models import Publication

DATA_LANGUAGE = "zh-hans"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FRACTION = Decimal("0.0001")  # completion and 序时进度: four places (0.01 %)
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
CSV, JSON, DICTIONARY = "csv", "json", "dictionary"
BOTH = "csv json"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Field:
    """One field of the data: what the dictionary says of it."""

    name: str
    label_zh: str
    label_en: str
    type: str  # string, integer, number, boolean, enum, array
    unit: str
    meaning_zh: str
    meaning_en: str
    formats: str = BOTH  # the files it appears in


OWN_UNIT = "见unit字段 / see unit"
IF_PUBLIC_ZH = "仅当本报告公开此字段时填写，否则为空。"
IF_PUBLIC_EN = " Empty unless the report publishes this field."


def _choices(pairs):
    with translation.override(DATA_LANGUAGE):
        return "；".join(f"{code}={label}" for code, label in pairs)


def _month_fields():
    return [
        Field(
            f"m{month:02d}",
            f"{month}月末数值",
            f"End of {calendar.month_name[month]}",
            "number",
            OWN_UNIT,
            f"{month}月末的已审核数值（截至月底的累计值或水平，不是当月增量）；该月未公开、"
            "不需报送、未审核或数值由项目库计算时为空。",
            f"The approved figure as at the end of {calendar.month_name[month]} (to date, "
            "not the month's increment); empty when the month is not published, not due, "
            "not approved, or the figure is computed from the project register.",
            CSV,
        )
        for month in range(1, 13)
    ]


def fields():
    """The data dictionary: every field of the CSV and of the JSON's records, in file order."""
    kinds = _choices(Kind.choices)
    statuses = _choices(progress.STATUS_LABELS.items())
    return [
        Field("region_code", "行政区划代码", "Region code", "string", "",
              "6位行政区划代码。", "The 6-digit administrative division code."),
        Field("year", "年度", "Year", "integer", "年",
              "政府工作报告的年度。", "The year of the government work report."),
        Field("as_of_month", "截至月份", "As-of month", "integer", "月",
              "已公开的最后一个月：数值、状态和完成率均截至该月月底。",
              "The last month published: values, status and completion are as at its end."),
        Field("section", "板块", "Section", "string", "",
              "目标任务所属的板块。", "The section of the report the target belongs to."),
        Field("code", "编号", "Code", "string", "",
              "目标任务在本报告内的编号，年内不变。",
              "The target's code, unique within the report and stable through the year."),
        Field("name", "目标任务", "Target", "string", "",
              "目标任务的简称。", "The target's short name."),
        Field("promise", "报告原文", "Source sentence", "string", "",
              "政府工作报告中提出该目标的原句。",
              "The work report's own sentence that sets the target."),
        Field("unit", "单位", "Unit", "string", "",
              "年度目标、完成值和各月数值的计量单位。",
              "The unit of the target, the value and the monthly values."),
        Field("kind", "类型", "Kind", "enum", "",
              f"目标的类型，决定如何判断进度：{kinds}。",
              "How progress is judged: cumulative (grows toward the target), stock (a level to "
              "reach), milestone (percent of a work item done), ceiling (must stay at or "
              "below the target), floor (must stay at or above it)."),
        Field("kind_label", "类型名称", "Kind (label)", "string", "",
              "类型的中文名称。", "The kind in Chinese words."),
        Field("lead", "牵头单位", "Lead department", "string", "",
              "负责该目标的牵头单位。" + IF_PUBLIC_ZH,
              "The department leading the target." + IF_PUBLIC_EN),
        Field("target", "年度目标", "Annual target", "number", OWN_UNIT,
              "全年目标值。", "The year's target value."),
        Field("value", "累计完成", "Value to date", "number", OWN_UNIT,
              "截至value_month月底的最新已审核数值（累计值或水平）；尚无已审核数值时为空。",
              "The latest approved figure, as at the end of value_month (to date); empty "
              "when there is none yet."),
        Field("value_month", "数值月份", "Month of value", "integer", "月",
              "value所属的月份；按季度、半年或年报送的目标可早于截至月份。",
              "The month value is of; earlier than as_of_month for targets reported "
              "quarterly, half-yearly or yearly."),
        Field("status", "状态", "Status", "enum", "",
              f"截至as_of_month的进度状态：{statuses}。",
              "The standing as of as_of_month: done, on_track (on schedule; for ceilings and "
              "floors: holds), behind, far_behind, no_data, year_end (measurable only at "
              "year end), annual (awaits the annual statistics)."),
        Field("status_label", "状态名称", "Status (label)", "string", "",
              "状态的中文说法（控制型、底线型达标时为“控制在目标内”“达到目标”）。",
              "The status in Chinese words as the public page shows it."),
        Field("completion", "完成率", "Completion", "number", "比例（1=100%）/ fraction",
              "value占年度目标的比例，保留4位小数；仅累计型、存量型、节点型。" + IF_PUBLIC_ZH,
              "value as a fraction of the target, four decimals; cumulative, stock and "
              "milestone kinds only." + IF_PUBLIC_EN),
        Field("expected", "序时进度", "Expected by now", "number", "比例（1=100%）/ fraction",
              "截至as_of_month按计划应完成的比例，保留4位小数。" + IF_PUBLIC_ZH,
              "The fraction of the target planned by as_of_month, four decimals."
              + IF_PUBLIC_EN),
        Field("note", "进展情况", "Progress note", "string", "",
              "最新已审核数值的进展情况说明。" + IF_PUBLIC_ZH,
              "The progress note of the latest approved figure." + IF_PUBLIC_EN),
        Field("approved_only", "仅含已审核数据", "Approved figures only", "boolean", "",
              "恒为true：只含督查室审核通过的数值。",
              "Always true: only figures approved by the supervision office."),
        *_month_fields(),
        Field("monthly", "各月数值", "Monthly values", "array", OWN_UNIT,
              "已公开月份的已审核数值，每项为{month, value}，按月排列。",
              "The approved figures of the published months, each {month, value}, in order.",
              JSON),
    ]  # fmt: skip


def columns():
    """The CSV's columns, in order."""
    return [field.name for field in fields() if CSV in field.formats]


# --- The records ---------------------------------------------------------------------------------


def _fraction(value):
    return None if value is None else Decimal(value).quantize(FRACTION)


def records(report, state, series):
    """One dict per target (values typed: str, int, Decimal, bool or None), as both files hold
    them; ``series`` is {indicator id: {month: value}}."""
    with translation.override(DATA_LANGUAGE):
        kinds = {code: str(label) for code, label in Kind.choices}
    for target in state.targets:
        months = series.get(target.id, {})
        record = {
            "region_code": report.region.code,
            "year": report.year,
            "as_of_month": state.month,
            "section": target.section,
            "code": target.code,
            "name": target.name,
            "promise": target.promise,
            "unit": target.unit,
            "kind": target.kind,
            "kind_label": kinds.get(target.kind, target.kind),
            "lead": target.lead,
            "target": target.target,
            "value": target.value,
            "value_month": target.value_month,
            "status": target.status,
            "status_label": target.status_label,
            "completion": _fraction(target.completion),
            "expected": _fraction(target.expected),
            "note": target.note or None,
            "approved_only": True,
        }
        record.update({f"m{month:02d}": months.get(month) for month in range(1, 13)})
        record["monthly"] = [
            {"month": month, "value": value} for month, value in sorted(months.items())
        ]
        yield record


def read(report):
    """``report``'s public state and its monthly series ({indicator id: {month: value}})."""
    with translation.override(DATA_LANGUAGE):
        state = published.state(report)
    series = {}
    for indicator_id, month, value in published.monthly_values(report, state.month):
        series.setdefault(indicator_id, {})[month] = value
    return state, series


# --- CSV -----------------------------------------------------------------------------------------


def csv_text(value):
    """A cell as the CSV writes it: numbers plainly, text guarded against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int):
        return numbers.plain(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv_bytes(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_text(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def data_csv(report):
    state, series = read(report)
    names = columns()
    return _csv_bytes(
        names, ([record[n] for n in names] for record in records(report, state, series))
    )


DICTIONARY_COLUMNS = [
    "name", "label_zh", "label_en", "type", "unit", "meaning_zh", "meaning_en", "formats",
]  # fmt: skip


def dictionary_csv():
    return _csv_bytes(
        DICTIONARY_COLUMNS,
        ([asdict(field)[c] for c in DICTIONARY_COLUMNS] for field in fields()),
    )


# --- JSON ----------------------------------------------------------------------------------------


def json_value(value):
    """A value as JSON holds it: numbers as numbers (whole ones without a fraction)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    return value


def links(report):
    """Where the files are (root-relative): the CSV, the JSON, the dictionary, and the 对照表
    once it is published."""
    args = [report.region.code, report.year]
    found = {
        "csv": reverse("opendata:data-csv", args=args),
        "json": reverse("opendata:data-json", args=args),
        "dictionary": reverse("opendata:data-dictionary", args=args),
    }
    if Publication.objects.filter(report=report, table_published_at__isnull=False).exists():
        found["comparison_docx"] = reverse("opendata:public-comparison-docx", args=args)
        found["comparison_xlsx"] = reverse("opendata:public-comparison-xlsx", args=args)
    return found


def data_json(report):
    state, series = read(report)
    names = [field.name for field in fields() if JSON in field.formats]
    month = state.month
    document = {
        "region_code": report.region.code,
        "region_name": report.region.name,
        "year": report.year,
        "title": report.title,
        "as_of_month": month,
        "published_months": list(range(1, month + 1)) if month else [],
        "approved_only": True,
        "public_fields": state.fields,
        "links": links(report),
        "dictionary": [asdict(field) for field in fields()],
        "targets": [
            {name: json_value(record[name]) for name in names}
            for record in records(report, state, series)
        ],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


MAKERS = {CSV: data_csv, JSON: data_json}
CONTENT_TYPES = {CSV: CSV_CONTENT_TYPE, JSON: JSON_CONTENT_TYPE, DICTIONARY: CSV_CONTENT_TYPE}


def file_name(report, kind):
    code = report.region.code
    if kind == DICTIONARY:
        return f"{code}-{report.year}-data-dictionary.csv"
    return f"{code}-{report.year}-targets.{kind}"


# --- Cache ---------------------------------------------------------------------------------------


@functools.cache
def _fingerprint():
    """This app's code, which shapes the files (the rest is in ``cached.code_fingerprint``)."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(report, kind):
    """The key (and the ETag) of ``report``'s file ``kind`` at the data version of now. Reads
    the version: call it before the data."""
    with translation.override(DATA_LANGUAGE):
        return cached.cache_key(f"opendata-{kind}", [report], [report.pk, _fingerprint()])


def file_bytes(report, kind, key):
    """``report``'s file ``kind`` from the cache under ``key``, or made now and kept."""
    try:
        body = cache.get(key)
    except Exception:  # a cache outage must not take the open data down
        log.warning("open data cache unavailable (get)", exc_info=True)
        body = None
    if body is None:
        body = MAKERS[kind](report)
        try:
            cache.set(key, body, settings.DASHBOARD_CACHE_SECONDS)
        except Exception:  # as above: the file is already made
            log.warning("open data cache unavailable (set)", exc_info=True)
    return body

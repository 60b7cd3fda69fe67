"""The one write-only writer at the floor's pace writes what it always wrote: cells reused down a
column never carry one row's value, style or type into the next, and every row gets the height
issue 13's print layout asks for."""

import datetime
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook

from indicators import xlsx
from indicators.xlsx import (
    DECIMAL,
    INPUT,
    INTEGER,
    PERCENT,
    STATUS_PREFIX,
    TEXT,
    WRAP,
    Column,
    Sheet,
    Styled,
)

COLUMNS = [
    Column("文字", 10, TEXT),
    Column("长文字", 12, WRAP),
    Column("整数", 8, INTEGER),
    Column("金额", 10, DECIMAL),
    Column("比例", 8, PERCENT),
    Column("填写", 10, INPUT),
]
LONG = "征地拆迁未完成，剩余3户未签订协议，影响施工进度。" * 3

# Each row differs from the one before in value type, style and emptiness, column by column.
ROWS = [
    ("甲", "短", 5, Decimal("1.5"), Decimal("0.25"), None),
    ("=1+1", LONG, 123456, None, None, "已填"),
    (None, "第一行\n第二行", 7, Decimal("2000"), Decimal("1"), None),
    (Styled("达到序时进度", STATUS_PREFIX + "on_track"), "+86 138", -5, Decimal(3), None, 4),
    ("@命令", None, Styled(Decimal("0.5"), DECIMAL), None, Decimal("0.1"), None),
    (datetime.date(2023, 5, 10), "乙", None, Decimal("12345.678"), None, None),
    ("丙", "丁", 8, None, None, None),
]


def written():
    out = BytesIO()
    xlsx.write_workbook([Sheet("表", COLUMNS, iter(ROWS), title="标题", notes=["说明"])], out)
    return load_workbook(BytesIO(out.getvalue()))["表"]


def plain(value):
    """A value as openpyxl reads it back (numbers as int or float)."""
    value = value.value if isinstance(value, Styled) else value
    return float(value) if isinstance(value, Decimal) else value


def test_values_and_types_never_carry_over_from_the_row_above():
    sheet = written()
    got = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3, max_row=9)]
    expected = [[plain(value) for value in row] for row in ROWS]
    expected[5][0] = datetime.datetime(2023, 5, 10)  # openpyxl reads a date back as a datetime
    assert got == expected
    assert sheet["A4"].data_type == "s"  # "=1+1" is text, never a formula
    assert sheet["A7"].data_type == "s" and sheet["B6"].data_type == "s"


def test_each_cell_has_its_own_format_and_style():
    sheet = written()
    assert sheet["C4"].number_format == "#,##0"  # 123456: a large integer gets commas
    assert sheet["C3"].number_format == "General"  # 5: shown the same without
    assert sheet["C7"].number_format == "#,##0.00"  # a Styled value keeps its own style
    assert sheet["C5"].number_format == "General"
    assert sheet["D3"].number_format == "#,##0.00"
    assert sheet["E3"].number_format == "0.0%"
    assert sheet["A6"].fill.fgColor.rgb.endswith("2F6FB5")  # the status colour
    assert sheet["A7"].fill.fgColor.rgb in (None, "00000000")  # and not on the row below
    assert sheet["A8"].number_format.startswith(("yyyy", "mm-dd"))  # a date is a date
    assert sheet["A9"].number_format == "General"  # and the cell below is not
    # An input cell is unlocked and marked even when empty; its value never lingers.
    assert sheet["F3"].protection.locked is False and sheet["F3"].value is None
    assert sheet["F4"].value == "已填" and sheet["F5"].value is None
    assert sheet["B4"].alignment.wrap_text  # long text wraps
    assert sheet["A11"].value == "说明" and sheet["A11"].font.i


def test_rows_are_as_tall_as_their_wrapped_text():
    sheet = written()
    wrapping = {index: c.width for index, c in enumerate(COLUMNS) if c.style == WRAP}
    for number, row in enumerate(ROWS, 3):
        expected = xlsx.row_height(row, wrapping)
        dimension = sheet.row_dimensions.get(number)
        assert (dimension.height if dimension else None) == expected, number
    assert xlsx.row_height(ROWS[1], wrapping) and xlsx.row_height(ROWS[2], wrapping)

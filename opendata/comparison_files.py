"""The 对照表 as files: Word (python-docx) for the 人大 deputies' folders, Excel (the project's
write-only writer, ``indicators.xlsx``) for the office's own working. Both are written from one
`comparison.ComparisonTable`, so they say what the page says.

Word: A4 landscape, a real table whose header row repeats on every page, the sections as rows
spanning the table, body text in 仿宋 at 小四 (12 pt; never under 五号, 10.5 pt), a page number in
the footer. Fonts are named, never embedded (Word or WPS uses the county's own).
"""

from io import BytesIO

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from indicators.xlsx import (
    INTEGER,
    STATUS_PREFIX,
    WRAP,
    Column,
    Sheet,
    Styled,
    amount,
    workbook_bytes,
)

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
TITLE_SIZE = Pt(18)  # 小二
BODY_SIZE = Pt(12)  # 小四
SMALLEST = Pt(10.5)  # 五号: no text of the table is smaller
# Column widths across A4 landscape inside 20 mm margins (257 mm).
DOCX_COLUMNS = (14, 40, 68, 36, 28, 71)


def docx_headers():
    return [_("序号"), _("目标任务"), _("报告原文"), _("完成情况"), _("是否完成"), _("说明")]


def outcome_note(table):
    """What 是否完成 means, printed under the table."""
    return _(
        "注：是否完成按%(as_of)s的状态判断。“完成”：已达到年度目标（控制型、底线型指标全年"
        "达到目标）；“未完成”：12月数据公开后仍未达到；“待年终确定”：年度尚未结束；"
        "“待统计年报”：须待统计年报数据；“无数据”：尚无已审核数据。"
    ) % {"as_of": _("截至%(month)s月底") % {"month": table.month} if table.month else ""}


def file_name(table, extension):
    report = table.report
    code = report.region.code or report.region.pk
    return f"{code}-{report.year}-comparison.{extension}"


# --- Word ----------------------------------------------------------------------------------------


def _font(run, east_asian, size, bold=False):
    run.font.name = LATIN_FONT
    run.font.size = size
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def _write(paragraph, text, font=BODY_FONT, size=BODY_SIZE, bold=False, align=None):
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if align is not None:
        paragraph.alignment = align
    _font(paragraph.add_run(text), font, size, bold)
    return paragraph


def _cell(cell, text, **style):
    _write(cell.paragraphs[0], text, **style)


def _mark(row, *names):
    properties = row._tr.get_or_add_trPr()
    for name in names:
        element = OxmlElement(name)
        element.set(qn("w:val"), "true")
        properties.append(element)


def _repeat_as_header(row):
    """Word repeats a row marked ``tblHeader`` at the top of every page the table runs onto."""
    _mark(row, "w:cantSplit", "w:tblHeader")


def _keep_whole(row):
    """A row is never split across two pages (a target's words stay together)."""
    _mark(row, "w:cantSplit")


def _page_number(section):
    """A centred "— N —" in the footer, N being Word's PAGE field."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— "), BODY_FONT, SMALLEST)
    run = paragraph.add_run()
    _font(run, BODY_FONT, SMALLEST)
    begin, code, end = (
        OxmlElement("w:fldChar"),
        OxmlElement("w:instrText"),
        OxmlElement("w:fldChar"),
    )
    begin.set(qn("w:fldCharType"), "begin")
    code.set(qn("xml:space"), "preserve")
    code.text = " PAGE "
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, code, end):
        run._element.append(element)
    _font(paragraph.add_run(" —"), BODY_FONT, SMALLEST)


def _landscape(document):
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin = section.right_margin = Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _page_number(section)


def _table_rows(document, table):
    grid = document.add_table(rows=1, cols=len(DOCX_COLUMNS))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    header = grid.rows[0]
    _repeat_as_header(header)
    for cell, text in zip(header.cells, docx_headers(), strict=True):
        _cell(cell, text, font=HEADING_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
    for name, rows in table.sections:
        cells = grid.add_row().cells
        merged = cells[0].merge(cells[-1])
        _cell(merged, name, font=HEADING_FONT)
        for row in rows:
            values = (
                str(row.number),
                row.target.name,
                row.target.promise,
                row.result,
                str(row.outcome_label),
                row.explanation,
            )
            added = grid.add_row()
            _keep_whole(added)
            cells = added.cells
            for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
                centred = index in (0, 4)
                _cell(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER if centred else None)
    _set_widths(grid)
    return grid


def _set_widths(grid):
    """Word reads each cell's width, LibreOffice the table's grid: set both. A section's row is
    one cell as wide as the table."""
    for column, width in zip(grid.columns, DOCX_COLUMNS, strict=True):
        column.width = Mm(width)
    for row in grid.rows:
        cells = row.cells
        if len({id(cell._tc) for cell in cells}) == 1:
            cells[0].width = Mm(sum(DOCX_COLUMNS))
            continue
        for cell, width in zip(cells, DOCX_COLUMNS, strict=True):
            cell.width = Mm(width)


def comparison_docx(table):
    """The table as a Word file (bytes)."""
    document = Document()
    _landscape(document)
    _write(
        document.add_paragraph(),
        table.title,
        font=TITLE_FONT,
        size=TITLE_SIZE,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _write(document.add_paragraph(), table.as_of, align=WD_ALIGN_PARAGRAPH.CENTER)
    _table_rows(document, table)
    _write(document.add_paragraph(), outcome_note(table), size=SMALLEST)
    _write(
        document.add_paragraph(),
        _signature(table),
        align=WD_ALIGN_PARAGRAPH.RIGHT,
    )
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _signature(table):
    office = _("%(region)s人民政府督查室") % {"region": table.report.region.name}
    if table.published_at is None:
        return _("%(office)s（草稿，尚未发布）") % {"office": office}
    return f"{office}　{date_format(timezone.localtime(table.published_at), 'DATE_FORMAT')}"


# --- Excel ---------------------------------------------------------------------------------------


def xlsx_columns():
    return [
        Column(_("序号"), 5, INTEGER),
        Column(_("板块"), 10, WRAP),
        Column(_("编号"), 7),
        Column(_("目标任务"), 16, WRAP),
        Column(_("报告原文"), 30, WRAP),
        Column(_("年度目标"), 10),
        Column(_("单位"), 6),
        Column(_("完成值"), 11),
        Column(_("数据月份"), 7, INTEGER),
        Column(_("是否完成"), 9),
        Column(_("说明"), 30, WRAP),
    ]


def xlsx_rows(table):
    for name, rows in table.sections:
        for row in rows:
            target = row.target
            yield (
                row.number,
                name,
                target.code,
                target.name,
                target.promise,
                amount(target.target, target.unit),
                target.unit,
                amount(target.value, target.unit),
                target.value_month,
                Styled(str(row.outcome_label), STATUS_PREFIX + row.outcome_status),
                row.explanation,
            )


def comparison_xlsx(table):
    """The table as an Excel workbook (bytes): one sheet, the numbers as numbers."""
    sheet = Sheet(
        name=_("对照表"),
        columns=xlsx_columns(),
        rows=xlsx_rows(table),
        title=f"{table.title}　{table.as_of}",
        notes=[outcome_note(table), _signature(table)],
        footer=table.as_of,
    )
    return workbook_bytes([sheet])

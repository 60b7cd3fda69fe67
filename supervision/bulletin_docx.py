"""The bulletin as a Word file (python-docx), laid out like an official document (公文):

A4 with the 公文 margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); the title in a
heading font (方正小标宋简体, 二号 22 pt) centred; the body in 仿宋 (仿宋_GB2312) at 三号 (16 pt)
with a two-character first-line indent and a fixed 28.95 pt line (22 lines a page); headings
(一、二、…) in 黑体; the issuing office and date at the foot; a page number in the footer
("— 1 —"). Fonts are named only, never embedded: Word or WPS uses the county's own, LibreOffice
its nearest.
"""

from io import BytesIO

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .bulletins import paragraphs

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
LINE = Pt(28.95)
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _font(run, east_asian, size, bold=False):
    run.font.name = LATIN_FONT
    run.font.size = size
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def _paragraph(document, text, font, size, *, align=None, indent=True, bold=False):
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = size * 2
    if align is not None:
        paragraph.alignment = align
    _font(paragraph.add_run(text), font, size, bold)
    return paragraph


def _page_number(section):
    """A centred "— N —" in the footer, N being Word's PAGE field."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— "), BODY_FONT, Pt(14))
    run = paragraph.add_run()
    _font(run, BODY_FONT, Pt(14))
    for kind, text in (
        ("begin", None),
        (None, "PAGE"),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._element.append(element)
    _font(paragraph.add_run(" —"), BODY_FONT, Pt(14))


def bulletin_document(bulletin):
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _page_number(section)

    _paragraph(
        document,
        bulletin.title,
        TITLE_FONT,
        TITLE_SIZE,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    _paragraph(document, "", BODY_FONT, BODY_SIZE, indent=False)
    for index, (is_heading, text) in enumerate(paragraphs(bulletin.body)):
        if index == 0:  # the salutation (主送机关) starts at the margin
            _paragraph(document, text, BODY_FONT, BODY_SIZE, indent=False)
        elif is_heading:
            _paragraph(document, text, HEADING_FONT, BODY_SIZE)
        else:
            _paragraph(document, text, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _paragraph(document, "", BODY_FONT, BODY_SIZE, indent=False)
    when = timezone.localtime(bulletin.published_at or bulletin.generated_at)
    for text in (
        _("%(region)s人民政府督查室") % {"region": bulletin.report.region.name},
        date_format(when, "DATE_FORMAT"),
    ):
        paragraph = _paragraph(document, text, BODY_FONT, BODY_SIZE, indent=False)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = BODY_SIZE * 4
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_filename(bulletin):
    return f"{bulletin.title}.docx"

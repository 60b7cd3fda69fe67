"""What the meeting prints: the summary workbook and the bulletin's Word file, opened by
LibreOffice headless and converted to PDF (one conversion of both: LibreOffice starts slowly).
The PDFs are read back with poppler (pdfinfo, pdftotext): page count, the footer's 第N页 共M页
and the as-of month on every page, body text no smaller than 9 pt, every note in full, the real
分管县领导. Page images go to the git-ignored screenshots/ folder for a person to look at."""

import os
import re
import shutil
import subprocess
import time

import pytest

from indicators.models import Department
from indicators.progress import verdict
from reporting import demo as demo_cycle
from reporting.standing import judged
from reporting.summary import write_summary
from supervision import bulletins
from supervision.bulletin_docx import bulletin_document

from .conftest import SCREENSHOTS

MONTH = 9
# pdftotext's word boxes are about 1.15 times the font size: 9 pt text gives boxes of 10.3 pt.
MIN_BOX_POINTS = 9 * 1.1


def tool(name):
    path = shutil.which(name)
    if path is None:
        message = (
            f"{name} not found (apt-get install -y libreoffice-calc-nogui "
            "libreoffice-writer-nogui poppler-utils)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def pdf_text(path, page=None, *options):
    pages = ["-f", str(page), "-l", str(page)] if page else []
    command = [tool("pdftotext"), *options, *pages, str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def page_count(path):
    info = subprocess.run(
        [tool("pdfinfo"), str(path)], check=True, capture_output=True, text=True
    ).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def squeeze(text):
    return re.sub(r"\s+", "", text)


@pytest.fixture
def printed(report, tmp_path):
    """The demo's September summary and bulletin, converted to PDF by LibreOffice."""
    demo_cycle.load_demo()
    soffice = tool("soffice")
    summary = tmp_path / "summary.xlsx"
    write_summary(report, MONTH, summary)
    bulletin = bulletins.generate(report, MONTH)
    document = tmp_path / "bulletin.docx"
    document.write_bytes(bulletin_document(bulletin))
    started = time.monotonic()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(summary),
            str(document),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    print(
        f"LibreOffice converted the summary and the bulletin in {time.monotonic() - started:.1f}s"
    )
    return {
        "report": report,
        "summary": tmp_path / "summary.pdf",
        "bulletin": tmp_path / "bulletin.pdf",
        "bulletin_object": bulletin,
        "dir": tmp_path,
    }


def save_pages(pdf, name, pages):
    SCREENSHOTS.mkdir(exist_ok=True)
    for page in pages:
        subprocess.run(
            [
                tool("pdftoppm"),
                "-r",
                "70",
                "-png",
                "-singlefile",
                "-f",
                str(page),
                "-l",
                str(page),
                str(pdf),
                str(SCREENSHOTS / f"{name}-page{page}"),
            ],
            check=True,
        )


def test_the_summary_and_the_bulletin_print_readably(printed):
    """One LibreOffice conversion serves both checks."""
    check_summary(printed)
    check_bulletin(printed)


def check_summary(printed):
    """The summary: one page wide, 9 pt or more, numbered, every note in full."""
    report, pdf = printed["report"], printed["summary"]
    pages = page_count(pdf)
    print(f"summary: {pages} A4 landscape pages")
    # Six sheets, 40 targets and 335 projects: the project list takes most of them.
    assert 6 <= pages <= 45
    for page in range(1, pages + 1):
        text = pdf_text(pdf, page)
        assert f"第{page}页 共{pages}页" in text, page
        assert f"截至{MONTH}月底" in text, page
    boxes = re.findall(
        r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', pdf_text(pdf, None, "-bbox")
    )
    heights = [float(bottom) - float(top) for top, bottom in boxes]
    assert heights and min(heights) >= MIN_BOX_POINTS, min(heights)
    size = re.search(
        r"Page size:\s+([\d.]+) x ([\d.]+)",
        subprocess.run(
            [tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True
        ).stdout,
    )
    assert round(float(size.group(1))) == 842 and round(float(size.group(2))) == 595  # A4 across

    everything = squeeze(pdf_text(pdf, None, "-raw"))
    indicators = judged(report, MONTH)
    notes = [i.latest_note for i in indicators if i.latest_note]
    problems = [i.latest_problems for i in indicators if i.latest_problems]
    assert notes and problems
    for text in [*notes, *problems]:
        assert squeeze(text) in everything, text
    from indicators.progress import summarise

    assert squeeze(verdict(MONTH, summarise(i.progress for i in indicators))) in everything
    for department in Department.objects.filter(region=report.region).select_related("leader"):
        assert department.leader.display_name in everything
    save_pages(pdf, "summary-print", [1, 2, 5, pages])


def check_bulletin(printed):
    """The bulletin: a few A4 pages numbered "— N —", every line of its text."""
    pdf, bulletin = printed["bulletin"], printed["bulletin_object"]
    pages = page_count(pdf)
    print(f"bulletin: {pages} A4 pages")
    assert 2 <= pages <= 8
    for page in range(1, pages + 1):
        assert f"—{page}—" in squeeze(pdf_text(pdf, page)), page
    # A long paragraph (the targets projected to miss) may run onto the next page: the page
    # numbers in the foot are taken out of the running text before it is matched.
    everything = re.sub(r"—\d+—", "", squeeze(pdf_text(pdf, None, "-raw")))
    assert squeeze(bulletin.title) in everything
    for item in bulletin.numbers["lagging"]:
        assert squeeze(item["name"]) in everything
    for line in bulletin.body.splitlines():
        assert squeeze(line) in everything, line
    save_pages(pdf, "bulletin-print", range(1, pages + 1))

"""The monthly bulletin (通报): its numbers are the dashboards' numbers at several months; the
office edits and publishes it; once published it never changes; the Word file is laid out like
an official document."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document
from docx.shared import Mm, Pt

from indicators import numbers, progress, timeliness, workflow
from indicators.models import Indicator, ProgressEntry, Region
from reporting import demo as demo_cycle
from supervision import bulletins
from supervision.models import Bulletin

from .conftest import make_user, submit


@pytest.fixture
def demo_year(report):
    demo_cycle.load_demo()
    return report


def page(year, month, report, suffix=""):
    return reverse("supervision:bulletin", args=[year, month]) + suffix + f"?report={report.pk}"


def action(report, month, name):
    url = reverse("supervision:bulletin-action", args=[report.year, month, name])
    return f"{url}?report={report.pk}"


def points(value):
    return None if value is None else numbers.points(Decimal(value) * 100)


@pytest.mark.parametrize("month", [3, 6, 9, 12])
def test_a_bulletins_numbers_are_the_dashboards_numbers(client, demo_year, leader, month):
    report = demo_year
    client.force_login(leader)
    query = f"?report={report.pk}&month={month}"
    numbers = bulletins.generate(report, month).numbers

    overview = client.get("/" + query).context
    assert numbers["counts"] == overview["summary"].counts
    assert numbers["total"] == overview["summary"].total
    assert numbers["average_completion"] == points(overview["summary"].average_completion)
    assert [(s["name"], s["counts"], s["average_completion"]) for s in numbers["sections"]] == [
        (section.name, summary.counts, points(summary.average_completion))
        for section, summary, _members in overview["sections"]
    ]
    far = [row["code"] for row in overview["far_behind"]]
    assert [i["code"] for i in numbers["lagging"] if i["status"] == progress.FAR_BEHIND] == far

    departments = client.get(reverse("reporting:departments") + query).context
    behind = [
        (row.department.name, cell.state)
        for row, cell, _summary in departments["rows"]
        if cell.state in (timeliness.LATE, timeliness.MISSING)
    ]
    assert [(r["department"], r["state"]) for r in numbers["reporting"]] == behind

    investment = client.get(reverse("projects:investment") + query).context
    implementation = investment["year_charts"][0]["progress"]
    assert numbers["investment"]["target_share"] == points(implementation.completion)
    assert numbers["investment"]["target_gap"] == progress.gap_phrase(implementation, "cumulative")

    text = client.get(page(report.year, month, report)).content.decode()
    assert f"截至{month}月底，{numbers['total']}项目标中已完成{numbers['counts']['done']}项" in text


def reopen_and_change(reporter, reviewer, indicator, month, value):
    """Correct an approved figure through the gate: reopen, resubmit (a jump this size is
    flagged: it goes with its 说明), approve."""
    entry = ProgressEntry.objects.get(indicator=indicator, month=month)
    workflow.review(reviewer, [entry], workflow.REOPEN, comment="更正")
    entry = submit(reporter, indicator, month, value=value, explanation="更正9月数据")
    workflow.review(reviewer, [entry], workflow.APPROVE)


def test_a_published_bulletin_never_changes_after_later_approvals(
    client, demo_year, reviewer, leader
):
    report = demo_year
    month = 9
    client.force_login(reviewer)
    client.post(action(report, month, "regenerate"), {"version": 0})
    bulletin = Bulletin.objects.get(report=report, month=month)
    response = client.post(action(report, month, "publish"), {"version": bulletin.version})
    assert response.status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.is_published and bulletin.published_by == reviewer
    frozen = (bulletin.title, bulletin.body, bulletin.numbers)
    printed = client.get(page(report.year, month, report)).content.decode()

    # A far-behind target is corrected to done for September after publication.
    typed = set(
        ProgressEntry.objects.filter(
            indicator__report=report, month=month, state="approved"
        ).values_list("indicator__code", flat=True)
    )
    far = next(
        i
        for i in bulletin.numbers["lagging"]
        if i["status"] == progress.FAR_BEHIND and i["code"] in typed
    )
    indicator = Indicator.objects.get(report=report, code=far["code"])
    reporter = make_user("t-late-fix", "reporter", indicator.lead_department)
    reopen_and_change(reporter, reviewer, indicator, month, indicator.target)
    assert bulletins.generate(report, month).numbers["counts"] != bulletin.numbers["counts"]

    for name, data in (
        ("save", {"version": bulletin.version, "title": "改", "body": "改"}),
        ("regenerate", {"version": bulletin.version}),
        ("publish", {"version": bulletin.version}),
    ):
        client.post(action(report, month, name), data)
    bulletin.refresh_from_db()
    assert (bulletin.title, bulletin.body, bulletin.numbers) == frozen
    client.force_login(leader)
    assert client.get(page(report.year, month, report)).content.decode().count(
        far["name"]
    ) == printed.count(far["name"])
    assert "已于" in client.get(page(report.year, month, report)).content.decode()


def test_the_office_edits_the_draft_before_publishing(client, report, reviewer):
    client.force_login(reviewer)
    preview = client.get(page(report.year, 9, report))
    assert preview.status_code == 200 and "预览" in preview.content.decode()
    generated = preview.context["bulletin"]
    body = generated.body.replace(
        "现将有关情况通报如下：", "现将有关情况通报如下（请各单位传达）："
    )
    response = client.post(
        action(report, 9, "save"), {"version": 0, "title": generated.title, "body": body}
    )
    assert response.status_code == 302
    draft = Bulletin.objects.get(report=report, month=9)
    assert "请各单位传达" in draft.body and draft.state == Bulletin.State.DRAFT
    assert draft.history.count() == 1 and draft.history.first().history_user == reviewer
    # A second save made from the first page (version 0) is refused, not silently lost.
    client.post(action(report, 9, "save"), {"version": 0, "title": "旧", "body": "旧"})
    draft.refresh_from_db()
    assert draft.title == generated.title


def test_a_leader_reads_bulletins_but_cannot_change_them(client, report, leader):
    client.force_login(leader)
    listing = client.get(reverse("supervision:bulletins") + f"?report={report.pk}")
    assert listing.status_code == 200 and "（未生成，查看预览）" in listing.content.decode()
    assert client.get(page(report.year, 9, report)).status_code == 200
    for name in ("save", "regenerate", "publish"):
        response = client.post(action(report, 9, name), {"version": 0, "title": "x", "body": "y"})
        assert response.status_code == 403
    assert not Bulletin.objects.exists()


def test_reporters_and_other_regions_cannot_open_the_bulletin(client, report, fgj):
    client.force_login(fgj)
    assert client.get(page(report.year, 9, report)).status_code == 403
    assert client.post(action(report, 9, "save"), {"version": 0}).status_code == 403
    elsewhere = Region.objects.create(name="鹿寨县")
    outsider = make_user("t-luzhai-office", "reviewer", region=elsewhere)
    client.force_login(outsider)
    assert client.get(page(report.year, 9, report)).status_code == 404
    response = client.post(action(report, 9, "publish"), {"version": 0})
    assert response.status_code == 404
    assert not Bulletin.objects.exists()


def test_a_year_that_is_not_the_reports_is_not_found(client, report, leader):
    client.force_login(leader)
    assert client.get(page(2024, 9, report)).status_code == 404
    assert client.get(page(report.year, 13, report)).status_code == 404


def test_the_word_file_is_laid_out_like_an_official_document(client, report, leader):
    client.force_login(leader)
    url = reverse("supervision:bulletin-docx", args=[report.year, 9]) + f"?report={report.pk}"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert ".docx" in response["Content-Disposition"]
    document = Document(BytesIO(response.content))
    section = document.sections[0]
    sizes_mm = [
        round(length / Mm(1))
        for length in (
            section.page_width,
            section.page_height,
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ]
    assert sizes_mm == [210, 297, 37, 35, 28, 26]
    title, *body = [p for p in document.paragraphs if p.text]
    assert title.text.startswith("关于柳城县2023年1—9月")
    title_run = title.runs[0]
    assert title_run.font.size == Pt(22)
    assert (
        title_run._element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        == "方正小标宋简体"
    )
    sizes = {run.font.size for paragraph in body for run in paragraph.runs}
    assert sizes == {Pt(16)}
    footer = section.footer.paragraphs[0]._element.xml
    assert "PAGE" in footer and "fldChar" in footer
    # Fonts are named, never embedded.
    assert b"word/fonts/" not in response.content and b"embedTrueType" not in response.content

"""The monthly form with the keyboard alone, in a real Chromium: 发改局's clerk tabs through the
whole page (header, month links, every field of every target and project row), types each
value, note and problem, picks a project's new stage with the arrow keys and types its date,
then goes back up to 报送 and presses Space. Every stop shows where the focus is, and what was
typed is stored, submitted.
"""

from decimal import Decimal

import pytest

from indicators.models import Department, EntryState, Indicator, ProgressEntry
from indicators.numbers import plain
from projects.models import ProjectProgress, Stage

from .conftest import make_project, make_user, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the focus is, and whether it shows: an outline or a shadow on the element, or on the
# label that stands for a file chooser (the chooser itself is transparent over it), and not
# hidden under the form's sticky head.
FOCUSED = """() => {
  const el = document.activeElement;
  const seen = el.type === "file" ? el.closest(".file-button") : el;
  const style = getComputedStyle(seen);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const head = document.querySelector(".sticky-head");
  const box = seen.getBoundingClientRect();
  const over = head && head.getBoundingClientRect();
  const covered = !!head && !head.contains(el) && box.top < over.bottom && box.bottom > over.top;
  return {
    tag: el.tagName.toLowerCase(), name: el.getAttribute("name") || "", type: el.type || "",
    value: el.value || "", text: (el.textContent || "").trim().slice(0, 30),
    inForm: !!el.form && el.form.id === "monthly-form",
    shown: (outlined || style.boxShadow !== "none") && !covered,
  };
}"""
# The fields a clerk fills, by the end of their names.
FILLED = ("-value", "-note", "-problems", "-investment_completed", "-stage", "-stage_date",
          "-physical_progress")  # fmt: skip


def fields_to_fill(page):
    """The names of the form's editable fields, read from the page (nothing is clicked)."""
    return set(
        page.eval_on_selector_all(
            "#monthly-form input[name], #monthly-form textarea, #monthly-form select",
            "els => els.filter(e => !['hidden', 'file'].includes(e.type)).map(e => e.name)",
        )
    )


def fill(page, focused, values):
    """Type what the focused field asks for; return what it now holds."""
    name = focused["name"]
    if name.endswith("-stage"):  # （不变） → 谋划 → 具备开工条件 → 已开工
        for _ in range(3):
            page.keyboard.press("ArrowDown")
    elif name.endswith("-stage_date"):
        # Part by part, each moving on to the next when full, in the order Chromium lays the
        # field out: its own locale's (en-US: mm/dd/yyyy here, whatever the page's language).
        page.keyboard.type("09152023")
    else:
        page.keyboard.type(values[name])
    return page.evaluate("document.activeElement.value")


def test_a_reporter_fills_and_submits_the_whole_month_with_the_keyboard_alone(visit, report):
    department = Department.objects.get(region=report.region, code="fgj")
    make_user("fgj", "reporter", department)
    project = make_project(report, lead_department=department, stage=Stage.READY)
    targets = list(Indicator.objects.filter(report=report, lead_department=department))
    values = {f"i{t.pk}-value": plain(t.target * Decimal("0.7")) for t in targets}
    for target in targets:
        values[f"i{target.pk}-note"] = f"{target.code}按计划推进"
        values[f"i{target.pk}-problems"] = "无"
    values |= {
        f"p{project.pk}-investment_completed": "6500",
        f"p{project.pk}-physical_progress": "主体结构施工",
        f"p{project.pk}-problems": "用地报批待批复",
    }
    visit.login("fgj")
    visit.goto("/report/2023/9/")
    page = visit.page
    wanted = fields_to_fill(page)
    targets = [t for t in targets if f"i{t.pk}-value" in wanted]  # not those the register counts
    assert len(targets) >= 2
    assert {f"p{project.pk}-stage", f"p{project.pk}-stage_date"} <= wanted
    assert len(wanted) == 3 * len(targets) + 5

    # Down the page with Tab, from the header to the end, filling each field on the way.
    held, unseen, stops = {}, [], 0
    while stops < 300:
        page.keyboard.press("Tab")
        stops += 1
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "body":
            break  # past the end of the page
        if not focused["shown"]:
            unseen.append(focused)
        if focused["inForm"] and focused["name"].endswith(FILLED) and focused["name"] not in held:
            held[focused["name"]] = fill(page, focused, values)
    assert focused["tag"] == "body" and stops > len(wanted)  # the whole page, header first
    assert unseen == []
    assert set(held) == wanted
    assert held[f"p{project.pk}-stage"] == Stage.STARTED
    assert held[f"p{project.pk}-stage_date"] == "2023-09-15"
    screenshot(page, "monthly-form-keyboard")

    # Back up to 报送 with Shift+Tab, and Space on it.
    for _ in range(stops):
        page.keyboard.press("Shift+Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "button" and focused["value"] == "submit":
            break
    assert focused["value"] == "submit" and focused["shown"]
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert "已报送" in page.inner_text(".messages")

    for target in targets:
        entry = ProgressEntry.objects.get(indicator=target, month=9)
        assert entry.state == EntryState.SUBMITTED
        assert plain(entry.value) == values[f"i{target.pk}-value"]
        assert (entry.note, entry.problems) == (f"{target.code}按计划推进", "无")
    row = ProjectProgress.objects.get(project=project, month=9)
    assert row.state == EntryState.SUBMITTED
    assert (plain(row.investment_completed), row.stage, str(row.stage_date)) == (
        "6500",
        Stage.STARTED,
        "2023-09-15",
    )
    assert (row.physical_progress, row.problems) == ("主体结构施工", "用地报批待批复")
    assert visit.console_errors == []
    assert visit.failed_responses == []

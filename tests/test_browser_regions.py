"""A city leader in a real Chromium: opens /regions/, compares two counties' targets, and drills
into one county's overview; at a desk (1366x768) and on a phone (390x844)."""

import pytest

from indicators.models import Region

from .conftest import make_user, screenshot
from .test_regions import make_county

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)])
def test_a_city_leader_compares_counties_and_drills_into_one(visit, report, size):
    city = Region.objects.create(name="柳州市", code="450200", level=Region.Level.CITY)
    report.region.parent = city
    report.region.save()
    make_county(
        "鹿寨县",
        "450223",
        city,
        [
            ("LV-01", "城镇新增就业", "cumulative", 1200, "人", "fgj", "monthly", {9: 300}),
            ("EC-01", "地区生产总值增长", "floor", 6, "%", "tjj", "quarterly", {9: "5.2"}),
        ],
    )
    make_user("city-leader", "leader", region=city)
    page = visit.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    visit.login("city-leader")
    visit.goto("/regions/?year=2023&month=9")
    page.wait_for_selector("#chart-regions .main-svg")
    assert page.locator("tr[data-region]").count() == 2
    page.select_option("select[name=compare]", "城镇新增就业")
    page.click("#compare button[type=submit]")
    page.wait_for_selector("#chart-compare .main-svg")
    bars = page.eval_on_selector_all(
        "#chart-compare .xtick text", "texts => texts.map((t) => t.textContent)"
    )
    assert set(bars) == {"柳城县", "鹿寨县"}
    assert not visit.has_horizontal_scroll()
    screenshot(page, f"regions-{size[0]}")
    page.click("tr[data-region=鹿寨县] a")
    page.wait_for_load_state("networkidle")
    assert "鹿寨县" in page.inner_text("h1")
    assert page.locator('tr[data-code="EC-01"]').count() == 1
    assert page.locator('tr[data-code="PP-01"]').count() == 0  # 柳城县's, not shown here
    screenshot(page, f"regions-drill-{size[0]}")
    assert visit.console_errors == [] and visit.failed_responses == []
    assert visit.foreign_requests == []

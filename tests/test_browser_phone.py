"""In real Chromium as a 390x844 phone: a reporter fills and submits September with a photo taken
from the file chooser, the reviewer sees its thumbnail and approves; no page of either path
scrolls sideways."""

from decimal import Decimal

import pytest
from PIL import Image

from indicators.models import Department, Indicator, ProgressEntryEvidence

from .conftest import Visit, approve, make_project, make_user, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    # 企业微信's in-app browser on Android: what a clerk at a site opens the link in.
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; V2183A) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36 wxwork/4.1.22 MicroMessenger/7.0.1"
    ),
}


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    yield Visit(page, live_server.url)
    context.close()


def site_photo(path):
    """A 12-megapixel photo, as a phone's camera writes it."""
    Image.new("RGB", (4000, 3000), (120, 140, 90)).save(path, "JPEG", quality=90)
    return path


def assert_fits(visit, path):
    visit.goto(path)
    visit.page.wait_for_load_state("networkidle")
    assert not visit.has_horizontal_scroll(), f"{path} scrolls sideways at 390px"


def test_a_reporter_submits_from_a_phone_with_a_photo_and_the_reviewer_approves(
    phone, report, tmp_path
):
    fgj = make_user("fgj", "reporter", Department.objects.get(code="fgj"))
    make_user("reviewer", "reviewer")
    solar = Indicator.objects.get(report=report, code="EC-05")
    approve(solar, 8, 80, note="8月底完成组件安装")
    project = make_project(report, code="FG-001", name="古砦光伏升压站")
    page = phone.page

    phone.goto("/accounts/login/")
    assert not phone.has_horizontal_scroll()
    phone.login("fgj")
    phone.goto("/report/2023/9/")
    page.wait_for_load_state("networkidle")
    assert not phone.has_horizontal_scroll()

    # The header is a menu behind one button.
    nav = page.locator(".topbar nav")
    assert not nav.is_visible()
    page.click(".menu-toggle")
    assert nav.is_visible() and page.locator(".topbar nav a", has_text="Excel导入").is_visible()
    page.click(".menu-toggle")
    assert not nav.is_visible()

    # Each row is a card as wide as the screen; the value asks for the decimal keyboard.
    card = page.locator(f"#row-i{solar.pk}")
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    value = page.locator(f"#id_i{solar.pk}-value")
    assert value.get_attribute("inputmode") == "decimal"
    assert value.bounding_box()["width"] > 300
    assert "8月：80" in card.inner_text() and "8月底完成组件安装" in card.inner_text()

    # The bar with 填写 n/N and the buttons stays at the bottom of the screen.
    bar = page.locator(".form-bar")
    assert bar.bounding_box()["y"] + bar.bounding_box()["height"] == pytest.approx(844, abs=1)
    assert "填写 0/3" in bar.inner_text()

    value.tap()
    value.fill("85")
    page.fill(f"textarea[name=i{solar.pk}-note]", "并网调试完成")
    with page.expect_file_chooser() as chooser:
        card.locator(".file-button:not(.camera)").tap()
    chooser.value.set_files(str(site_photo(tmp_path / "IMG_20230928_101500.jpg")))
    thumbnail = card.locator(".evidence-thumb")
    thumbnail.wait_for()
    assert card.locator(".evidence-status").inner_text() == "已保存"
    assert card.locator(".file-button.camera").is_visible()  # a touch screen offers the camera
    screenshot(page, "phone-monthly-form-with-photo")

    for row in page.locator("tr.editable input.value-input").all():
        if not row.input_value():
            row.fill("40")
    page.locator(f"#row-p{project.pk} input.value-input").fill("1200")
    assert "填写 3/3" in bar.inner_text()
    bar.locator("button[value=submit]").tap()
    page.wait_for_load_state("networkidle")
    assert "已报送3条" in page.inner_text(".messages")
    assert page.locator(f"#id_i{solar.pk}-value").count() == 0
    assert card.locator(".evidence-thumb").count() == 1
    assert card.locator(".evidence-remove").count() == 0  # frozen with the row
    assert not phone.has_horizontal_scroll()
    screenshot(page, "phone-monthly-form-submitted")

    # The rest of the reporter's path fits the screen too.
    for path in (
        "/import/?year=2023&month=9",
        f"/departments/{fgj.department_id}/?year=2023&month=9",
        "/projects/?year=2023&month=9",
        f"/indicators/{solar.pk}/?month=9",
        f"/projects/{project.pk}/",
    ):
        assert_fits(phone, path)
    page.context.clear_cookies()

    phone.login("reviewer")
    assert_fits(phone, "/review/?year=2023")
    row = page.locator('tr[data-code="EC-05"]')
    image = row.locator("img.evidence-thumb")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 320
    screenshot(page, "phone-review-queue")
    with page.context.expect_page() as opened:
        image.tap()
    full = opened.value
    full.wait_for_load_state()
    item = ProgressEntryEvidence.objects.get()
    assert full.url.endswith(f"/evidence/i/{item.pk}/")
    assert full.evaluate("document.contentType") == "image/jpeg"
    full.close()
    row.locator("button.approve").tap()
    page.wait_for_load_state("networkidle")
    assert "已审核通过1条" in page.inner_text(".messages")
    assert item.entry.__class__.objects.get(pk=item.entry_id).value == Decimal(85)
    for path in ("/?year=2023&month=9", f"/indicators/{solar.pk}/?month=9", "/departments/"):
        assert_fits(phone, path)

    assert phone.failed_responses == []
    assert phone.console_errors == []
    assert phone.foreign_requests == []


def test_on_a_desktop_the_form_stays_a_table_with_its_bar_on_top(visit, report):
    make_user("fgj", "reporter", Department.objects.get(code="fgj"))
    visit.login("fgj")
    visit.goto("/report/2023/9/")
    page = visit.page
    assert page.locator("table.entry-table thead").is_visible()
    assert not page.locator(".menu-toggle").is_visible()
    assert page.locator(".topbar nav").is_visible()
    assert not page.locator(".file-button.camera").first.is_visible()  # no camera on a desktop
    bar = page.locator(".form-bar").bounding_box()
    assert bar["y"] < 200
    screenshot(page, "desktop-monthly-form")

"""Rules that belong to the data are enforced by the database; the admin explains them."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from indicators.models import Department, Indicator, ProgressEntry

from .conftest import approve, make_user


def code(report, value):
    return Indicator.objects.get(report=report, code=value)


def refused(action):
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


def test_a_negative_target_is_refused_for_counts_but_not_for_a_limit(report):
    land = code(report, "PP-10")
    refused(lambda: Indicator.objects.filter(pk=land.pk).update(target=-1))
    land.refresh_from_db()
    assert land.target == 5000
    # a ceiling (or floor) may be negative: a price index kept under −0.5 %
    unemployment = code(report, "LV-02")
    Indicator.objects.filter(pk=unemployment.pk).update(target=Decimal("-0.5"))
    unemployment.refresh_from_db()
    assert unemployment.target == Decimal("-0.5")


def test_ratio_kinds_need_a_positive_target(report):
    refused(lambda: Indicator.objects.filter(report=report, code="PP-10").update(target=0))
    # a ceiling may be 0 (零就业家庭动态清零)
    assert code(report, "LV-03").target == 0


def test_indicator_code_is_unique_within_a_report(report):
    original = code(report, "PP-10")
    before = Indicator.objects.count()
    original.pk = None
    refused(original.save)
    assert Indicator.objects.count() == before


def test_month_thirteen_is_refused(report):
    indicator = code(report, "PP-10")
    refused(lambda: approve(indicator, 13, 10))
    refused(lambda: approve(indicator, 0, 10))
    assert not ProgressEntry.objects.exists()


def test_second_entry_for_the_same_month_is_refused(report):
    indicator = code(report, "PP-10")
    approve(indicator, 9, 3000)
    refused(lambda: approve(indicator, 9, 3100))
    assert list(ProgressEntry.objects.values_list("value", flat=True)) == [Decimal("3000")]


def test_milestone_above_one_hundred_is_refused(report):
    refused(lambda: approve(code(report, "UC-01"), 9, 120))
    # the same number is fine for a count
    approve(code(report, "EC-04"), 9, 120)
    assert ProgressEntry.objects.count() == 1


def test_a_negative_reading_is_refused_for_counts_but_recorded_for_a_limit(report):
    refused(lambda: approve(code(report, "LV-01"), 9, -5))
    assert not ProgressEntry.objects.exists()
    approve(code(report, "LV-02"), 9, Decimal("-0.3"))  # a ceiling: deflation is a fact
    assert ProgressEntry.objects.get().value == Decimal("-0.3")


def test_submitted_entry_needs_a_value(report):
    indicator = code(report, "LV-01")
    refused(lambda: ProgressEntry.objects.create(indicator=indicator, month=9, state="submitted"))
    ProgressEntry.objects.create(indicator=indicator, month=9, note="草稿只写了说明")
    assert ProgressEntry.objects.get().value is None


def test_deleting_an_indicator_with_entries_is_refused(report):
    indicator = code(report, "LV-01")
    approve(indicator, 1, 100)
    with pytest.raises(ProtectedError):
        indicator.delete()
    assert Indicator.objects.filter(pk=indicator.pk).exists()


def test_deleting_a_department_that_leads_targets_is_refused(report):
    department = Department.objects.get(code="rsj")
    with pytest.raises(ProtectedError):
        department.delete()
    assert Department.objects.filter(pk=department.pk).exists()


def test_kind_cannot_change_once_entries_exist(report):
    from django.core.exceptions import ValidationError

    indicator = code(report, "UC-01")
    approve(indicator, 1, 10)
    indicator.kind = "cumulative"
    with pytest.raises(ValidationError) as error:
        indicator.full_clean()
    assert "kind" in error.value.message_dict


@pytest.fixture
def admin_client_logged_in(client, report):
    admin = make_user("t-admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def indicator_form(report, **changes):
    indicator = code(report, "LV-01")
    data = {
        "report": report.pk,
        "section": indicator.section_id,
        "code": indicator.code,
        "order": indicator.order,
        "name": indicator.name,
        "unit": indicator.unit,
        "kind": indicator.kind,
        "target": "1500",
        "lead_department": indicator.lead_department_id,
        "source_quote": indicator.source_quote,
        "register_rule": "",
        "monthly_plan": "null",
    }
    data.update(changes)
    return indicator, data


def test_admin_refuses_a_negative_target_with_a_message(admin_client_logged_in, report):
    indicator, data = indicator_form(report, target="-10")
    response = admin_client_logged_in.post(
        f"/admin/indicators/indicator/{indicator.pk}/change/", data
    )
    assert response.status_code == 200
    assert "年度目标必须大于0" in response.content.decode()
    indicator.refresh_from_db()
    assert indicator.target == 1500


def test_admin_refuses_a_bad_monthly_plan(admin_client_logged_in, report):
    indicator, data = indicator_form(report, monthly_plan="[0.5, 0.4]")
    response = admin_client_logged_in.post(
        f"/admin/indicators/indicator/{indicator.pk}/change/", data
    )
    assert "月度计划须为12个数字" in response.content.decode()
    indicator.refresh_from_db()
    assert indicator.monthly_plan is None


def test_the_admin_adds_no_entry_even_for_an_administrator(admin_client_logged_in, report):
    """Entries are written by the workflow gate only; the admin shows them read-only."""
    milestone = code(report, "UC-01")
    for value, month in (("120", 9), ("90", 9), ("10", 13)):
        data = {"indicator": milestone.pk, "month": month, "value": value, "state": "approved"}
        response = admin_client_logged_in.post("/admin/indicators/progressentry/add/", data)
        assert response.status_code == 403
    assert not ProgressEntry.objects.exists()

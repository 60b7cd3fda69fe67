"""Shared personas and small factories.

Personas (as in STYLE.md): a reporter of 发改局 (``fgj``), a reporter of 人社局 (``rsj``, the
outsider for 发改局's rows), a ``reviewer``, a ``leader`` and anonymous. They live in the demo
report, loaded from the shipped fixture, so every test sees the real catalogue.
"""

import os
import shutil
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from indicators import demo
from indicators.models import Department, EntryState, Indicator, ProgressEntry, Section, User

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def report(db):
    """The 2023 report of 柳城县 from the shipped fixture, with groups but no demo progress."""
    report = demo.ensure_report()
    demo.ensure_groups()
    return report


def make_user(username, group=None, department=None):
    user = User.objects.create_user(username, password="pw-for-tests-1", department=department)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def fgj(report):
    return make_user("t-fgj", "reporter", Department.objects.get(code="fgj"))


@pytest.fixture
def rsj(report):
    return make_user("t-rsj", "reporter", Department.objects.get(code="rsj"))


@pytest.fixture
def reviewer(report):
    return make_user("t-reviewer", "reviewer")


@pytest.fixture
def leader(report):
    return make_user("t-leader", "leader")


def approve(indicator, month, value, **fields):
    """An approved entry, as review would leave it."""
    return ProgressEntry.objects.create(
        indicator=indicator,
        month=month,
        value=Decimal(str(value)),
        state=EntryState.APPROVED,
        **fields,
    )


def add_indicators(report, count, prefix="X"):
    """``count`` extra cumulative targets with a year of approved entries, for growth tests."""
    section = Section.objects.filter(report=report).first()
    department = Department.objects.first()
    indicators = Indicator.objects.bulk_create(
        Indicator(
            report=report,
            section=section,
            code=f"{prefix}-{n:04d}",
            name=f"测试目标{n}",
            unit="个",
            kind="cumulative",
            target=100,
            lead_department=department,
        )
        for n in range(count)
    )
    ProgressEntry.objects.bulk_create(
        ProgressEntry(indicator=i, kind=i.kind, month=m, value=m * 8, state=EntryState.APPROVED)
        for i in indicators
        for m in range(1, 13)
    )
    return indicators


@pytest.fixture(scope="session")
def browser_executable():
    """Debian's Chromium, or a skip with the reason (a failure under CI=true)."""
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return CHROMIUM
    message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)

"""One number parser for every form and import: what a clerk types is read one way or refused
with a message, and what an input shows is read back unchanged."""

from decimal import Decimal

import pytest

from indicators.numbers import BAD_COMMAS, NOT_A_NUMBER, parse, plain


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1500", "1500"),
        ("1,500", "1500"),
        ("1,234,567.5", "1234567.5"),
        ("1 500", "1500"),
        ("1 234 567.5", "1234567.5"),
        ("１２３，４５６．７", "123456.7"),
        ("　１２　", "12"),
        ("−3.5", "-3.5"),
        ("-0.3", "-0.3"),
        (".5", "0.5"),
        ("0.0001", "0.0001"),
        ("99999999.9999", "99999999.9999"),
    ],
)
def test_numbers_are_read_as_clerks_type_them(typed, value):
    assert parse(typed) == Decimal(value)


@pytest.mark.parametrize("typed", ["1,5", "0,500", "12 34", "1 5", "12 34.5", "1,23,456"])
def test_separators_that_do_not_group_by_three_are_refused_not_guessed(typed):
    with pytest.raises(ValueError, match=str(BAD_COMMAS)):
        parse(typed)


@pytest.mark.parametrize(
    "typed", ["500万", "4.5%", "约100", "10²", "①②", "NaN", "inf", "∞", "0x1F", "1e3", "1..2"]
)
def test_units_words_and_odd_digits_are_refused_with_a_message(typed):
    with pytest.raises(ValueError, match=str(NOT_A_NUMBER)):
        parse(typed)


def test_blank_is_no_number():
    assert parse("") is None and parse("  ") is None and parse(None) is None


@pytest.mark.parametrize(
    "value", ["0.0001", "999", "1239.5", "1000000", "99999999.9999", "-0.3", "1239.0000"]
)
def test_what_plain_writes_parse_reads_back(value):
    shown = plain(Decimal(value))
    assert "," not in shown and not shown.endswith(".0") and "E" not in shown
    assert parse(shown) == Decimal(value)


def test_plain_writes_floats_as_people_read_them():
    assert plain(0.1) == "0.1" and plain(1e-05) == "0.00001" and plain(None) == ""

"""The §6 masking shapes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import make_id
from tuanti_cli.masking import mask_field, mask_id, mask_phone, scrub
from tuanti_cli.validate import PROVINCES


def test_examples_from_the_spec() -> None:
    assert mask_id("110101199003071234") == "11************1234"
    assert mask_phone("13812345678") == "138****5678"


@given(
    st.sampled_from(sorted(PROVINCES)),
    st.integers(0, 9999),
    st.dates(dt.date(1900, 1, 1), dt.date(2026, 11, 26)),
    st.integers(0, 999),
)
def test_id_mask_shape(province: int, district: int, birth: dt.date, seq: int) -> None:
    number = make_id(f"{province}{district:04d}", birth, seq)
    masked = mask_id(number)
    assert masked == number[:2] + "*" * 12 + number[14:]
    assert len(masked) == 18


@given(st.integers(3, 9), st.integers(0, 10**9 - 1))
def test_phone_mask_shape(second: int, rest: int) -> None:
    number = f"1{second}{rest:09d}"
    assert mask_phone(number) == number[:3] + "****" + number[7:]


@given(st.text(max_size=40))
def test_masking_never_reveals_a_long_digit_run(text: str) -> None:
    import re

    for masked in (mask_field("name", text), scrub(text)):
        assert not re.search(r"[0-9]{7,}", masked)


def test_short_values_are_fully_hidden() -> None:
    assert mask_id("12345") == "*****"
    assert mask_phone("1381") == "****"


def test_scrub_masks_numbers_written_in_groups_but_not_dates() -> None:
    for text in (
        "139 1234 5678",
        "139-1234-5678",
        "110101 19900307 1234",
        "１３９ １２３４ ５６７８",
        "138.1234.5678",
        "(138)1234-5678",
        "138/1234/5678",
        "138 - 1234 - 5678",
        "110101.19900307.1234",
    ):
        masked = scrub(f"value {text}.")
        assert sum(c.isdigit() for c in masked) <= 6, masked
    for text in (
        "2022-12-05 08:00:00",
        "2022-12-05T08:00:00+08:00",
        "2022.12.05 08:00",
        "2022/12/05 08:00",
        "line 1234",
        "M0001",
    ):
        assert scrub(text) == text


@pytest.mark.parametrize("field", ["name", "consent", "department"])
def test_an_id_ending_in_x_in_any_column_is_masked_as_an_id(field: str) -> None:
    number = "11010519950307126X"
    assert mask_field(field, number) == "11************126X"
    assert mask_field(field, number.lower()) == "11************126x"
    assert mask_field(field, f"工号{number}号") == "工号11************126X号"
    assert mask_field(field, "１１０１０５１９９５０３０７１２６Ｘ") == "１１************１２６Ｘ"
    # A Latin word going on from an X is no check character: the digits alone are masked.
    assert mask_field(field, "110105199503071260 Xu") == "11************1260 Xu"


def test_an_id_in_the_phone_column_is_masked_as_an_id() -> None:
    assert mask_field("phone", "110101199003071234") == "11************1234"
    assert mask_field("phone", "13812345678") == "138****5678"


@given(st.text(max_size=40) | st.text("0123456789X", min_size=11, max_size=18))
def test_the_sql_masks_are_the_python_masks(value: str) -> None:
    """What SQLite computes for an export is what :func:`mask_id` and :func:`mask_phone`
    give, whatever the value's length and characters."""
    import sqlite3

    from tuanti_cli.masking import mask_id_sql, mask_phone_sql

    value = value.replace("\x00", "")  # SQLite text ends at NUL; no stored value holds one
    with sqlite3.connect(":memory:") as conn:
        masked = conn.execute(
            f"SELECT {mask_id_sql('v')}, {mask_phone_sql('v')} FROM (SELECT ? AS v)", (value,)
        ).fetchone()
    assert masked == (mask_id(value), mask_phone(value))

"""ID number, phone, name and consent rules of PRODUCT §4."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import make_id
from tuanti_cli.errors import FieldError
from tuanti_cli.validate import (
    PROVINCES,
    check_character,
    is_consent,
    validate_id,
    validate_name,
    validate_phone,
)

TODAY = dt.date(2026, 11, 26)

valid_ids = st.builds(
    lambda province, district, birth, seq: make_id(f"{province}{district:04d}", birth, seq),
    st.sampled_from(sorted(PROVINCES)),
    st.integers(0, 9999),
    st.dates(dt.date(1900, 1, 1), TODAY),
    st.integers(0, 999),
)
valid_phones = st.builds(
    lambda second, rest: f"1{second}{rest:09d}", st.integers(3, 9), st.integers(0, 10**9 - 1)
)


@given(valid_ids)
def test_every_valid_id_passes(number: str) -> None:
    assert validate_id(number, TODAY) == number


@given(valid_ids, st.data())
def test_one_changed_character_fails(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, 17))
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(FieldError):
        validate_id(changed, TODAY)


@given(valid_phones)
def test_every_valid_phone_passes(number: str) -> None:
    assert validate_phone(number) == number


def test_district_codes_are_not_looked_up() -> None:
    # 110199 is not a district in any table; a real person can still hold such a number.
    number = make_id("119999", dt.date(1990, 1, 1), 1)
    assert validate_id(number, TODAY) == number


def test_id_normalisation() -> None:
    number = make_id("110101", dt.date(1990, 1, 1), 2)
    full_width = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert validate_id(full_width, TODAY) == number
    assert validate_id(f" {number[:6]} {number[6:14]} {number[14:]} ", TODAY) == number


def test_lowercase_x_is_stored_upper() -> None:
    for seq in range(1000):
        number = make_id("440301", dt.date(1985, 6, 1), seq)
        if number.endswith("X"):
            break
    assert validate_id(number.lower(), TODAY) == number


@pytest.mark.parametrize(
    ("number", "key"),
    [
        ("110101900307123", "id.fifteen"),
        ("", "id.empty"),
        ("11010119900307123", "id.shape"),
        (make_id("990101"), "id.region"),
        (make_id("100101"), "id.region"),
        ("110101" + "20230231" + "1234", "id.date"),
        (make_id("110101", dt.date(2027, 1, 1)), "id.future"),
        (make_id("110101", dt.date(1899, 12, 31)), "id.too_old"),
    ],
)
def test_id_rejections(number: str, key: str) -> None:
    with pytest.raises(FieldError) as caught:
        validate_id(number, TODAY)
    assert caught.value.key == key
    assert caught.value.field == "id_number"


def test_bad_check_character() -> None:
    number = make_id()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(FieldError) as caught:
        validate_id(wrong, TODAY)
    assert caught.value.key == "id.check"


GB_11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_character_is_the_standards_weighted_sum(body: str) -> None:
    weighted = sum(int(d) * w for d, w in zip(body, GB_11643_WEIGHTS, strict=True))
    assert check_character(body) == "10X98765432"[weighted % 11]
    assert check_character(body + "X") == check_character(body)  # only 17 digits count


def test_check_character_of_published_examples() -> None:
    # The example of GB 11643-1999 and one ending in X.
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


def test_birth_date_today_is_accepted() -> None:
    number = make_id("310101", TODAY)
    assert validate_id(number, TODAY) == number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 139-1234-5678", "13912345678"),
        ("0086 150 0000 1111", "15000001111"),
        ("8619212345678", "19212345678"),
        ("195 1234 5678", "19512345678"),
        ("１３８１２３４５６７８", "13812345678"),
    ],
)
def test_phone_normalisation(raw: str, expected: str) -> None:
    assert validate_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12912345678", "010-12345678", "1391234567", "139123456789", ""])
def test_phone_rejections(raw: str) -> None:
    with pytest.raises(FieldError) as caught:
        validate_phone(raw)
    assert caught.value.field == "phone"


def test_names() -> None:
    assert validate_name("  张三 ") == "张三"
    for bad in ["", "   ", "x" * 51, "a\x00b"]:
        with pytest.raises(FieldError):
            validate_name(bad)
    assert validate_name("x" * 50) == "x" * 50


@pytest.mark.parametrize("value", ["yes", "Y", "TRUE", "1", "是", "同意", " 同意 ", True, 1])
def test_explicit_consent(value: object) -> None:
    assert is_consent(value)


@pytest.mark.parametrize("value", ["否", "", "no", "0", "false", "ok", None, False, 0, "不同意"])
def test_anything_else_is_no_consent(value: object) -> None:
    assert not is_consent(value)

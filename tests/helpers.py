"""Builders for valid and invalid test data."""

from __future__ import annotations

import datetime as dt

from stdnum.iso7064 import mod_11_2


def make_id(region: str = "110101", birth: dt.date = dt.date(1990, 3, 7), seq: int = 123) -> str:
    """A valid 18-character ID number for the given region, birth date and sequence."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + mod_11_2.calc_check_digit(body)


def make_ids(count: int, start: int = 0) -> list[str]:
    """``count`` distinct valid ID numbers."""
    ids = []
    for i in range(start, start + count):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=i // 1000)
        ids.append(make_id("110101", birth, i % 1000))
    return ids


def make_phone(i: int) -> str:
    """A valid mobile number."""
    return f"139{i:08d}"

"""Builders for valid and invalid test data."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stdnum.iso7064 import mod_11_2

from tuanti_cli.keys import read_key_file
from tuanti_cli.store import Store


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


def bad_check(number: str) -> str:
    """The ID number with a wrong check character (the last one)."""
    return number[:17] + ("0" if number[17] != "0" else "1")


def make_phone(i: int) -> str:
    """A valid mobile number."""
    return f"139{i:08d}"


SECTION_6_KEYS = (
    "member_no",
    "name",
    "department",
    "id_number",
    "phone",
    "health_code",
    "nat_sampled_at",
    "nat_result",
    "nat_days",
    "vaccination",
    "vaccine_doses",
    "last_dose_date",
    "compared_at",
    "abnormal",
    "flags",
)
"""The keys of a `show` JSON record and the columns of its CSV, spelled out as PRODUCT §6
gives them (on purpose not taken from the code under test)."""


def query(db_path: Path, key_path: Path, sql: str, params: Any = ()) -> list[Any]:
    """Every row a query returns from the store."""
    with Store.open(db_path, read_key_file(key_path)) as store:
        return store.query(sql, params)


def all_rows(db_path: Path, key_path: Path) -> str:
    """Every row of every table in the store, as one text to search."""
    with Store.open(db_path, read_key_file(key_path)) as store:
        tables = [r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type='table'")]
        return repr({t: store.query(f"SELECT * FROM {t}") for t in tables})


def person_name(i: int, prefix: str = "员工") -> str:
    """A distinct, valid name for number ``i`` (names hold no digits: 员工一二)."""
    return prefix + "".join("零一二三四五六七八九"[int(d)] for d in str(i))


PIPE_BUFFER = 1 << 16
"""What a Linux pipe holds before a writer waits for the reader."""


@contextlib.contextmanager
def piped(data: bytes) -> Iterator[str]:
    """A path that reads ``data`` from a pipe, as the shell's ``<(cat file)`` gives one."""
    assert len(data) < PIPE_BUFFER, "written whole before anyone reads"
    reader, writer = os.pipe()
    try:
        os.write(writer, data)
        os.close(writer)
        yield f"/dev/fd/{reader}"
    finally:
        os.close(reader)


@contextlib.contextmanager
def fifo(path: Path, data: bytes) -> Iterator[Path]:
    """A named pipe at ``path`` that a thread writes ``data`` into once a reader opens it."""
    os.mkfifo(path)

    def write() -> None:
        with contextlib.suppress(BrokenPipeError), path.open("wb") as stream:
            stream.write(data)  # once a reader has opened it

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield path
    finally:
        if writer.is_alive():  # nobody opened it: a reader lets the writer finish
            with contextlib.suppress(OSError):
                os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(5)

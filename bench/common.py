"""Shared by the bench scripts: valid ID numbers, a scratch store, timing helpers."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

TUANTI = [sys.executable, "-m", "tuanti_cli"]
ROSTER = "示例"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(index: int) -> str:
    """A valid, distinct 18-character ID number for every index below 30 million."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=index % 30000)
    body = f"{110101 + index % 97:06d}{birth:%Y%m%d}{index // 30000 % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def store_env(folder: Path) -> dict[str, str]:
    """Environment pointing tuanti at a scratch store and key file inside ``folder``."""
    return dict(
        os.environ,
        TUANTI_DB=str(folder / "store" / "tuanti.db"),
        TUANTI_KEY_FILE=str(folder / "tuanti.key"),
        TUANTI_LANG="en",
    )


def init_steps() -> list[list[str]]:
    """The commands that create a store with one roster."""
    return [
        [
            *TUANTI,
            "init",
            "--admin-name",
            "王老师",
            "--admin-phone",
            "13912345678",
            "--admin-id",
            "110101198001010053",
        ],
        [*TUANTI, "roster", "create", "--name", ROSTER, "--address", "北京"],
    ]


def run_quietly(steps: list[list[str]], env: dict[str, str]) -> None:
    """Run set-up commands, failing loudly if one fails."""
    for step in steps:
        subprocess.run(step, env=env, check=True, capture_output=True)


def median_seconds(
    argv: list[str], env: dict[str, str], runs: int, before: list[list[str]] | None = None
) -> float:
    """Median wall time of ``argv`` over ``runs`` runs; ``before`` runs untimed each time."""
    samples = []
    for _ in range(runs):
        run_quietly(before or [], env)
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def sibling(tool: str) -> str:
    """A console script installed next to this Python (sqlite-utils), else from PATH."""
    beside = Path(sys.executable).parent / tool
    return str(beside) if beside.exists() else shutil.which(tool) or tool


def person_name(index: int, prefix: str = "人员") -> str:
    """A distinct, valid name (names hold no digits): 人员一二三."""
    return prefix + "".join("零一二三四五六七八九"[int(d)] for d in str(index))


def write_members(path: Path, indexes: Iterable[int]) -> Path:
    """An enrollment CSV of the people at ``indexes``, in that order: valid names, IDs and
    phones, consent given."""
    with path.open("w", encoding="utf-8") as out:
        out.write("姓名,身份证号,手机号,同意授权\n")
        for i in indexes:
            out.write(f"{person_name(i)},{make_id(i)},139{i:08d},是\n")
    return path


def enroll_all(path: Path, expected: int, env: dict[str, str]) -> None:
    """``enroll import`` of ``path``, stopping the bench unless all ``expected`` people were
    added: an import that rejects rows still exits 0, and a bench must not measure an empty
    roster."""
    done = subprocess.run(
        [*TUANTI, "enroll", "import", ROSTER, str(path), "--format", "json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    added = json.loads(done.stdout)["added"]
    if added != expected:
        raise SystemExit(f"{path}: {added} of {expected} people enrolled")


def time_import(
    folder: Path, csv_path: Path, runs: int, sqlite_utils_options: tuple[str, ...] = ()
) -> tuple[float, float]:
    """Median seconds of ``tuanti enroll import`` of ``csv_path`` into a fresh store, and of
    ``sqlite-utils insert --csv`` of the same file into a fresh plain SQLite file."""
    env = store_env(folder)
    reset_store = [["rm", "-rf", str(folder / "store"), str(folder / "tuanti.key")], *init_steps()]
    ours = median_seconds(
        [*TUANTI, "enroll", "import", ROSTER, str(csv_path)], env, runs, reset_store
    )
    plain_db = folder / "plain.db"
    theirs = median_seconds(
        [sibling("sqlite-utils"), "insert", str(plain_db), "rows", str(csv_path), "--csv",
         *sqlite_utils_options],
        env,
        runs,
        [["rm", "-f", str(plain_db)]],
    )  # fmt: skip
    return ours, theirs

"""The shipped examples import cleanly, and the demo runs end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import Run

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("enrollments.csv", "utf-8"),
        ("enrollments-excel-gb18030.csv", "gb18030"),
        ("enrollments.json", "utf-8"),
        ("enrollments.jsonl", "utf-8"),
        ("enrollments.xlsx", "xlsx"),
    ],
)
def test_example_enrollments_import(run: Run, roster_id: str, name: str, encoding: str) -> None:
    result = run("enroll", "import", roster_id, str(EXAMPLES / name), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["added"], report["rejected"], report["encoding"]) == (8, 0, encoding)


def test_demo_runs_and_masks(run: Run) -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "10 rows: 8 added" in result.stdout
    assert "M0008" in result.stdout
    assert "13912345601" not in result.stdout and "139****5601" in result.stdout
    assert "11************031" in result.stdout
    assert "matched 5, not found 1, name mismatch 1, bad row 1" in result.stdout
    table = result.stdout.split("tuanti show")[-1].split("== ")[0]
    assert "red" in table and "name mismatch" in table
    # The next day: 李娜 green again, 陈静 and 杨磊 found; the department and the days.
    assert "matched 7, not found 1, name mismatch 0, bad row 0; changed 5" in result.stdout
    summary = result.stdout.split("tuanti summary")[-1].split("== ")[0]
    assert "行政部" in summary and "62.5%" in summary
    report = result.stdout.split("tuanti report")[-1]
    assert "3-day report · 2022-12-04 to 2022-12-06" in report
    assert "12-04 not compared yet" in report
    assert re.search(r"12-06 +8 +5 +0 +1 +1 +1 +6 +3 +62\.5%", report)

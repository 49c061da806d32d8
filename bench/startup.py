"""Start-up time: ``tuanti --help`` and ``tuanti roster list`` next to ``import typer``.

Run with ``python bench/startup.py``. It makes its own store in a temporary folder.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 15


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Median wall time of ``argv`` over RUNS runs, in milliseconds."""
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    tuanti = [sys.executable, "-m", "tuanti_cli"]
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ)
        env.update(
            TUANTI_DB=str(Path(folder) / "tuanti.db"),
            TUANTI_KEY_FILE=str(Path(folder) / "tuanti.key"),
            TUANTI_LANG="en",
        )
        subprocess.run(
            [
                *tuanti,
                "init",
                "--admin-name",
                "王老师",
                "--admin-phone",
                "13912345678",
                "--admin-id",
                "110101198001010053",
            ],
            env=env,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        for i in range(3):
            subprocess.run(
                [
                    *tuanti,
                    "roster",
                    "create",
                    "--name",
                    f"机构{i}",
                    "--address",
                    "北京",
                    "--format",
                    "json",
                ],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        rows = [
            (
                "python -c 'import typer' (baseline)",
                timed([sys.executable, "-c", "import typer"], env),
            ),
            ("tuanti --help", timed([*tuanti, "--help"], env)),
            ("tuanti roster list (3 rosters)", timed([*tuanti, "roster", "list"], env)),
        ]
    print(f"median of {RUNS} runs, wall time")
    for label, ms in rows:
        print(f"  {label:<40} {ms:7.1f} ms")


if __name__ == "__main__":
    main()

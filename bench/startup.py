"""Start-up time: ``tuanti --help`` and ``tuanti roster list`` next to ``import typer``.

Run with ``python bench/startup.py``. It makes its own store in a temporary folder.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import TUANTI, init_steps, median_seconds, run_quietly, store_env

RUNS = 15


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = store_env(Path(folder))
        extra = [
            [*TUANTI, "roster", "create", "--name", f"机构{i}", "--address", "北京"]
            for i in range(2)
        ]
        run_quietly([*init_steps(), *extra], env)
        rows = [
            (
                "python -c 'import typer' (baseline)",
                median_seconds([sys.executable, "-c", "import typer"], env, RUNS),
            ),
            ("tuanti --help", median_seconds([*TUANTI, "--help"], env, RUNS)),
            (
                "tuanti roster list (3 rosters)",
                median_seconds([*TUANTI, "roster", "list"], env, RUNS),
            ),
        ]
    print(f"median of {RUNS} runs, wall time")
    for label, seconds in rows:
        print(f"  {label:<40} {seconds * 1000:7.1f} ms")


if __name__ == "__main__":
    main()

"""The zh/en catalogue, one module per area so that each stays short.

Each area module defines ``EN`` and ``ZH`` dicts with the same keys (a test checks this).
"""

from __future__ import annotations

from tuanti_cli.messages import (
    admin,
    columns,
    common,
    enroll,
    environment,
    guards,
    member,
    output,
    refresh,
    report,
    roster,
    view,
)

AREAS = (
    common,
    roster,
    enroll,
    refresh,
    view,
    output,
    guards,
    environment,
    columns,
    admin,
    report,
    member,
)

CATALOGUE: dict[str, dict[str, str]] = {"en": {}, "zh": {}}
for _area in AREAS:
    CATALOGUE["en"].update(_area.EN)
    CATALOGUE["zh"].update(_area.ZH)

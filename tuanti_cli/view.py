"""The masked roster view (PRODUCT §6): records, NAT days, abnormality, filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from tuanti_cli import clock
from tuanti_cli.masking import mask_id, mask_phone
from tuanti_cli.models import Roster
from tuanti_cli.store import Store

HEALTH_CODES = ("green", "yellow", "red", "popup", "unknown")
ABNORMAL_CODES = frozenset(["yellow", "red", "popup", "unknown"])
VACCINATIONS = ("booster", "primary", "partial", "exempt", "unknown")

RECORD_KEYS = (
    "member_no",
    "name",
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

_MEMBER_QUERY = """
    SELECT m.member_no, m.name, m.id_number, m.phone, h.health_code, h.nat_sampled_at,
           h.nat_result, h.vaccination, h.vaccine_doses, h.last_dose_date, h.compared_at, h.flags
    FROM member m LEFT JOIN health h ON h.member_id = m.id
    WHERE m.roster_id = ?
"""


def nat_days(sampled_at: str | None, as_of: dt.datetime) -> int | None:
    """Calendar days in Asia/Shanghai from the sampling date to the view date (today → 0).

    Never negative: a sample up to an hour "in the future" is accepted (clocks differ), and
    one taken just after midnight counts as today's.
    """
    if not sampled_at:
        return None
    if sampled_at.endswith(clock.SHANGHAI_OFFSET):
        sampled = dt.date.fromisoformat(sampled_at[:10])  # stored in Asia/Shanghai already
    else:
        sampled = clock.local_date(dt.datetime.fromisoformat(sampled_at))
    return max(0, (clock.local_date(as_of) - sampled).days)


def is_abnormal(
    health_code: str, nat_result: str | None, days: int | None, flags: list[str], max_nat_days: int
) -> bool:
    """Abnormal: a non-green code, a positive NAT, no NAT within the policy, or any flag.

    A member without any NAT sampling time cannot be shown to be within the policy, so a
    missing NAT counts as over the limit.
    """
    return (
        health_code in ABNORMAL_CODES
        or nat_result == "positive"
        or days is None
        or days > max_nat_days
        or bool(flags)
    )


def member_records(store: Store, roster: Roster, as_of: dt.datetime) -> list[dict[str, Any]]:
    """Every member of ``roster`` as a masked §6 record, abnormal first, then by member number."""
    records = [
        _record(row, roster.max_nat_days, as_of)
        for row in store.query(_MEMBER_QUERY, (roster.roster_id,))
    ]
    records.sort(key=lambda r: (not r["abnormal"], r["member_no"]))
    return records


def _record(row: Any, max_nat_days: int, as_of: dt.datetime) -> dict[str, Any]:
    (
        member_no,
        name,
        id_number,
        phone,
        code,
        sampled,
        result,
        vaccination,
        doses,
        last_dose,
        compared,
        flag_text,
    ) = row
    flags = flag_text.split(",") if flag_text else []
    days = nat_days(sampled, as_of)
    code = code or "unknown"
    return {
        "member_no": member_no,
        "name": name,
        "id_number": mask_id(id_number),
        "phone": mask_phone(phone),
        "health_code": code,
        "nat_sampled_at": sampled,
        "nat_result": result,
        "nat_days": days,
        "vaccination": vaccination or "unknown",
        "vaccine_doses": doses,
        "last_dose_date": last_dose,
        "compared_at": compared,
        "abnormal": is_abnormal(code, result, days, flags, max_nat_days),
        "flags": flags,
    }


def count_abnormal(records: Iterable[dict[str, Any]]) -> int:
    """How many records are abnormal."""
    return sum(1 for r in records if r["abnormal"])


def last_refresh(store: Store, roster_id: str) -> str | None:
    """When a refresh last compared this roster (a run over all rosters counts)."""
    rows = store.query(
        "SELECT max(finished_at) FROM run WHERE finished_at IS NOT NULL"
        " AND (roster_id IS NULL OR roster_id = ?)",
        (roster_id,),
    )
    finished: str | None = rows[0][0]  # an aggregate: always one row, NULL before any run
    return finished


def roster_summaries(
    store: Store, rosters: Iterable[Roster], as_of: dt.datetime
) -> list[dict[str, Any]]:
    """``roster list`` records: id, name, address, members, abnormal, last refresh."""
    summaries = []
    for roster in rosters:
        records = member_records(store, roster, as_of)
        summaries.append(
            {
                "roster_id": roster.roster_id,
                "name": roster.name,
                "address": roster.address,
                "members": len(records),
                "abnormal": count_abnormal(records),
                "last_refresh": last_refresh(store, roster.roster_id),
            }
        )
    return summaries


def filter_records(
    records: Iterable[dict[str, Any]],
    abnormal: bool = False,
    health_codes: Iterable[str] = (),
    nat_days_over: int | None = None,
    vaccinations: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Keep the records matching every given filter (an unknown NAT counts as over any limit)."""
    codes, vaccines = set(health_codes), set(vaccinations)
    kept = []
    for r in records:
        if abnormal and not r["abnormal"]:
            continue
        if codes and r["health_code"] not in codes:
            continue
        if (
            nat_days_over is not None
            and r["nat_days"] is not None
            and r["nat_days"] <= nat_days_over
        ):
            continue
        if vaccines and r["vaccination"] not in vaccines:
            continue
        kept.append(r)
    return kept


def summary(records: list[dict[str, Any]], max_nat_days: int) -> dict[str, Any]:
    """Counts per health code and vaccination, NAT within policy, abnormal."""
    return {
        "members": len(records),
        "health_code": {c: sum(r["health_code"] == c for r in records) for c in HEALTH_CODES},
        "nat_within_policy": sum(
            r["nat_days"] is not None and r["nat_days"] <= max_nat_days for r in records
        ),
        "vaccination": {v: sum(r["vaccination"] == v for r in records) for v in VACCINATIONS},
        "abnormal": count_abnormal(records),
    }

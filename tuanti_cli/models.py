"""Plain records shared by the core modules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Admin:
    """The person who owns the store."""

    name: str
    phone: str
    id_number: str


@dataclass(frozen=True)
class Roster:
    """One registration roster (登记簿)."""

    roster_id: str
    name: str
    address: str
    type: str | None
    max_nat_days: int
    form_url: str | None
    code_generation: int
    code_expiry: str
    code_ttl_hours: int | None
    created_at: str


ROSTER_COLUMNS = (
    "roster_id, name, address, type, max_nat_days, form_url, code_generation, "
    "code_expiry, code_ttl_hours, created_at"
)

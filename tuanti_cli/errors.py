"""The project's one error family. Every message is already fit for a person."""

from __future__ import annotations

from typing import Any

from tuanti_cli.i18n import t_masked


class TuantiError(Exception):
    """An error the user can fix; ``str()`` renders it in the current language."""

    exit_code = 1

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        # A value the user typed may be an ID or a phone in the wrong place (`show
        # 110101…`, `--max-nat-days 13812345678`), or carry terminal escapes: every
        # parameter is scrubbed and text is escaped; short numbers (line numbers) stay numbers.
        return t_masked(self.key, **self.params)


class StoreError(TuantiError):
    """The store cannot be opened, created or changed."""


class StoreKeyError(StoreError):
    """The key is missing, malformed or wrong."""


class BusyError(TuantiError):
    """Another run holds the lock; cron should simply try again later."""

    exit_code = 75


class InputError(TuantiError):
    """A file or value given by the user cannot be used."""


class NotFound(TuantiError):
    """A roster or member the user named does not exist."""


class FieldError(TuantiError):
    """One field of one record is invalid; ``field`` names it for reject reports."""

    def __init__(self, field: str, key: str, **params: Any) -> None:
        super().__init__(key, **params)
        self.field = field

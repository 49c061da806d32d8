"""Holding Ctrl-C and SIGTERM while a change that cannot be half-done runs."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

_HELD = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised where it came as Ctrl-C's KeyboardInterrupt is: the command's
    transaction rolls back on the way out, and it ends with one sentence (exit 143)."""

    signum = signal.SIGTERM


def raise_interrupted(signum: int, frame: object) -> None:
    """The SIGTERM handler of every command (set once the commands are loaded)."""
    raise Interrupted(signum)


@contextmanager
def held_until_done() -> Iterator[None]:
    """Run the block with SIGINT and SIGTERM held back; one that came meanwhile takes effect
    when the block ends, as if it had come then.

    For re-keying (``key rotate``, ``admin remove``): stopped between the re-key and the
    sentence saying which key now opens the store, the command ended silently under the new
    key, or left a new key file that opens nothing. Held, it ends either before anything
    changed or after it has said so. Nothing that waits for a person may run inside.
    """
    previous = hold()
    try:
        yield
    finally:
        if previous is not None:  # POSIX: what was held takes effect now
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # type: ignore[arg-type]


def hold() -> object:
    """Hold SIGINT and SIGTERM back from now until :func:`release`; returns what
    :func:`release` needs. For a change that is saved before it is reported: a refresh holds
    them from its commit until it has said what it saved."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)


def release(previous: object) -> int | None:
    """End a :func:`hold`: the signal that came meanwhile, if one did, is returned (and
    consumed) instead of taking effect, for the caller to end as it came."""
    if previous is None or not hasattr(signal, "sigpending"):
        return None
    pending = sorted(set(signal.sigpending()) & set(_HELD))
    handlers = {number: signal.signal(number, signal.SIG_IGN) for number in pending}
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # type: ignore[arg-type]
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    return int(pending[0]) if pending else None

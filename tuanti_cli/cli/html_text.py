"""Translated sentences for HTML pages, with the user's text in them isolated (``<bdi>``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tuanti_cli.i18n import t


def isolating(
    key: str, escape: Callable[[Any], str], isolated: Mapping[str, Any], **params: Any
) -> str:
    """The message ``key`` as HTML: every part escaped with ``escape``, and each value of
    ``isolated`` (a name, an address: text from the store) inside ``<bdi>``, so that a
    right-to-left name does not carry the words and numbers around it along with it
    ("7 · مدرسة النور-day report")."""
    marks = {name: f"\0{i}\0" for i, name in enumerate(isolated)}
    text = t(key, **params, **marks)
    parts = text.split("\0")
    # Odd pieces are the marks' numbers, in the order the message places them.
    names = list(isolated)
    return "".join(
        f"<bdi>{escape(isolated[names[int(piece)]])}</bdi>" if index % 2 else escape(piece)
        for index, piece in enumerate(parts)
    )

"""Messages for refresh."""

EN: dict[str, str] = {}

ZH: dict[str, str] = {}

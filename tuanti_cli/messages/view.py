"""Messages for view."""

EN: dict[str, str] = {}

ZH: dict[str, str] = {}

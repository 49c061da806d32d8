"""Messages for writing files: refused targets, atomic exports."""

EN: dict[str, str] = {}

ZH: dict[str, str] = {}

"""Messages for the refresh guards: impossible times, long rows, interrupted runs."""

EN: dict[str, str] = {}

ZH: dict[str, str] = {}

"""Messages for enroll."""

EN: dict[str, str] = {}

ZH: dict[str, str] = {}

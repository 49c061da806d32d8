"""Messages for the environment: store files, key files, locale, pipes, pagers."""

EN: dict[str, str] = {}

ZH: dict[str, str] = {}

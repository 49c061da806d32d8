"""Messages for the refresh guards: impossible times, long rows, interrupted runs."""

EN: dict[str, str] = {
    "guards.as_of_range": (
        "--as-of {value} is outside the years {first}–{last}; give a comparison time within "
        "them, such as 2022-12-01 09:00."
    ),
    "guards.header_too_long": (
        "The first line of the feed {path} is longer than 1 MiB, so it is not a header; "
        "nothing was changed. Check that it is the health-data export."
    ),
    "guards.command_interrupted": "The command was interrupted ({signal}); nothing was changed.",
    "guards.interrupted": (
        "The refresh was interrupted ({signal}); nothing was changed. Run it again to compare."
    ),
    "guards.cron_line_break": (
        "A path in the cron command holds a line break, which a crontab cannot hold: "
        "rename or move {path} and print the lines again."
    ),
}

ZH: dict[str, str] = {
    "guards.as_of_range": (
        "--as-of {value} 不在 {first}–{last} 年之间；请给出这段时间内的比对时间，如 2022-12-01 09:00。"
    ),
    "guards.header_too_long": (
        "健康数据文件 {path} 的第一行超过 1 MiB，不是表头；未做任何改动。请确认这是健康数据导出文件。"
    ),
    "guards.command_interrupted": "命令被中断（{signal}）；未做任何改动。",
    "guards.interrupted": "比对被中断（{signal}）；未做任何改动。请重新运行比对。",
    "guards.cron_line_break": (
        "cron 命令中的路径含有换行，crontab 无法容纳：请重命名或移动 {path} 后重新打印。"
    ),
}

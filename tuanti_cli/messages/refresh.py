"""Messages for the feed, refresh runs and the schedule."""

EN: dict[str, str] = {
    "feed.empty": (
        "The feed {path} has no data rows; nothing was changed. A provider's failed export must "
        "not turn every member unknown: check the file and run again."
    ),
    "feed.no_id_column": (
        "The feed {path} has no id_number (证件号码) column; nothing was changed. "
        "Check that it is the health-data export."
    ),
    "feed.zip": (
        "The feed {path} is an .xlsx workbook (a zip file), not {format} text; nothing was"
        " changed. Rename it to end in .xlsx and run again."
    ),
    "feed.first_sheet_only": (
        "The feed {path} has no id_number (证件号码) column on its first sheet, {sheet!r}, "
        "the only sheet of a workbook that is read; nothing was changed. Move the sheet with "
        "the results to the front (or save it as CSV UTF-8) and run again."
    ),
    "feed.id_on_other_sheet": (
        "The feed {path} has no id_number (证件号码) column on its first sheet, {sheet!r}, "
        "the only sheet of a workbook that is read, but sheet {other!r} has one; nothing was "
        "changed. Move {other!r} to the front (or save it as CSV UTF-8) and run again."
    ),
    "feed.bad_csv": (
        "The feed {path} ends inside a quoted field (line {line}); nothing was changed. "
        "The export is probably cut short."
    ),
    "feed.open_quote": (
        "The feed {path} opens a quoted field at line {line} that is still open 1 MiB later; "
        'nothing was changed. Look for a stray " on that line.'
    ),
    "feed.changed": (
        "The feed {path} changed while it was being read; nothing was changed. "
        "Run again once the provider has finished writing it."
    ),
    "feed.not_a_file": (
        "The feed {path} is a pipe or device, not a file, and a refresh may read its feed more "
        "than once; nothing was changed. Save the feed to a file first and pass that file."
    ),
    "feed.cr_only": (
        "The feed {path} uses old Mac line endings (CR only); nothing was changed. "
        "Save it as CSV UTF-8 with ordinary line endings."
    ),
    "feed.bad_json": "The feed {path} is not valid JSON (record {line}); nothing was changed.",
    "feed.json_not_list": (
        "The feed {path} is JSON but not an array of objects; use an array or JSONL. "
        "Nothing was changed."
    ),
    "feed.xls": (
        "The feed {path} is an Excel 97-2003 workbook (.xls), which tuanti cannot read; "
        "nothing was changed. Open it in Excel and save it as .xlsx or CSV UTF-8."
    ),
    "feed.masked": (
        "The feed {path} holds masked ID numbers ({count} {count:row|rows}, like "
        "110105********1535), which cannot be matched to anyone; nothing was changed. Ask the "
        "provider for an export with full ID numbers."
    ),
    "feed.damaged": (
        "The feed {path} has {count} {count:row|rows} whose ID number Excel turned into a "
        "number (like 1.10105E+17), losing its last digits, so it cannot be matched; nothing was changed. "
        "Ask for the export again, or in Excel format the ID column as Text first, and save "
        "as CSV UTF-8 or .xlsx."
    ),
    "feed.column_json": (
        "--column applies to CSV and .xlsx feeds, whose header row names the columns; "
        "{path} is JSON. Rename its keys instead (nothing was changed)."
    ),
    "refresh.missing_fields": (
        "The feed has no column for {fields}: those were left as they were for everyone."
    ),
    "refresh.damaged_ids": (
        "{count:,} feed {count:row has|rows have} an ID number that Excel turned into a "
        "number (like 1.10105E+17), losing its last digits, so nobody could be matched by them. Ask for "
        "the export again, or in Excel format the ID column as Text before entering or "
        "importing the data, and save as CSV UTF-8 or .xlsx."
    ),
    "opt.refresh.column": (
        "FIELD=HEADER: take this field from the column with this header (repeatable)."
    ),
    "refresh.locked": (
        "Another refresh of this store is running (waited {seconds} s); nothing was changed. "
        "Try again when it has finished."
    ),
    "refresh.members_changing": (
        "The members changed three times while the feed was being read (imports running?); "
        "nothing was changed. Run the refresh again when the imports are done."
    ),
    "refresh.summary": (
        "Feed: {rows:,} {rows:row|rows}. Compared {members} {members:member|members} — "
        "matched {matched}, not found {not_found}, name mismatch {name_mismatch}, bad row {bad_rows}; changed {changed}."
    ),
    "refresh.skipped": (
        "The feed is byte-identical to the one last applied, and the members are the same; "
        "nothing to do."
    ),
    "refresh.bad_line": "  feed row {row} ({id_number}): {field} cannot be read",
    "refresh.bad_line_later": (
        "  feed row {row} ({id_number}): {field} is more than an hour after the comparison "
        "time (--as-of, else now)"
    ),
    "refresh.bad_line_early": (
        "  feed row {row} ({id_number}): {field} lies before 1900 (1899-12-30, day zero of "
        "spreadsheets, often stands in for an empty date)"
    ),
    "refresh.bad_line_no_date": (
        "  feed row {row} ({id_number}): {field} is a time of day without a date (a date "
        "cell holding 0 reads so)"
    ),
    "refresh.bad_line_word_health_code": (
        "  feed row {row} ({id_number}): {field} is no code tuanti knows (write 绿码, 黄码, 红码"
        " or 弹窗; green, yellow, red or popup)"
    ),
    "refresh.bad_line_word_nat_result": (
        "  feed row {row} ({id_number}): {field} is no result tuanti knows (write 阴性, 阳性 or"
        " 待出结果; negative, positive or pending)"
    ),
    "refresh.bad_line_word_vaccination": (
        "  feed row {row} ({id_number}): {field} is no status tuanti knows (write 完成加强免疫,"
        " 完成基础免疫, 未完成基础免疫 or 不适宜接种; booster, primary, partial or exempt)"
    ),
    "refresh.bad_line_doses": (
        "  feed row {row} ({id_number}): {field} is no number of doses from 0 to 10 (write 3,"
        " 3剂 or 三剂)"
    ),
    "refresh.bad_line_time_form": (
        "  feed row {row} ({id_number}): {field} cannot be read as a date and time "
        "(write it like 2022-12-05 07:12)"
    ),
    "refresh.bad_line_date_form": (
        "  feed row {row} ({id_number}): {field} cannot be read as a date "
        "(write it like 2022-06-01)"
    ),
    "refresh.interrupted_saved": (
        "The refresh was interrupted ({signal}) after it was saved; what it found is above."
    ),
    "refresh.older_as_of": (
        "Note: this run compared as of {moment}, earlier than the last comparison ({latest});"
        " the members' state is now that of the older feed."
    ),
    "refresh.newly_abnormal": "Newly abnormal: {count}",
    "refresh.more_abnormal": "  … and {count} more: `tuanti show ROSTER --abnormal` lists everyone.",
    "refresh.more_bad": "  … and {count} more bad {count:row|rows}.",
    "refresh.abnormal_line": (
        "  {roster_id} {member_no} {name}{department} {id_number} {phone} {code}{flags}"
    ),
    "changes.department": "Department",
    "schedule.bad_time": "--at {value!r} is not a time of day; write it like 06:00 or 06:00:30.",
    "schedule.bad_tz": "--tz {value!r} is not a time zone; use a name like Asia/Shanghai.",
    "schedule.cron_seconds": (
        "cron starts jobs on the minute, so --at {value!r} cannot be printed as a crontab line; "
        "give whole minutes, or run `tuanti schedule` itself for seconds."
    ),
    "schedule.cron_no_key": (
        "These lines name no key file: cron has no terminal to ask for a passphrase, so give "
        "--key-file (or set TUANTI_KEY_FILE) before --print-cron, or set TUANTI_PASSPHRASE in "
        "the crontab."
    ),
    "schedule.started": ("Refreshing at {times} ({tz}); stop with Ctrl-C or SIGTERM."),
    "schedule.stopped": "Schedule stopped.",
    "help.refresh": "Compare the members with a health-data feed file (one run).",
    "help.schedule": "Run refresh at fixed times every day until stopped (or print crontab lines).",
    "opt.refresh.feed": "Health-data feed file (CSV, JSONL, JSON or .xlsx).",
    "opt.refresh.as_of": "Comparison time (default now).",
    "opt.refresh.quiet": "Print nothing unless a member newly became abnormal.",
    "opt.schedule.feed": "Health-data feed file, re-read at each run.",
    "opt.schedule.at": "Times of day, comma-separated.",
    "opt.schedule.tz": "Time zone of --at.",
    "opt.schedule.print_cron": "Print the equivalent crontab lines and exit.",
    "schedule.cron_header": "tuanti refresh at {times} {zone}, written in this machine's time zone ({local})",
}

ZH: dict[str, str] = {
    "feed.empty": "健康数据文件 {path} 没有数据行；未做任何改动。为避免供应方导出失败把所有成员变为未知，请检查文件后重试。",
    "feed.no_id_column": "健康数据文件 {path} 没有 id_number（证件号码）列；未做任何改动。请确认这是健康数据导出文件。",
    "feed.zip": "健康数据文件 {path} 是 .xlsx 工作簿（zip 文件），不是 {format} 文本；未做任何改动。请把文件名改为以 .xlsx 结尾后重试。",
    "feed.first_sheet_only": "健康数据文件 {path} 的第一个工作表 {sheet!r} 没有 id_number（证件号码）列，而工作簿只读取第一个工作表；未做任何改动。请把含结果的工作表移到最前（或另存为 CSV UTF-8）后重试。",
    "feed.id_on_other_sheet": "健康数据文件 {path} 的第一个工作表 {sheet!r} 没有 id_number（证件号码）列，工作表 {other!r} 才有，而工作簿只读取第一个工作表；未做任何改动。请把 {other!r} 移到最前（或将其另存为 CSV UTF-8）后重试。",
    "feed.bad_csv": "健康数据文件 {path} 在引号内结束（第 {line} 行）；未做任何改动。导出文件可能不完整。",
    "feed.open_quote": '健康数据文件 {path} 第 {line} 行的引号在其后 1 MiB 内仍未闭合；未做任何改动。请检查该行是否有多余的 "。',
    "feed.changed": "健康数据文件 {path} 在读取过程中发生了变化；未做任何改动。请等数据提供方写完后再运行。",
    "feed.not_a_file": "健康数据文件 {path} 是管道或设备而不是文件，而一次比对可能要多次读取数据文件；未做任何改动。请先把数据保存为文件，再指定该文件。",
    "feed.cr_only": "健康数据文件 {path} 使用旧式 Mac 换行（仅 CR）；未做任何改动。请另存为普通换行的 CSV UTF-8。",
    "feed.bad_json": "健康数据文件 {path} 不是有效的 JSON（第 {line} 条记录）；未做任何改动。",
    "feed.json_not_list": "健康数据文件 {path} 是 JSON 但不是对象数组；请使用数组或 JSONL。未做任何改动。",
    "feed.xls": "健康数据文件 {path} 是 Excel 97-2003 工作簿（.xls），tuanti 无法读取；未做任何改动。请在 Excel 中另存为 .xlsx 或 CSV UTF-8。",
    "feed.masked": "健康数据文件 {path} 中的证件号码已脱敏（{count} 行，如 110105********1535），无法与任何人匹配；未做任何改动。请向数据提供方索取含完整证件号码的导出文件。",
    "feed.damaged": "健康数据文件 {path} 中有 {count} 行的证件号码被 Excel 转成了数字（如 1.10105E+17），末几位已丢失，无法匹配；未做任何改动。请重新导出，或在 Excel 中先把证件号码列设为“文本”格式，并另存为 CSV UTF-8 或 .xlsx。",
    "feed.column_json": "--column 只适用于由标题行命名各列的 CSV 和 .xlsx 健康数据文件；{path} 是 JSON，请直接修改其键名（未做任何改动）。",
    "refresh.missing_fields": "健康数据文件没有 {fields} 列：所有人的这些项保持不变。",
    "refresh.damaged_ids": "健康数据中有 {count:,} 行的证件号码被 Excel 转成了数字（如 1.10105E+17），末几位已丢失，无法据此匹配任何人。请重新导出，或在 Excel 中先把证件号码列设为“文本”格式再录入或导入数据，并另存为 CSV UTF-8 或 .xlsx。",
    "opt.refresh.column": "字段=列名：从该列名的列读取此字段（可重复）。",
    "refresh.locked": "本数据库的另一次比对正在运行（已等待 {seconds} 秒）；未做任何改动。请在其结束后重试。",
    "refresh.members_changing": "读取健康数据期间成员连续变化了三次（是否正在导入？）；未做任何改动。请在导入完成后重新比对。",
    "refresh.summary": "健康数据 {rows:,} 行。比对 {members} 人：匹配 {matched}，未查询到 {not_found}，姓名不符 {name_mismatch}，数据有误 {bad_rows}；变化 {changed}。",
    "refresh.skipped": "健康数据文件与上次应用的完全相同，成员也未变化；无需比对。",
    "refresh.bad_line": "  第 {row} 行（{id_number}）：无法读取{field}",
    "refresh.bad_line_later": "  第 {row} 行（{id_number}）：{field}晚于比对时间（--as-of，未指定则为当前时间）一小时以上",
    "refresh.bad_line_early": "  第 {row} 行（{id_number}）：{field}早于 1900 年（1899-12-30 是电子表格的第 0 天，常用来代表空日期）",
    "refresh.bad_line_no_date": "  第 {row} 行（{id_number}）：{field}只有时刻、没有日期（值为 0 的日期单元格就会这样读出）",
    "refresh.bad_line_word_health_code": "  第 {row} 行（{id_number}）：{field}不是可识别的值（请写 绿码、黄码、红码 或 弹窗）",
    "refresh.bad_line_word_nat_result": "  第 {row} 行（{id_number}）：{field}不是可识别的值（请写 阴性、阳性 或 待出结果）",
    "refresh.bad_line_word_vaccination": "  第 {row} 行（{id_number}）：{field}不是可识别的值（请写 完成加强免疫、完成基础免疫、未完成基础免疫 或 不适宜接种）",
    "refresh.bad_line_doses": "  第 {row} 行（{id_number}）：{field}不是 0 到 10 的剂次（请写 3、3剂 或 三剂）",
    "refresh.bad_line_time_form": "  第 {row} 行（{id_number}）：无法将 {field} 读作日期和时间（请写成 2022-12-05 07:12 这样）",
    "refresh.bad_line_date_form": "  第 {row} 行（{id_number}）：无法将 {field} 读作日期（请写成 2022-06-01 这样）",
    "refresh.interrupted_saved": "比对在保存之后被中断（{signal}）；其结果见上文。",
    "refresh.older_as_of": "注意：本次比对的时间为 {moment}，早于上次比对（{latest}）；成员状态现为较早数据的状态。",
    "refresh.newly_abnormal": "新增异常：{count}",
    "refresh.more_abnormal": "  ……另有 {count} 人：`tuanti show 登记簿 --abnormal` 可查看全部。",
    "refresh.more_bad": "  ……另有 {count} 行数据有误。",
    "refresh.abnormal_line": (
        "  {roster_id} {member_no} {name}{department} {id_number} {phone} {code}{flags}"
    ),
    "changes.department": "部门",
    "schedule.bad_time": "--at {value!r} 不是时间；请写成 06:00 或 06:00:30。",
    "schedule.bad_tz": "--tz {value!r} 不是时区；请使用 Asia/Shanghai 这样的名称。",
    "schedule.cron_seconds": "cron 只能按整分钟启动任务，--at {value!r} 无法写成 crontab 配置行；请给出整分钟的时间，或直接运行 `tuanti schedule` 以精确到秒。",
    "schedule.cron_no_key": "这些配置行没有指定密钥文件：cron 没有终端可以输入口令，请在 --print-cron 前给出 --key-file（或设置 TUANTI_KEY_FILE），或在 crontab 中设置 TUANTI_PASSPHRASE。",
    "schedule.started": "将于 {times}（{tz}）比对；按 Ctrl-C 或发送 SIGTERM 停止。",
    "schedule.stopped": "定时比对已停止。",
    "help.refresh": "将成员与健康数据文件比对（运行一次）。",
    "help.schedule": "每天在固定时间运行比对，直到停止（或输出 crontab 配置）。",
    "opt.refresh.feed": "健康数据文件（CSV、JSONL、JSON 或 .xlsx）。",
    "opt.refresh.as_of": "比对时间（默认为当前时间）。",
    "opt.refresh.quiet": "除非有成员新出现异常，否则不输出任何内容。",
    "opt.schedule.feed": "健康数据文件，每次运行时重新读取。",
    "opt.schedule.at": "每天的运行时间，多个用逗号分隔。",
    "opt.schedule.tz": "--at 所用的时区。",
    "opt.schedule.print_cron": "输出等效的 crontab 配置行后退出。",
    "schedule.cron_header": "tuanti refresh，时间 {times}（{zone}），已换算为本机时区（{local}）",
}

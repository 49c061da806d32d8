"""Messages for enrollment input, import reports, enroll add and withdrawal."""

EN: dict[str, str] = {
    "input.missing": "File {path} does not exist. Check the path.",
    "input.directory": "{path} is a folder, not a file. Give the path of the file.",
    "input.unreadable": "Cannot read {path}: {reason}. Check the path and its permissions.",
    "input.stream_too_big": (
        "{path} gave more than {limit} MiB through a pipe or standard input, which is held in "
        "memory; save it to a file and pass that file instead."
    ),
    "input.binary": (
        "{path} contains NUL bytes: it is UTF-16 or not a text file. "
        "Save it as CSV UTF-8 (or JSON) and try again."
    ),
    "input.encoding": (
        '{path} is neither UTF-8 nor GB18030 text. Save it as "CSV UTF-8" from Excel.'
    ),
    "input.encoding_option": (
        '{path} is neither UTF-8 nor GB18030 text. Save it as "CSV UTF-8" from Excel, '
        "or pass --encoding."
    ),
    "input.encoding_forced": (
        "{path} is not valid {encoding}. Try --encoding auto, or save it as CSV UTF-8."
    ),
    "input.empty": "{path} holds no rows. Check that you exported the right file.",
    "input.columns": (
        "{path} lacks the column(s) {missing}. Accepted headers — {expected}; or name the "
        "column with --column FIELD=HEADER."
    ),
    "input.columns_words": ", or a header holding {words}",
    "input.columns_other_sheet": (
        "{path} has not every column on its first sheet, {sheet!r}, the only sheet of a"
        " workbook that is read, but sheet {other!r} has them: move {other!r} to the front (or"
        " save it as CSV UTF-8) and try again."
    ),
    "input.first_sheet_only": (
        "{reason} Only the first sheet of a workbook, {sheet!r}, is read: if the answers are on"
        " another sheet, move it to the front (or save it as CSV UTF-8)."
    ),
    "input.csv": "{path} is not valid CSV (line {line}: {reason}). Check the quoting on that line.",
    "input.json": "{path} is not valid JSON (line {line}: {reason}).",
    "input.json_deep": "{path} is nested too deeply to be an enrollment file; give an array of objects.",
    "input.json_not_list": (
        "{path} is a JSON value but not an array; give an array of objects "
        '([{{"name": …}}, …]) or one object per line as JSONL.'
    ),
    "input.xls": (
        "{path} is an Excel 97–2003 workbook (.xls), which tuanti does not read. Open it in "
        "Excel or WPS and save it as .xlsx (or CSV UTF-8), then import that file."
    ),
    "input.zip": (
        "{path} is an .xlsx workbook (a zip file), not {format} text. "
        "Rename it to end in .xlsx and try again."
    ),
    "input.zip_option": (
        "{path} is an .xlsx workbook (a zip file), not {format} text. "
        "Rename it to end in .xlsx, or pass --input-format xlsx."
    ),
    "input.jsonl": (
        "{path} has no line that is valid JSON, so it is not JSON Lines. Export it again, or "
        "choose the format with --input-format."
    ),
    "input.xlsx_too_big": (
        "{path} would unpack to {unpacked} from {packed}, more than a workbook of "
        "answers needs (a zip bomb?); it was not read. Export the answers again as .xlsx or CSV."
    ),
    "input.xlsx": "{path} is not a readable .xlsx workbook. Open it in Excel and save it as .xlsx or CSV UTF-8.",
    "code.not_a_code": "Not a registration code.",
    "code.several_in_cell": "More than one registration code.",
    "code.other_roster": "The registration code belongs to another roster.",
    "code.is_expired": "The registration code has expired; re-issue it.",
    "code.is_revoked": "The registration code was revoked by a re-issue.",
    "code.is_forged": "The registration code is not genuine.",
    "row.not_object": "The record is not an object with fields.",
    "row.too_long": "The row is longer than 1 MiB; no form answer is that long.",
    "row.not_json": "The line is not valid JSON; the other lines were read.",
    "row.duplicate": "The same person as row {row}; kept once.",
    "id.excel": (
        "A spreadsheet turned this ID number into a number (Excel keeps 15 digits), and the "
        "lost digits cannot be recovered. Download the answers from the form tool again and "
        "import that file as it is, without opening and saving it in Excel (or set the ID column "
        "to Text before pasting)."
    ),
    "phone.excel": (
        "A spreadsheet turned this phone number into a number and lost digits. Download the "
        "answers again and import the file without saving it in Excel."
    ),
    "member.not_found": (
        "No member {member_no} in roster {roster_id}. `tuanti show {roster_id}` lists the member numbers."
    ),
    "import.summary": (
        "{rows} {rows:row|rows}: {added} added, {updated} updated, {unchanged} unchanged, "
        "{rejected} rejected (read as {encoding})."
    ),
    "import.dry_run": "Dry run: nothing was written.",
    "import.columns": "Columns used:",
    "import.reject_line": "  row {row}, {field}: {reason} [{value}]",
    "import.strict_abort": (
        "Import aborted by --strict: {rejected} {rejected:row|rows} rejected, nothing was "
        "imported. Fix the rows listed above, or drop --strict to import the valid rows."
    ),
    "import.rejects_written": "Rejected rows written to {path} (values masked).",
    "import.progress": "Validating",
    "enroll.notice": (
        "Consent notice — {institution}\n"
        "By enrolling you share your name, ID number and mobile number with the admin of this "
        "roster, who will compare them with the health-code, nucleic-acid test and vaccination "
        "data of the health authority up to four times a day, to decide who may enter the "
        "premises. The data is stored encrypted on the admin's computer and shown masked. "
        "You can leave at any time by asking the admin to withdraw you; your data is then erased."
    ),
    "enroll.ask_name": "Name",
    "enroll.ask_id": "ID number",
    "enroll.ask_phone": "Mobile number",
    "enroll.ask_department": "Department (optional; Enter to leave empty)",
    "enroll.ask_again": "{reason} Type it again.",
    "enroll.ask_consent": "Do you consent? Type yes to agree",
    "enroll.no_consent": "No consent was given; nothing was stored.",
    "enroll.need_options": (
        "Not at a terminal: pass --name, --id-number and --phone, and --yes to record consent."
    ),
    "enroll.added": "Enrolled {name} as {member_no}.",
    "enroll.updated": "Updated {name} ({member_no}).",
    "enroll.unchanged": "{name} is already enrolled as {member_no}; nothing changed.",
    "member.confirm": "Withdraw {name} ({member_no}) from {roster} ({roster_id}) and erase their data?",
    "member.need_yes": (
        "Withdrawing {member_no} erases their data; without a terminal to confirm at, pass --yes."
    ),
    "member.withdrawn": "Withdrew {member_no}; their personal data and health history are erased.",
    "member.withdrawn_form": (
        "If their answer is still in the form tool's export, delete it there too: importing"
        " that export again would enroll them again."
    ),
    "help.enroll": "Enroll members: import files or add one person at the terminal.",
    "help.enroll_import": "Import enrollments from CSV, JSON, JSONL or .xlsx (- reads stdin).",
    "help.enroll_add": "Enroll one person after showing the consent notice.",
    "help.member": "Manage members.",
    "opt.enroll.file": "Enrollment file, or - for stdin.",
    "opt.enroll.input_format": "File format.",
    "opt.enroll.encoding": "Text encoding.",
    "opt.enroll.dry_run": "Validate and report; write nothing.",
    "opt.enroll.strict": "Any rejected row aborts the import.",
    "opt.enroll.rejects": "Write rejected rows (masked).",
    "opt.enroll.column": (
        "FIELD=HEADER: take FIELD (name, id_number, phone, consent, code, department) from "
        "the column with this header (or a question's number: consent=5), whatever "
        "recognition would choose. Repeatable."
    ),
    "opt.enroll.consent_answer": (
        "An answer that means yes in the consent column, exactly as the file writes it "
        "(e.g. 'A.我已阅读并同意'). Repeatable; when given, no other answer counts as consent."
    ),
    "opt.enroll.name": "Name.",
    "opt.enroll.id_number": "ID number.",
    "opt.enroll.phone": "Mobile number.",
    "opt.enroll.department": (
        "Department, class or enterprise (optional; given, it replaces the member's)."
    ),
    "opt.enroll.yes": "The person has read the notice and consents.",
    "opt.member.member_no": "Member number, e.g. M0001.",
}

ZH: dict[str, str] = {
    "input.missing": "文件 {path} 不存在。请检查路径。",
    "input.directory": "{path} 是文件夹而不是文件。请给出文件路径。",
    "input.unreadable": "无法读取 {path}：{reason}。请检查路径和权限。",
    "input.stream_too_big": "{path} 经管道或标准输入送来的数据超过 {limit} MiB，而这类输入要整个放在内存中；请先保存为文件，再传入该文件。",
    "input.binary": "{path} 含有 NUL 字节：它是 UTF-16 或不是文本文件。请另存为 CSV UTF-8（或 JSON）后重试。",
    "input.encoding": "{path} 既不是 UTF-8 也不是 GB18030 文本。请在 Excel 中另存为“CSV UTF-8”。",
    "input.encoding_option": "{path} 既不是 UTF-8 也不是 GB18030 文本。请在 Excel 中另存为“CSV UTF-8”，或使用 --encoding。",
    "input.encoding_forced": "{path} 不是有效的 {encoding} 文本。请尝试 --encoding auto，或另存为 CSV UTF-8。",
    "input.empty": "{path} 中没有数据行。请确认导出的文件是否正确。",
    "input.columns": "{path} 缺少列 {missing}。可用的表头 —— {expected}；也可用 --column 字段=列名 指定列。",
    "input.columns_words": "，或含有 {words} 的表头",
    "input.columns_other_sheet": "{path} 的第一个工作表 {sheet!r} 缺少所需的列，而工作簿只读取第一个工作表；工作表 {other!r} 才有这些列：请把 {other!r} 移到最前（或将其另存为 CSV UTF-8）后重试。",
    "input.first_sheet_only": "{reason} 工作簿只读取第一个工作表 {sheet!r}：如果答卷在其他工作表中，请把它移到最前（或另存为 CSV UTF-8）。",
    "input.csv": "{path} 不是有效的 CSV（第 {line} 行：{reason}）。请检查该行的引号。",
    "input.json": "{path} 不是有效的 JSON（第 {line} 行：{reason}）。",
    "input.json_deep": "{path} 嵌套层级过深，不是登记文件；请提供对象数组。",
    "input.json_not_list": '{path} 是 JSON 但不是数组；请提供对象数组（[{{"name": …}}, …]），或每行一个对象的 JSONL。',
    "input.xls": "{path} 是 Excel 97–2003 工作簿（.xls），tuanti 不读取这种格式。请在 Excel 或 WPS 中另存为 .xlsx（或 CSV UTF-8）后导入。",
    "input.zip": "{path} 是 .xlsx 工作簿（zip 文件），不是 {format} 文本。请把文件名改为以 .xlsx 结尾后重试。",
    "input.zip_option": "{path} 是 .xlsx 工作簿（zip 文件），不是 {format} 文本。请把文件名改为以 .xlsx 结尾，或使用 --input-format xlsx。",
    "input.jsonl": "{path} 中没有一行是有效的 JSON，不是 JSON Lines 文件。请重新导出，或用 --input-format 指定格式。",
    "input.xlsx_too_big": "{path} 解压后将从 {packed} 变为 {unpacked}，远超正常答卷所需（可能是压缩炸弹），未读取。请重新导出为 .xlsx 或 CSV。",
    "input.xlsx": "{path} 不是可读取的 .xlsx 工作簿。请在 Excel 中另存为 .xlsx 或 CSV UTF-8。",
    "code.not_a_code": "不是登记码。",
    "code.several_in_cell": "含有不止一个登记码。",
    "code.other_roster": "该登记码属于其他登记簿。",
    "code.is_expired": "登记码已过期；请重新生成。",
    "code.is_revoked": "登记码已因重新生成而作废。",
    "code.is_forged": "登记码不是真实签发的。",
    "row.not_object": "该记录不是包含字段的对象。",
    "row.too_long": "该行超过 1 MiB；正常的表单答案不会这么长。",
    "row.not_json": "该行不是有效的 JSON；其他行已读取。",
    "row.duplicate": "与第 {row} 行是同一人；只保留一次。",
    "id.excel": "电子表格（Excel 只保留 15 位有效数字）把这个身份证号变成了数字，丢失的位数无法恢复。请从表单工具重新下载答卷，不经 Excel 打开保存直接导入（或先把身份证列设为文本格式再粘贴）。",
    "phone.excel": "电子表格把这个手机号变成了数字并丢失了位数。请重新下载答卷，不经 Excel 保存直接导入。",
    "member.not_found": "登记簿 {roster_id} 中没有成员 {member_no}。`tuanti show {roster_id}` 可查看成员编号。",
    "import.summary": "共 {rows} 行：新增 {added}，更新 {updated}，未变 {unchanged}，拒绝 {rejected}（编码 {encoding}）。",
    "import.dry_run": "试运行：未写入任何数据。",
    "import.columns": "使用的列：",
    "import.reject_line": "  第 {row} 行，{field}：{reason} [{value}]",
    "import.strict_abort": "因 --strict 中止导入：{rejected} 行被拒绝，未导入任何数据。请修正上述行，或去掉 --strict 只导入有效行。",
    "import.rejects_written": "被拒绝的行已写入 {path}（已脱敏）。",
    "import.progress": "校验中",
    "enroll.notice": (
        "授权告知 —— {institution}\n"
        "登记即表示您同意向本登记簿管理员提供姓名、身份证号和手机号。管理员每天最多四次将其与卫生健康部门的"
        "健康码、核酸检测和疫苗接种数据比对，用于判断能否进入场所。数据加密保存在管理员的电脑上，并以脱敏方式显示。"
        "您可随时请管理员为您办理退出，届时您的数据将被删除。"
    ),
    "enroll.ask_name": "姓名",
    "enroll.ask_id": "身份证号",
    "enroll.ask_phone": "手机号",
    "enroll.ask_department": "部门（可不填，直接回车跳过）",
    "enroll.ask_again": "{reason}请重新输入。",
    "enroll.ask_consent": "是否同意？输入“是”或 yes 表示同意",
    "enroll.no_consent": "未获得同意；未保存任何数据。",
    "enroll.need_options": "当前不在终端中：请提供 --name、--id-number 和 --phone，并用 --yes 表示已获同意。",
    "enroll.added": "已登记 {name}，成员编号 {member_no}。",
    "enroll.updated": "已更新 {name}（{member_no}）。",
    "enroll.unchanged": "{name} 已登记为 {member_no}；无变化。",
    "member.confirm": "将 {name}（{member_no}）从 {roster}（{roster_id}）中退出并删除其数据？",
    "member.need_yes": "让 {member_no} 退出会删除其数据；没有终端可供确认时，请加 --yes。",
    "member.withdrawn": "{member_no} 已退出；其个人数据和健康记录已删除。",
    "member.withdrawn_form": "如果表单工具的导出中仍有其答卷，请一并删除：再次导入该导出会重新登记此人。",
    "help.enroll": "登记成员：导入文件，或在终端逐个登记。",
    "help.enroll_import": "从 CSV、JSON、JSONL 或 .xlsx 批量导入登记（- 表示标准输入）。",
    "help.enroll_add": "展示授权告知后登记一人。",
    "help.member": "管理成员。",
    "opt.enroll.file": "登记文件；用 - 表示从标准输入读取。",
    "opt.enroll.input_format": "文件格式。",
    "opt.enroll.encoding": "文本编码。",
    "opt.enroll.dry_run": "只校验并报告结果，不写入任何数据。",
    "opt.enroll.strict": "任一行被拒绝即中止整个导入。",
    "opt.enroll.rejects": "将被拒绝的行写入该文件（已脱敏）。",
    "opt.enroll.column": "字段=列名：从该列名（或题号，如 consent=5）的列读取字段（name、id_number、phone、consent、code、department），不论自动识别结果。可重复。",
    "opt.enroll.consent_answer": "同意列中表示同意的答案，与文件中的写法完全一致（如 'A.我已阅读并同意'）。可重复；给出后，其他答案一律不算同意。",
    "opt.enroll.name": "姓名。",
    "opt.enroll.id_number": "身份证号。",
    "opt.enroll.phone": "手机号。",
    "opt.enroll.department": "部门、班级或所在企业（可选；给出时替换该成员原有的部门）。",
    "opt.enroll.yes": "本人已阅读授权告知并同意。",
    "opt.member.member_no": "成员编号，如 M0001。",
}

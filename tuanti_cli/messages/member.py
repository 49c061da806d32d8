"""Messages for people's rights: bulk withdrawal and a member's own copy (PRODUCT §9)."""

EN: dict[str, str] = {
    "withdraw.member_no_shape": "A member number is M followed by digits, such as M0001.",
    "withdraw.response_number": (
        "A plain number is not a member number (M0001); form tools number their responses "
        "this way. Give the member number or the ID number."
    ),
    "withdraw.columns": (
        "{path} has no column of ID numbers or member numbers. Accepted headers — "
        "{expected}; a plain list, one ID number or member number a line, needs none."
    ),
    "withdraw.ambiguous": (
        "{path}: both {first!r} and {second!r} could be the {field} column. Delete one of the "
        "two columns, or rename it (to 备注, say), and run the command again."
    ),
    "withdraw.empty": "The line names nobody: it has neither an ID number nor a member number.",
    "withdraw.mismatch": (
        "The ID number and the member number on this line name different people; neither "
        "was withdrawn."
    ),
    "withdraw.changed": (
        "The list or the roster changed after you confirmed; nothing was withdrawn. "
        "Run the command again."
    ),
    "withdraw.need_yes": (
        "Withdrawing the members of a list erases their data; without a terminal to confirm "
        "at, pass --yes (or --dry-run to see what would happen)."
    ),
    "withdraw.one_of": "Give either a member number or --from FILE, not both.",
    "withdraw.need_one": "Give a member number, or --from FILE with a list of withdrawals.",
    "withdraw.from_only": "{option} only applies with --from FILE.",
    "withdraw.summary": (
        "{rows} {rows:line|lines}: {withdrawn} {withdrawn:member|members} withdrawn and their "
        "data erased, {not_found} naming nobody in the roster, {rejected} rejected "
        "({requested} {requested:person|people} requested)."
    ),
    "withdraw.summary_dry": (
        "{rows} {rows:line|lines}: {withdrawn} {withdrawn:member|members} would be withdrawn, "
        "{not_found} {not_found:names|name} nobody in the roster, {rejected} rejected "
        "({requested} {requested:person|people} requested)."
    ),
    "withdraw.members": "Members: {members}",
    "withdraw.more": "… and {count} more",
    "withdraw.not_found_line": "  row {row}, {field}: names no member of this roster [{value}]",
    "withdraw.dry_run": "Dry run: nothing was erased.",
    "withdraw.to_confirm": (
        "{count:This|These} {count} {count:member|members} of {roster_id} would be withdrawn: "
        "{members}"
    ),
    "withdraw.confirm": (
        "Withdraw {count:this|these} {count} {count:member|members} and erase their data?"
    ),
    "copy.written": (
        "Wrote the data of {member_no} to {path}, unmasked: give it only to that person."
    ),
    "copy.not_stdout": (
        "The copy is unmasked, so it goes only to a file; name one (./- for a file named '-')."
    ),
    "copy.title": "Personal data held about {name}",
    "copy.made": "Roster {roster} ({roster_id}, {address}). Copy made at {at}.",
    "copy.private": (
        "This copy shows your data unmasked, as it is stored. Keep it private: it holds your "
        "ID number and phone number."
    ),
    "copy.h_details": "Your details",
    "copy.h_health": "Current health state",
    "copy.h_history": "Health history (kept for the retention period)",
    "copy.h_audit": "Log entries that name you",
    "copy.h_elsewhere": "Your other rosters here",
    "copy.elsewhere_note": (
        "The same ID number is enrolled in these rosters of this store too. Each keeps its own"
        " data; ask for a copy from each."
    ),
    "copy.roster_name": "Roster",
    "copy.roster_id": "Roster ID",
    "copy.audit_note": "Entries of the roster's access log that name your member number.",
    "copy.member_no": "Member number",
    "copy.name": "Name",
    "copy.id_number": "ID number",
    "copy.phone": "Mobile number",
    "copy.department": "Department",
    "copy.enrolled_at": "Enrolled at",
    "copy.updated_at": "Last updated at",
    "copy.consent_at": "Consent given at",
    "copy.consent_code": "Registration code of the consent",
    "copy.consent_channel": "Consent given through",
    "copy.channel.import": "a form (imported file)",
    "copy.channel.terminal": "the admin's terminal",
    "copy.compared_at": "Compared at",
    "copy.health_code": "Health code",
    "copy.nat_sampled_at": "NAT sampled at",
    "copy.nat_result": "NAT result",
    "copy.vaccination": "Vaccination",
    "copy.vaccine_doses": "Doses",
    "copy.last_dose_date": "Last dose",
    "copy.flags": "Flags",
    "copy.abnormal": "Abnormal",
    "copy.yes": "yes",
    "copy.no": "no",
    "copy.no_health": "Not yet compared with the health data.",
    "copy.no_history": "No health history is held.",
    "copy.no_audit": "No log entry names you.",
    "copy.audit_at": "Time",
    "copy.action.member.copy": "a copy of your data was made",
    "copy.action.member.withdraw": "withdrawal",
    "copy.times": "Times are Beijing time (UTC+8); the JSON copy gives them to the second.",
    "copy.audit_action": "Action",
    "copy.audit_admin": "By",
    "copy.audit_detail": "Detail",
    "help.member_withdraw_list": (
        "Members leave and their personal data is erased: one by member number, or a list "
        "of withdrawal requests with --from FILE."
    ),
    "help.member_copy": "Write a member's own data, unmasked, to a private file (PIPL art. 45).",
    "opt.member.member_no_single": "Member number, e.g. M0001 (or use --from).",
    "opt.member.from": (
        "Withdrawal requests: CSV, JSON, JSONL or .xlsx with an ID number and/or member "
        "number column (- reads stdin)."
    ),
    "opt.member.dry_run": "Report what would be withdrawn; erase nothing.",
    "opt.member.format": "Report format (with --from).",
    "opt.member.copy_output": "The file to write (created 0600); required.",
    "opt.member.copy_format": "json (structured) or html (a page to read).",
}

ZH: dict[str, str] = {
    "withdraw.member_no_shape": "成员编号是字母 M 加数字，如 M0001。",
    "withdraw.response_number": "纯数字不是成员编号（M0001）；表单工具用这种数字给答卷编号。请给出成员编号或身份证号。",
    "withdraw.columns": "{path} 中没有身份证号列或成员编号列。可用的表头 —— {expected}；每行一个身份证号或成员编号的简单名单则无需表头。",
    "withdraw.ambiguous": "{path}：{first!r} 和 {second!r} 都可能是 {field} 列。请删除其中一列，或给它改名（如改为“备注”），然后重新运行命令。",
    "withdraw.empty": "该行没有指明任何人：既无身份证号也无成员编号。",
    "withdraw.mismatch": "该行的身份证号与成员编号指向不同的人；两人均未退出。",
    "withdraw.changed": "确认之后名单或登记簿发生了变化；未办理任何退出。请重新运行命令。",
    "withdraw.need_yes": "按名单退出会删除这些成员的数据；没有终端可供确认时，请加 --yes（或用 --dry-run 查看将发生什么）。",
    "withdraw.one_of": "请给出成员编号或 --from 文件，二者只能选一。",
    "withdraw.need_one": "请给出成员编号，或用 --from 指定退出名单文件。",
    "withdraw.from_only": "{option} 只能与 --from 一起使用。",
    "withdraw.summary": "共 {rows} 行：{withdrawn} 名成员已退出并删除数据，{not_found} 行在登记簿中查无此人，拒绝 {rejected} 行（共申请 {requested} 人）。",
    "withdraw.summary_dry": "共 {rows} 行：将有 {withdrawn} 名成员退出，{not_found} 行在登记簿中查无此人，拒绝 {rejected} 行（共申请 {requested} 人）。",
    "withdraw.members": "成员：{members}",
    "withdraw.more": "…… 另有 {count} 名",
    "withdraw.not_found_line": "  第 {row} 行，{field}：登记簿中没有此人 [{value}]",
    "withdraw.dry_run": "试运行：未删除任何数据。",
    "withdraw.to_confirm": "{roster_id} 中的这 {count} 名成员将退出：{members}",
    "withdraw.confirm": "让这 {count} 名成员退出并删除其数据？",
    "copy.written": "已将 {member_no} 的数据（未脱敏）写入 {path}：只交给本人。",
    "copy.not_stdout": "副本未脱敏，只能写入文件；请指定文件名（名为 '-' 的文件请写 ./-）。",
    "copy.title": "{name} 的个人信息副本",
    "copy.made": "登记簿：{roster}（{roster_id}，{address}）。副本生成时间：{at}。",
    "copy.private": "本副本按存储原样显示您的数据，未脱敏。其中含有您的身份证号和手机号，请妥善保管。",
    "copy.h_details": "您的登记信息",
    "copy.h_health": "当前健康状态",
    "copy.h_history": "健康记录（保存期限内）",
    "copy.h_audit": "提到您的日志记录",
    "copy.h_elsewhere": "您在此处的其他登记簿",
    "copy.elsewhere_note": "同一身份证号也登记在本数据库的以下登记簿中。各登记簿的数据分别保存；请分别申请副本。",
    "copy.roster_name": "登记簿",
    "copy.roster_id": "登记簿编号",
    "copy.audit_note": "登记簿访问日志中提到您成员编号的记录。",
    "copy.member_no": "成员编号",
    "copy.name": "姓名",
    "copy.id_number": "身份证号",
    "copy.phone": "手机号",
    "copy.department": "部门",
    "copy.enrolled_at": "登记时间",
    "copy.updated_at": "最近更新时间",
    "copy.consent_at": "授权时间",
    "copy.consent_code": "授权时使用的登记码",
    "copy.consent_channel": "授权方式",
    "copy.channel.import": "表单（导入文件）",
    "copy.channel.terminal": "管理员终端",
    "copy.compared_at": "比对时间",
    "copy.health_code": "健康码",
    "copy.nat_sampled_at": "核酸采样时间",
    "copy.nat_result": "核酸结果",
    "copy.vaccination": "疫苗接种",
    "copy.vaccine_doses": "剂次",
    "copy.last_dose_date": "最近接种日期",
    "copy.flags": "标记",
    "copy.abnormal": "异常",
    "copy.yes": "是",
    "copy.no": "否",
    "copy.no_health": "尚未与健康数据比对。",
    "copy.no_history": "没有保存健康记录。",
    "copy.no_audit": "没有提到您的日志记录。",
    "copy.audit_at": "时间",
    "copy.action.member.copy": "生成了您的数据副本",
    "copy.action.member.withdraw": "退出",
    "copy.times": "时间均为北京时间（UTC+8）；JSON 格式的副本精确到秒。",
    "copy.audit_action": "操作",
    "copy.audit_admin": "操作人",
    "copy.audit_detail": "详情",
    "help.member_withdraw_list": "成员退出并删除其个人数据：按成员编号逐个办理，或用 --from 按退出申请名单办理。",
    "help.member_copy": "将成员本人的数据（未脱敏）写入私密文件（《个人信息保护法》第四十五条）。",
    "opt.member.member_no_single": "成员编号，如 M0001（或使用 --from）。",
    "opt.member.from": "退出申请名单：含身份证号和/或成员编号列的 CSV、JSON、JSONL 或 .xlsx（- 表示标准输入）。",
    "opt.member.dry_run": "只报告将退出哪些成员，不删除任何数据。",
    "opt.member.format": "报告格式（与 --from 一起使用）。",
    "opt.member.copy_output": "要写入的文件（权限 0600）；必填。",
    "opt.member.copy_format": "json（结构化）或 html（便于阅读的网页）。",
}

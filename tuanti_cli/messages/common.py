"""Messages for the store, keys, validation and the CLI frame."""

EN: dict[str, str] = {
    "key.none": (
        "No key given. Pass --key-file PATH (or set TUANTI_KEY_FILE), "
        "or set TUANTI_PASSPHRASE, or run in a terminal to be asked for the passphrase."
    ),
    "key.file_missing": "Key file {path} does not exist. Check --key-file or TUANTI_KEY_FILE.",
    "key.file_unreadable": "Key file {path} cannot be read. Check its permissions.",
    "key.file_bad": (
        "Key file {path} does not hold a key (64 hexadecimal characters). "
        "Check that --key-file names the file `tuanti init` created."
    ),
    "key.file_exists": "Key file {path} already exists; choose a new path for the new key.",
    "key.file_symlink": (
        "Key file {path} is a symbolic link, which tuanti never writes through; "
        "choose a new path for the new key."
    ),
    "key.file_uncreatable": (
        "Key file {path} cannot be created ({reason}); choose a new path for the new key."
    ),
    "key.passphrase_empty": "The passphrase is empty. Choose a passphrase that is not empty.",
    "key.passphrase_not_text": (
        "The passphrase is not text in this terminal's encoding (UTF-8). "
        "Set TUANTI_PASSPHRASE to a UTF-8 passphrase."
    ),
    "key.passphrase_mismatch": "The two passphrases differ. Run the command again.",
    "key.wrong": (
        "Cannot open the store at {path}: the key is wrong, or the file is damaged or not a "
        "tuanti store. "
        "Check --key-file or the passphrase."
    ),
    "key.wrong_tried": (
        "Cannot open the store at {path} with {tried}: the key is wrong, the file is damaged"
        " or not a tuanti store{slots}. Check --key-file or the passphrase."
    ),
    "key.tried_file": "the key file {path}",
    "key.tried_file_first": " (TUANTI_PASSPHRASE is set too, but a key file comes first)",
    "key.tried_passphrase": "the passphrase",
    "key.no_slot_file": (
        ", or its key-slot file {keys} is missing (a store with admins needs it: restore it"
        " from the store's backup)"
    ),
    "store.missing": (
        "There is no store at {path}. Create one with `tuanti init`, or point --db or "
        "TUANTI_DB at an existing store."
    ),
    "store.unreadable": "The store at {path} cannot be opened. Check the path and its permissions.",
    "store.exists": (
        "A store or another file already exists at {path}; it was left untouched. "
        "Use --db to create the new store elsewhere."
    ),
    "store.busy": (
        "The store is busy: another tuanti command has been writing to it for 15 seconds. "
        "Try again in a minute."
    ),
    "store.failed": (
        "The store reported an error ({reason}); this command changed nothing. Check the free "
        "disk space, or restore the store from a backup if the error persists."
    ),
    "store.full": (
        "The disk holding the store ({folder}) is full; this command changed nothing. Free"
        " some space there and run it again."
    ),
    "store.no_admin": "The store has no admin. Create the store with `tuanti init`.",
    "id.empty": "The ID number is empty.",
    "id.fifteen": (
        "This is an old 15-digit ID number; the 18-digit Resident Identity Card number is needed."
    ),
    "id.shape": "An ID number has 17 digits followed by a digit or X.",
    "id.region": "The ID number's first two digits are not a province-level region code.",
    "id.date": "The ID number's birth date (digits 7–14) is not a real calendar date.",
    "id.too_old": "The ID number's birth date is before 1900-01-01.",
    "id.future": "The ID number's birth date is in the future.",
    "id.check": "The ID number's check character (the last one) is wrong; check for a typo.",
    "phone.empty": "The phone number is empty.",
    "phone.shape": "A mainland mobile number has 11 digits and starts with 13–19.",
    "name.empty": "The name is empty.",
    "name.long": "The name is longer than {max} characters.",
    "department.long": "The department is longer than {max} characters.",
    "department.number": (
        "The department holds a long number, like a phone or ID number; departments are shown"
        " in full, so give the department's name."
    ),
    "name.digits": (
        "A name has no digits ({char}); an ID or phone number in the name column would be "
        "shown unmasked."
    ),
    "name.character": (
        "“{char}” is not part of a name as on the ID card (letters, spaces and · . - ' only)."
    ),
    "text.control": "It contains a control or line-break character ({char}); remove it.",
    "text.bidi": (
        "It contains a text-direction control ({char}) that reorders what is shown; remove it."
    ),
    "text.invisible": "It contains an invisible character ({char}); remove it.",
    "text.not_a_character": "It contains {char}, which is not a character; remove it.",
    "text.mark": "A combining mark ({char}) stands without a letter before it; remove it.",
    "text.marks": (
        "More than six combining marks are stacked on one letter (the seventh is {char}); such"
        " a pile draws over the lines around it, so remove them."
    ),
    "consent.missing": "There is no explicit consent (yes, 是 or 同意); no consent, no data.",
    "consent.not_named": (
        "The answer is not one of those --consent-answer names as a yes; no consent, no data."
        " If it means yes too, name it with another --consent-answer."
    ),
    "consent.refused": "The answer holds {word!r}: it is a refusal. No consent, no data.",
    "consent.negation": (
        "The answer holds {word!r}, which is read as a refusal. If this exact answer means yes "
        "in your form, name it as the file writes it: --consent-answer '…'."
    ),
    "field.invalid": "{option}: {reason}",
    "cli.aborted": "Cancelled; nothing was changed.",
    "cli.confirm": "{question} [y/N]: ",
    "cli.yes_or_no": "Please answer yes or no (y or n).",
    "cli.ask": "{label}: ",
    "cli.passphrase": "Passphrase",
    "cli.passphrase_again": "Passphrase again",
    "cli.new_passphrase": "New passphrase",
    "cli.new_passphrase_again": "New passphrase again",
    "init.done": "Created the encrypted store at {path}.",
    "init.key_created": "Created the key file {path} (mode 0600). Back it up: without it the store cannot be opened.",
    "demo.heading": "tuanti demo — a temporary store with sample data",
    "demo.done": "The demo store was in a temporary folder and has been erased.",
    "help.app": "tuanti — the group health roster (团体簿): encrypted, masked, offline.",
    "help.init": "Create the encrypted store and register its admin.",
    "help.demo": "Run the whole flow on built-in sample data in a temporary store.",
    "help.key": "Manage the store's key.",
    "help.key_rotate": "Re-encrypt the store under a new key file or passphrase.",
    "key.rotate_none": (
        "Give --new-key-file PATH or --new-passphrase (or --data-key, for a store with admins' "
        "key slots)."
    ),
    "key.rotate_both": "Give --new-key-file PATH or --new-passphrase, not both.",
    "key.same_passphrase": (
        "The new passphrase is the one the store opens with now; choose a different one "
        "(nothing was changed)."
    ),
    "key.rotated_file": (
        "The store is now encrypted under {path}. Use it from now on (--key-file or "
        "TUANTI_KEY_FILE) and back it up; the old key no longer opens the store."
    ),
    "key.rotated_unaudited": (
        "The store is now encrypted under the new key, but the audit entry for it could not "
        "be written ({reason}). Use the new key from now on."
    ),
    "key.rotated_passphrase": (
        "The store is now encrypted under the new passphrase; the old key no longer opens it."
    ),
    "opt.global.db": "Store path.",
    "opt.global.key_file": "Key file (64 hex characters).",
    "opt.global.lang": "Language of human text: zh or en.",
    "opt.global.version": "Show the version.",
    "opt.global.bad_lang": "use zh or en (or a locale name such as zh_CN.UTF-8)",
    "punct.list": ", ",
    "punct.parts": "; ",
    "punct.colon": ": ",
    "punct.flags": " ({flags})",
    "opt.global.key_dash": (
        "'-' names no file here: a key is read only from a file; name it (./- for a file"
        " named '-')."
    ),
    "lang.env_unusable": (
        "TUANTI_LANG={value} is neither zh nor en (nor a locale name such as zh_CN.UTF-8); "
        "the locale's language is used."
    ),
    "opt.init.admin_name": "Admin's name.",
    "opt.init.admin_phone": "Admin's mobile number.",
    "opt.init.admin_id": "Admin's ID number.",
    "opt.key.new_key_file": "Create this key file (0600) and re-encrypt under it.",
    "opt.key.new_passphrase": "Re-encrypt under a passphrase from TUANTI_NEW_PASSPHRASE or a prompt.",
    "opt.roster_ref": "Roster id or exact name.",
    "opt.roster_filter": "Only this roster.",
    "opt.format_text_json": "text or json.",
    "opt.format_table_json": "table or json.",
    "opt.yes_confirm": "Do not ask for confirmation.",
    "internal.error": (
        "Unexpected error ({kind}: {reason}). This is a bug in tuanti; please report it. "
        "Every change is one transaction, so the store is as it was before this command."
    ),
    # Usage errors, worded as the bundled Click words them (see cli/usage.py)
    "usage.usage": "Usage: ",
    "usage.try_help": "Try '{command}' for help.",
    "usage.error": "Error: {message}",
    "usage.missing_option": "Missing option {name}.",
    "usage.missing_argument": "Missing argument {name}.",
    "usage.bad_value": "Invalid value for {name}: {reason}",
    "usage.no_such_option": "No such option: {name}",
    "usage.did_you_mean": " (Possible options: {names})",
    "usage.needs_value": "Option {name} requires an argument.",
    "usage.takes_no_value": "Option {name} does not take a value.",
    "usage.no_such_command": "No such command {name}.",
    "usage.extra_arguments": "Got unexpected extra argument(s) ({name})",
    "usage.not_one_of": "{value} is not one of {choices}.",
    "usage.not_a_number": "{value} is not a valid number.",
    # A field as human text names it (``i18n.field_label``): its key in English.
    "fieldname.name": "name",
    "fieldname.id_number": "id_number",
    "fieldname.phone": "phone",
    "fieldname.consent": "consent",
    "fieldname.code": "code",
    "fieldname.department": "department",
    "fieldname.row": "row",
    "fieldname.health_code": "health_code",
    "fieldname.nat_sampled_at": "nat_sampled_at",
    "fieldname.nat_result": "nat_result",
    "fieldname.vaccination": "vaccination",
    "fieldname.vaccine_doses": "vaccine_doses",
    "fieldname.last_dose_date": "last_dose_date",
    "fieldname.member_no": "member_no",
}

ZH: dict[str, str] = {
    "key.none": (
        "未提供密钥。请使用 --key-file PATH（或设置 TUANTI_KEY_FILE），"
        "或设置 TUANTI_PASSPHRASE，或在终端中运行以输入口令。"
    ),
    "key.file_missing": "密钥文件 {path} 不存在。请检查 --key-file 或 TUANTI_KEY_FILE。",
    "key.file_unreadable": "无法读取密钥文件 {path}。请检查文件权限。",
    "key.file_bad": (
        "密钥文件 {path} 中没有有效密钥（64 位十六进制字符）。"
        "请确认 --key-file 指向 `tuanti init` 生成的文件。"
    ),
    "key.file_exists": "密钥文件 {path} 已存在；请为新密钥选择新的路径。",
    "key.file_symlink": "密钥文件 {path} 是符号链接，tuanti 从不经由链接写入；请为新密钥选择新的路径。",
    "key.file_uncreatable": "无法创建密钥文件 {path}（{reason}）；请为新密钥选择新的路径。",
    "key.passphrase_empty": "口令为空。请设置非空口令。",
    "key.passphrase_not_text": "口令不是本终端编码（UTF-8）下的文本。请将 TUANTI_PASSPHRASE 设为 UTF-8 口令。",
    "key.passphrase_mismatch": "两次输入的口令不一致。请重新运行命令。",
    "key.wrong": "无法打开 {path} 处的数据库：密钥错误，或该文件已损坏或不是 tuanti 数据库。请检查 --key-file 或口令。",
    "key.wrong_tried": "无法用{tried}打开 {path} 处的数据库：密钥错误，该文件已损坏或不是 tuanti 数据库{slots}。请检查 --key-file 或口令。",
    "key.tried_file": "密钥文件 {path} ",
    "key.tried_file_first": "（同时设置了 TUANTI_PASSPHRASE，但密钥文件优先）",
    "key.tried_passphrase": "口令",
    "key.no_slot_file": "，或其密钥槽文件 {keys} 已丢失（添加过管理员的数据库需要它：请从数据库的备份中恢复）",
    "store.missing": "{path} 处没有数据库。请先运行 `tuanti init`，或用 --db / TUANTI_DB 指向已有数据库。",
    "store.unreadable": "无法打开 {path} 处的数据库。请检查路径和权限。",
    "store.exists": "{path} 处已有数据库或其他文件，未做任何改动。如需新建数据库，请用 --db 指定其他位置。",
    "store.busy": "数据库正忙：另一个 tuanti 命令已写入 15 秒。请稍后再试。",
    "store.failed": "数据库报告错误（{reason}）；本命令未做任何改动。请检查磁盘剩余空间；若问题持续，请从备份恢复数据库。",
    "store.full": "数据库所在的磁盘（{folder}）已满；本命令未做任何改动。请腾出空间后重试。",
    "store.no_admin": "数据库中没有管理员。请用 `tuanti init` 创建数据库。",
    "id.empty": "身份证号为空。",
    "id.fifteen": "这是旧的 15 位身份证号；需要 18 位居民身份证号码。",
    "id.shape": "身份证号应为 17 位数字加 1 位数字或 X。",
    "id.region": "身份证号前两位不是省级行政区划代码。",
    "id.date": "身份证号中的出生日期（第 7–14 位）不是真实日期。",
    "id.too_old": "身份证号中的出生日期早于 1900-01-01。",
    "id.future": "身份证号中的出生日期在未来。",
    "id.check": "身份证号校验位（最后一位）不正确；请检查是否输错。",
    "phone.empty": "手机号为空。",
    "phone.shape": "大陆手机号为 11 位，以 13–19 开头。",
    "name.empty": "姓名为空。",
    "name.long": "姓名超过 {max} 个字符。",
    "department.long": "部门超过 {max} 个字符。",
    "department.number": "部门中含有像手机号或身份证号的长数字；部门会完整显示，请填写部门名称。",
    "name.digits": "姓名中不能有数字（{char}）：写进姓名列的身份证号或手机号会不加掩码地显示。",
    "name.character": "“{char}” 不是身份证姓名中的字符（只能是文字、空格和 · . - '）。",
    "text.control": "包含控制字符或换行符（{char}），请删除。",
    "text.bidi": "包含会改变显示顺序的文字方向控制符（{char}），请删除。",
    "text.invisible": "包含不可见字符（{char}），请删除。",
    "text.not_a_character": "包含不是字符的码位 {char}，请删除。",
    "text.mark": "组合符号（{char}）前面没有文字，请删除。",
    "text.marks": "同一个字上叠加了超过六个组合符号（第七个为 {char}），会遮挡上下行，请删除。",
    "consent.missing": "没有明确同意（是、同意 或 yes）；未同意则不收集数据。",
    "consent.not_named": "该回答不在 --consent-answer 指定的同意回答之中；未同意则不收集数据。如果它也表示同意，请再用一个 --consent-answer 指定。",
    "consent.refused": "答案含有 {word!r}，是拒绝；未同意则不收集数据。",
    "consent.negation": "答案含有 {word!r}，被视为拒绝。如果这个答案在您的表单中表示同意，请按文件中的写法原样用 --consent-answer '…' 指定。",
    "field.invalid": "{option}：{reason}",
    "cli.aborted": "已取消；未做任何改动。",
    "cli.confirm": "{question}（是/否，默认否）：",
    "cli.yes_or_no": "请回答“是”或“否”（也可输入 y 或 n）。",
    "cli.ask": "{label}：",
    "cli.passphrase": "口令",
    "cli.passphrase_again": "再次输入口令",
    "cli.new_passphrase": "新口令",
    "cli.new_passphrase_again": "再次输入新口令",
    "init.done": "已在 {path} 创建加密数据库。",
    "init.key_created": "已创建密钥文件 {path}（权限 0600）。请备份：没有它将无法打开数据库。",
    "demo.heading": "tuanti 演示 —— 使用示例数据的临时数据库",
    "demo.done": "演示数据库位于临时目录，现已删除。",
    "help.app": "tuanti —— 团体健康登记簿：加密、脱敏、离线。",
    "help.init": "创建加密数据库并登记管理员。",
    "help.demo": "在临时数据库中用内置示例数据演示完整流程。",
    "help.key": "管理数据库密钥。",
    "help.key_rotate": "用新的密钥文件或口令重新加密数据库。",
    "key.rotate_none": "请给出 --new-key-file PATH 或 --new-passphrase 中的一个（有管理员密钥槽的数据库也可用 --data-key）。",
    "key.rotate_both": "--new-key-file PATH 和 --new-passphrase 只能给出其中一个。",
    "key.same_passphrase": "新口令与当前口令相同；请换一个不同的口令（未做任何改动）。",
    "key.rotated_file": "数据库现已使用 {path} 加密。今后请使用该文件（--key-file 或 TUANTI_KEY_FILE）并做好备份；旧密钥已无法打开数据库。",
    "key.rotated_passphrase": "数据库现已使用新口令加密；旧密钥已无法打开数据库。",
    "key.rotated_unaudited": "数据库已改用新密钥加密，但未能写入相应的审计记录（{reason}）。今后请使用新密钥。",
    "opt.global.db": "数据库路径。",
    "opt.global.key_file": "密钥文件（64 位十六进制字符）。",
    "opt.global.lang": "界面文字的语言：zh 或 en。",
    "opt.global.version": "显示版本号。",
    "opt.global.bad_lang": "请使用 zh 或 en（或 zh_CN.UTF-8 这样的区域设置名）",
    "punct.list": "，",
    "punct.parts": "；",
    "punct.colon": "：",
    "punct.flags": "（{flags}）",
    "opt.global.key_dash": "这里的 '-' 不代表任何文件：密钥只从文件读取；请指定文件名（名为 '-' 的文件请写 ./-）。",
    "lang.env_unusable": "TUANTI_LANG={value} 既不是 zh 也不是 en（也不是 zh_CN.UTF-8 这样的区域设置名）；现按系统区域设置的语言显示。",
    "opt.init.admin_name": "管理员姓名。",
    "opt.init.admin_phone": "管理员手机号。",
    "opt.init.admin_id": "管理员身份证号。",
    "opt.key.new_key_file": "创建该密钥文件（权限 0600），并用它重新加密数据库。",
    "opt.key.new_passphrase": "用新口令重新加密数据库；口令取自 TUANTI_NEW_PASSPHRASE，或在提示时输入。",
    "opt.roster_ref": "登记簿编号或完整的机构名称。",
    "opt.roster_filter": "仅限该登记簿。",
    "opt.format_text_json": "输出格式：text 或 json。",
    "opt.format_table_json": "输出格式：table 或 json。",
    "opt.yes_confirm": "不询问确认，直接执行。",
    "internal.error": "意外错误（{kind}：{reason}）。这是 tuanti 的缺陷，请报告。每次改动都是一个事务，数据库仍保持本命令之前的状态。",
    "usage.usage": "用法：",
    "usage.try_help": "运行 '{command}' 查看帮助。",
    "usage.error": "错误：{message}",
    "usage.missing_option": "缺少选项 {name}。",
    "usage.missing_argument": "缺少参数 {name}。",
    "usage.bad_value": "{name} 的值无效：{reason}",
    "usage.no_such_option": "没有这个选项：{name}",
    "usage.did_you_mean": "（可能是：{names}）",
    "usage.needs_value": "选项 {name} 需要一个值。",
    "usage.takes_no_value": "选项 {name} 不接受值。",
    "usage.no_such_command": "没有这个命令：{name}。",
    "usage.extra_arguments": "多余的参数：{name}",
    "usage.not_one_of": "{value} 不是可选值（{choices}）之一。",
    "usage.not_a_number": "{value} 不是有效的数字。",
    "fieldname.name": "姓名",
    "fieldname.id_number": "身份证号",
    "fieldname.phone": "手机号",
    "fieldname.consent": "同意授权",
    "fieldname.code": "登记码",
    "fieldname.department": "部门",
    "fieldname.row": "整行",
    "fieldname.health_code": "健康码",
    "fieldname.nat_sampled_at": "核酸采样时间",
    "fieldname.nat_result": "核酸结果",
    "fieldname.vaccination": "疫苗接种状态",
    "fieldname.vaccine_doses": "接种剂次",
    "fieldname.last_dose_date": "最后接种日期",
    "fieldname.member_no": "成员编号",
}

"""Messages for rosters, registration codes and QR codes."""

EN: dict[str, str] = {
    "code.bad_duration": "--expires-in {value!r} is not a duration; write it like 24h, 3d or 1w.",
    "code.not_found": (
        "No registration code found. A code looks like TB1.K7Q2M9XD.0.ABCDEFGHIJKLMNOP; "
        "pass the code, the QR text or the form URL."
    ),
    "code.several": (
        "The text holds {count} different registration codes; pass one code at a time."
    ),
    "code.bad_url": "--form-url {value!r} is not an http(s) URL; give the full address of the form.",
    "roster.url_too_long": (
        "--form-url is too long for a QR code, which must hold it with the registration code "
        "added: shorten it by at least {excess} characters (a URL of plain ASCII characters "
        "may have {plain})."
    ),
    "qr.too_long": (
        "The roster's QR code cannot be drawn: with its form URL the payload is {size} bytes, "
        "and a QR code holds at most {max}. Create a roster with a shorter --form-url."
    ),
    "roster.code_expired": (
        "The registration code of roster {roster_id} expired at the end of {date} "
        "(Asia/Shanghai), so nobody can register with its QR; "
        "`tuanti roster reissue {roster_id}` gives a new one."
    ),
    "roster.empty_field": "{field} is empty; give a value.",
    "roster.bad_field": "{field} must be at most {max} characters on one line.",
    "roster.number": (
        "{field} holds a long number, like a phone or ID number; it is shown in full in every"
        " list and on the QR code, so leave the number out (the QR code names your masked"
        " phone)."
    ),
    "roster.bad_nat_days": "--max-nat-days {value} is out of range; use 0 to 365.",
    "roster.name_taken": (
        "A roster named {name!r} already exists; choose another name or use the existing roster."
    ),
    "roster.not_found": (
        "No roster {ref!r}. Give a roster id or the exact institution name; "
        "`tuanti roster list` shows them."
    ),
    "roster.created": "Created roster {roster_id} for {name}.",
    "roster.code": "Registration code: {code}",
    "roster.expires": "Valid until {date} (Asia/Shanghai).",
    "roster.never_expires": "The code does not expire.",
    "roster.scan": "Scan to register:",
    "roster.reissued": "New code for {roster_id}; every earlier code is now revoked.",
    "roster.deleted": (
        "Deleted roster {roster_id} and erased its {members} {members:member|members}."
    ),
    "roster.confirm_delete": (
        "Delete roster {roster_id} ({name}) and erase its {members} {members:member|members}?"
    ),
    "roster.need_yes": (
        "Deleting roster {roster_id} erases the data of all its members; without a terminal to "
        "confirm at, pass --yes."
    ),
    "roster.none": "No rosters yet. Create one with `tuanti roster create --name … --address …`.",
    "roster.wrote": "Wrote {path}.",
    "roster.same_picture_path": (
        "--png and --svg both name {path}: one would overwrite the other. Give each its own file."
    ),
    "verify.genuine": "Genuine: a current code of {institution} ({roster_id}).",
    "verify.expired": "Expired: a code of {institution} ({roster_id}) that ran out on {date}.",
    "verify.revoked": "Revoked: an earlier code of {institution} ({roster_id}); it was re-issued.",
    "verify.forged": "Forged: this code was not issued by this store for roster {roster_id}.",
    "verify.other_institution": (
        "Forged: the code is one of {institution} ({roster_id}), but the text around it names "
        "another institution; this store did not make that QR."
    ),
    "verify.other_address": (
        "Forged: the code is one of {institution} ({roster_id}), but the text around it gives "
        "another address; this store did not make that QR."
    ),
    "col.roster_id": "Roster",
    "col.name": "Institution",
    "col.address": "Address",
    "col.members": "Members",
    "col.abnormal": "Abnormal",
    "col.last_refresh": "Last refresh",
    "help.roster": "Create, list, verify and re-issue rosters and their registration codes.",
    "help.roster_create": "Create a roster and print its id, registration code and QR.",
    "help.roster_list": "List rosters with member counts and the last refresh.",
    "help.roster_qr": "Print the roster's QR code in the terminal, or write it as PNG/SVG.",
    "help.roster_verify": "Check a registration code or QR payload: genuine, forged, expired or revoked.",
    "help.roster_reissue": "Issue a new registration code; every earlier code becomes revoked.",
    "help.roster_delete": "Delete a roster and erase its members and their health data.",
    "opt.roster.name": "Institution name.",
    "opt.roster.code_or_payload": (
        "A registration code (TB1.…), or all that a roster's QR code holds: its text or URL."
    ),
    "opt.roster.address": "Detailed address.",
    "opt.roster.type": "Institution type.",
    "opt.roster.max_nat_days": "NAT days allowed before abnormal.",
    "opt.roster.expires_in": "Code lifetime, e.g. 24h, 3d, 1w (default: no expiry).",
    "opt.roster.form_url": "Your enrollment form; the QR carries it with the code.",
    "opt.roster.png": "Also write a PNG image.",
    "opt.roster.svg": "Also write an SVG image.",
    "opt.roster.invert": "For light-background terminals.",
}

ZH: dict[str, str] = {
    "code.bad_duration": "--expires-in {value!r} 不是有效时长；请写成 24h、3d 或 1w。",
    "code.not_found": (
        "未找到登记码。登记码形如 TB1.K7Q2M9XD.0.ABCDEFGHIJKLMNOP；请传入登记码、二维码文本或表单网址。"
    ),
    "code.several": "文本中有 {count} 个不同的登记码；请一次只传入一个登记码。",
    "code.bad_url": "--form-url {value!r} 不是 http(s) 网址；请给出表单的完整地址。",
    "roster.url_too_long": (
        "--form-url 太长：二维码须容纳加上登记码后的网址，请至少缩短 {excess} 个字符"
        "（只含 ASCII 字符的网址最多 {plain} 个字符）。"
    ),
    "qr.too_long": (
        "无法生成该登记簿的二维码：加上表单网址后内容为 {size} 字节，而二维码最多容纳 {max} 字节。"
        "请用更短的 --form-url 新建登记簿。"
    ),
    "roster.code_expired": (
        "登记簿 {roster_id} 的登记码有效期至 {date}（北京时间），现已过期，扫码也无法登记；"
        "运行 `tuanti roster reissue {roster_id}` 可生成新的登记码。"
    ),
    "roster.empty_field": "{field} 为空；请填写。",
    "roster.bad_field": "{field} 最多 {max} 个字符，且只能一行。",
    "roster.number": "{field} 中含有像手机号或身份证号的长数字；它会在各个列表和二维码上完整显示，请去掉该号码（二维码会显示您打码后的手机号）。",
    "roster.bad_nat_days": "--max-nat-days {value} 超出范围；请使用 0 到 365。",
    "roster.name_taken": "名为 {name!r} 的登记簿已存在；请换一个名称或使用已有登记簿。",
    "roster.not_found": "没有登记簿 {ref!r}。请给出登记簿编号或完整的机构名称；`tuanti roster list` 可查看。",
    "roster.created": "已为 {name} 创建登记簿 {roster_id}。",
    "roster.code": "登记码：{code}",
    "roster.expires": "有效期至 {date}（北京时间）。",
    "roster.never_expires": "登记码长期有效。",
    "roster.scan": "扫码登记：",
    "roster.reissued": "已为 {roster_id} 生成新登记码；此前的登记码均已作废。",
    "roster.deleted": "已删除登记簿 {roster_id}，并清除其 {members} 名成员的数据。",
    "roster.confirm_delete": "删除登记簿 {roster_id}（{name}）并清除其 {members} 名成员的数据？",
    "roster.need_yes": "删除登记簿 {roster_id} 会清除其全部成员的数据；没有终端可供确认时，请加 --yes。",
    "roster.none": "还没有登记簿。请用 `tuanti roster create --name … --address …` 创建。",
    "roster.wrote": "已写入 {path}。",
    "roster.same_picture_path": "--png 和 --svg 都指向 {path}，后写的会覆盖先写的。请为两者各给一个文件。",
    "verify.genuine": "真实有效：{institution}（{roster_id}）的当前登记码。",
    "verify.expired": "已过期：{institution}（{roster_id}）的登记码，已于 {date} 失效。",
    "verify.revoked": "已作废：{institution}（{roster_id}）此前的登记码，已重新生成。",
    "verify.forged": "伪造：此登记码并非本数据库为登记簿 {roster_id} 签发。",
    "verify.other_institution": (
        "伪造：登记码属于 {institution}（{roster_id}），但其所在文本写的是另一家机构；该二维码并非本数据库生成。"
    ),
    "verify.other_address": (
        "伪造：登记码属于 {institution}（{roster_id}），但其所在文本写的是另一个地址；该二维码并非本数据库生成。"
    ),
    "col.roster_id": "登记簿",
    "col.name": "机构",
    "col.address": "地址",
    "col.members": "成员数",
    "col.abnormal": "异常",
    "col.last_refresh": "最近比对",
    "help.roster": "创建、列出、核验登记簿并重新生成登记码。",
    "help.roster_create": "创建登记簿，输出编号、登记码和二维码。",
    "help.roster_list": "列出登记簿及成员数、最近比对时间。",
    "help.roster_qr": "在终端显示登记簿二维码，或保存为 PNG/SVG。",
    "help.roster_verify": "核验登记码或二维码内容：真实、伪造、过期或已作废。",
    "opt.roster.code_or_payload": "登记码（TB1.…），或登记簿二维码中的全部内容：那段文字或网址。",
    "help.roster_reissue": "生成新登记码；此前的登记码全部作废。",
    "help.roster_delete": "删除登记簿，并清除其成员及健康数据。",
    "opt.roster.name": "机构名称。",
    "opt.roster.address": "详细地址。",
    "opt.roster.type": "机构类型。",
    "opt.roster.max_nat_days": "核酸检测距今超过该天数即视为异常。",
    "opt.roster.expires_in": "登记码有效期，如 24h、3d、1w（默认长期有效）。",
    "opt.roster.form_url": "您的登记表单网址；二维码将同时包含该网址和登记码。",
    "opt.roster.png": "同时保存为 PNG 图片。",
    "opt.roster.svg": "同时保存为 SVG 图片。",
    "opt.roster.invert": "反色显示，适用于浅色背景的终端。",
}

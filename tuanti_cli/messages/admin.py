"""Messages for several admins and their key slots (PRODUCT §9)."""

EN: dict[str, str] = {
    "admin.need_yes": (
        "Removing {admin_no} re-keys the store; without a terminal to confirm at, pass --yes."
    ),
    "help.admin": "Several admins, each with a key slot in <store>.keys.",
    "help.admin_add": (
        "Add an admin with their own key file or passphrase (the first one converts the store "
        "to key slots)."
    ),
    "help.admin_list": "List the admins, masked.",
    "help.admin_remove": (
        "Remove an admin's key slot and re-encrypt the store under a fresh data key."
    ),
    "opt.admin.name": "New admin's name.",
    "opt.admin.phone": "New admin's mobile number.",
    "opt.admin.id": "New admin's ID number.",
    "opt.admin.key_file": (
        "Create this NEW key file (0600) for the new admin. Your own key is the global "
        "--key-file, given before `admin`."
    ),
    "opt.admin.passphrase": (
        "The new admin uses a passphrase, from TUANTI_NEW_PASSPHRASE or a prompt."
    ),
    "opt.admin.admin_no": "Admin number (A1, A2, …).",
    "opt.key.data_key": "Re-encrypt the store under a fresh data key for every admin (alone, or with a new key of your own).",
    "admin.add_none": "Give --key-file NEW (the new admin's key file) or --passphrase.",
    "admin.add_both": "Give --key-file NEW or --passphrase, not both.",
    "admin.key_file_is_own": (
        "--key-file {path} after `admin add` is the new admin's key file and must be new; "
        "your own key file goes before `admin` (tuanti --key-file YOURS admin add …)."
    ),
    "admin.added_file": "Added admin {admin_no}; their key file is {path} (mode 0600).",
    "admin.added_passphrase": "Added admin {admin_no}, who opens the store with their passphrase.",
    "admin.converted": (
        "The store now has key slots: your key is admin A1's, and the store was re-encrypted "
        "under a new data key."
    ),
    "admin.keys_backup": (
        "The key slots are in {path}. Back it up together with the store: losing it loses the "
        "store, like losing the key."
    ),
    "admin.keys_later": (
        "If you add admins later (tuanti admin add), their key slots go in {path}; back it up "
        "with the store, since losing it then loses the store."
    ),
    "admin.removed": (
        "Removed admin {admin_no} and re-encrypted the store under a new data key; "
        "their key no longer opens it."
    ),
    "admin.confirm": "Remove admin {admin_no} and re-encrypt the store?",
    "admin.not_found": "There is no admin {admin_no}; `tuanti admin list` shows the admins.",
    "admin.last": ("{admin_no} is the last admin and cannot be removed; add another admin first."),
    "admin.already": (
        "This person is admin {admin_no} already (ID number {id}); an admin is added once."
    ),
    "admin.same_key": (
        "That key already opens admin {admin_no}'s slot; give the new admin a key of their own."
    ),
    "admin.keys_unreadable": (
        "The key slot file {path} cannot be read. Check its permissions, or restore it from "
        "the backup kept with the store."
    ),
    "admin.keys_bad": (
        "The key slot file {path} is damaged or not a tuanti key slot file. Restore it from "
        "the backup kept with the store; without it the store cannot be opened."
    ),
    "admin.keys_newer": (
        "The key slot file {path} has version {version}, written by a newer tuanti. "
        "Upgrade tuanti to open this store."
    ),
    "admin.keys_unwritable": (
        "Cannot write the key slot file {path} ({reason}). Check the free disk space and the "
        "folder's permissions."
    ),
    "admin.no_slots_data_key": (
        "This store has no key slots, so its key is the data key: renew it with "
        "`tuanti key rotate --new-key-file PATH` or `--new-passphrase`."
    ),
    "admin.rotated_own_file": (
        "Your admin slot ({admin_no}) now opens with {path}; your old key no longer does."
    ),
    "admin.rotated_own_passphrase": (
        "Your admin slot ({admin_no}) now opens with the new passphrase; your old key no "
        "longer does."
    ),
    "admin.data_key_rotated": (
        "Re-encrypted the store under a new data key for every admin; each admin's key is "
        "unchanged."
    ),
    "admin.col.admin_no": "Admin",
    "admin.col.name": "Name",
    "admin.col.phone": "Phone",
    "admin.col.added": "Added",
    "admin.col.last_used": "Last used",
    "acol.admin": "Admin",
}

ZH: dict[str, str] = {
    "admin.need_yes": "移除 {admin_no} 会更换存储的密钥；没有终端可供确认时，请加 --yes。",
    "help.admin": "多名管理员，各自在 <store>.keys 中拥有一个密钥槽。",
    "help.admin_add": "添加一名使用自己的密钥文件或口令的管理员（首次添加时数据库转为密钥槽方式）。",
    "help.admin_list": "列出管理员（已脱敏）。",
    "help.admin_remove": "删除一名管理员的密钥槽，并用新的数据密钥重新加密数据库。",
    "opt.admin.name": "新管理员姓名。",
    "opt.admin.phone": "新管理员手机号。",
    "opt.admin.id": "新管理员身份证号。",
    "opt.admin.key_file": "为新管理员创建该新密钥文件（权限 0600）。您自己的密钥是写在 `admin` 之前的全局 --key-file。",
    "opt.admin.passphrase": "新管理员使用口令；口令取自 TUANTI_NEW_PASSPHRASE，或在提示时输入。",
    "opt.admin.admin_no": "管理员编号（A1、A2……）。",
    "opt.key.data_key": "为所有管理员改用新的数据密钥重新加密数据库（可单独使用，也可与新的个人密钥同用）。",
    "admin.add_none": "请给出 --key-file NEW（新管理员的密钥文件）或 --passphrase 中的一个。",
    "admin.add_both": "--key-file NEW 和 --passphrase 只能给出其中一个。",
    "admin.key_file_is_own": "`admin add` 之后的 --key-file {path} 是新管理员的密钥文件，必须是新文件；您自己的密钥文件请写在 `admin` 之前（tuanti --key-file 您的密钥 admin add ……）。",
    "admin.added_file": "已添加管理员 {admin_no}；其密钥文件为 {path}（权限 0600）。",
    "admin.added_passphrase": "已添加管理员 {admin_no}，其使用自己的口令打开数据库。",
    "admin.converted": "数据库现已使用密钥槽：您的密钥成为管理员 A1 的密钥，数据库已改用新的数据密钥重新加密。",
    "admin.keys_backup": "密钥槽保存在 {path}。请与数据库一起备份：丢失该文件即丢失数据库，如同丢失密钥。",
    "admin.keys_later": "如果以后添加管理员（tuanti admin add），其密钥槽将保存在 {path}；请与数据库一起备份，届时丢失该文件即丢失数据库。",
    "admin.removed": "已删除管理员 {admin_no}，并用新的数据密钥重新加密数据库；其密钥已无法打开数据库。",
    "admin.confirm": "删除管理员 {admin_no} 并重新加密数据库？",
    "admin.not_found": "没有管理员 {admin_no}；`tuanti admin list` 可列出管理员。",
    "admin.last": "{admin_no} 是最后一名管理员，不能删除；请先添加另一名管理员。",
    "admin.already": "此人已是管理员 {admin_no}（身份证号 {id}），不能重复添加。",
    "admin.same_key": "该密钥已能打开管理员 {admin_no} 的密钥槽；请为新管理员使用其自己的密钥。",
    "admin.keys_unreadable": "无法读取密钥槽文件 {path}。请检查文件权限，或从与数据库一起保存的备份中恢复。",
    "admin.keys_bad": "密钥槽文件 {path} 已损坏或不是 tuanti 密钥槽文件。请从与数据库一起保存的备份中恢复；没有它将无法打开数据库。",
    "admin.keys_newer": "密钥槽文件 {path} 的版本为 {version}，由更新版本的 tuanti 写入。请升级 tuanti 后再打开该数据库。",
    "admin.keys_unwritable": "无法写入密钥槽文件 {path}（{reason}）。请检查磁盘剩余空间和文件夹权限。",
    "admin.no_slots_data_key": "该数据库没有密钥槽，其密钥即数据密钥：请用 `tuanti key rotate --new-key-file PATH` 或 `--new-passphrase` 更换。",
    "admin.rotated_own_file": "您的管理员密钥槽（{admin_no}）现在用 {path} 打开；旧密钥已无法打开。",
    "admin.rotated_own_passphrase": "您的管理员密钥槽（{admin_no}）现在用新口令打开；旧密钥已无法打开。",
    "admin.data_key_rotated": "已为所有管理员改用新的数据密钥重新加密数据库；各管理员的密钥不变。",
    "admin.col.admin_no": "管理员",
    "admin.col.name": "姓名",
    "admin.col.phone": "手机号",
    "admin.col.added": "添加时间",
    "admin.col.last_used": "最近使用",
    "acol.admin": "管理员",
}

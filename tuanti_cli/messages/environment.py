"""Messages for the environment: store files, key files, locale, pipes, pagers."""

EN: dict[str, str] = {
    "store.newer": (
        "The store at {path} was written by a newer tuanti (it has migration {migration}); "
        "upgrade tuanti to open it. The store was not changed."
    ),
    "store.empty": (
        "The file {path} is empty (0 bytes), not a tuanti store. Restore the store from a "
        "backup, or remove the file and run `tuanti init`."
    ),
    "store.folder_read_only": (
        "The store's folder {folder} is read-only, but tuanti must create {name}-wal and "
        "{name}-shm beside the store. Make the folder writable, or move the store to a "
        "writable folder."
    ),
    "store.is_folder": (
        "{path} is a folder, not a tuanti store; give the path of the store's file "
        "(--db or TUANTI_DB)."
    ),
    "store.not_a_file": (
        "{path} is not a regular file (it is a device, a pipe or a socket), so it is not a "
        "tuanti store; give the path of the store's file (--db or TUANTI_DB)."
    ),
    "key.file_folder": (
        "Key file {path} is a folder, not a key file; give the path of the key file "
        "(--key-file or TUANTI_KEY_FILE)."
    ),
    "key.file_too_large": (
        "Key file {path} is larger than {limit} bytes, so it is not a tuanti key file. "
        "Check --key-file or TUANTI_KEY_FILE."
    ),
    "key.file_unsafe": (
        "Warning: unsafe permissions on key file {path} (other users can read or change it); "
        "run chmod 600 on it."
    ),
    "stdin.closed": (
        "Standard input is closed, so there is nothing to read or answer. Give the input as "
        "a file, or the answers as options (see --help)."
    ),
    "pager.missing": "The pager {pager} could not be started; the text follows without it.",
    "pager.failed": "The pager {pager} failed (exit status {status}); the text follows without it.",
}

ZH: dict[str, str] = {
    "store.newer": (
        "{path} 处的数据库由更新版本的 tuanti 写入（含迁移 {migration}）；请升级 tuanti 后再打开。"
        "数据库未做任何改动。"
    ),
    "store.empty": (
        "文件 {path} 为空（0 字节），不是 tuanti 数据库。请从备份恢复数据库，"
        "或删除该文件后运行 `tuanti init`。"
    ),
    "store.folder_read_only": (
        "数据库所在文件夹 {folder} 为只读，而 tuanti 需要在数据库旁创建 {name}-wal 和 {name}-shm。"
        "请让该文件夹可写，或把数据库移到可写的文件夹。"
    ),
    "store.is_folder": "{path} 是文件夹，不是 tuanti 数据库；请给出数据库文件的路径（--db 或 TUANTI_DB）。",
    "store.not_a_file": (
        "{path} 不是普通文件（而是设备、管道或套接字），因此不是 tuanti 数据库；"
        "请给出数据库文件的路径（--db 或 TUANTI_DB）。"
    ),
    "key.file_folder": (
        "密钥文件 {path} 是文件夹，不是密钥文件；请给出密钥文件的路径（--key-file 或 TUANTI_KEY_FILE）。"
    ),
    "key.file_too_large": (
        "密钥文件 {path} 超过 {limit} 字节，不是 tuanti 密钥文件。请检查 --key-file 或 TUANTI_KEY_FILE。"
    ),
    "key.file_unsafe": (
        "警告：密钥文件 {path} 的权限不安全（其他用户可以读取或修改）；请对它运行 chmod 600。"
    ),
    "stdin.closed": (
        "标准输入已关闭，无法读取输入或回答提示。请以文件形式提供输入，或用选项给出答案（见 --help）。"
    ),
    "pager.missing": "无法启动分页程序 {pager}；以下直接输出文本。",
    "pager.failed": "分页程序 {pager} 运行失败（退出状态 {status}）；以下直接输出文本。",
}

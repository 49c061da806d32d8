"""Messages for writing files: refused targets, atomic exports."""

EN: dict[str, str] = {
    "output.is_store": (
        "{option} {path} is the store itself and writing there would destroy it; "
        "choose another {option} path."
    ),
    "output.is_store_file": (
        "{option} {path} is one of the store's own files (journal, lock or key slots) and "
        "writing there would damage the store; choose another {option} path."
    ),
    "output.is_key": (
        "{option} {path} is the key file in use and writing there would lock you out of the "
        "store; choose another {option} path."
    ),
    "output.is_input": (
        "{option} {path} is this command's own input file; choose another {option} path."
    ),
    "output.symlink": (
        "{option} {path} is a symbolic link, which tuanti never writes through; "
        "choose another {option} path."
    ),
    "output.not_regular": (
        "{option} {path} exists and is not a regular file (a folder, device or pipe); "
        "choose another {option} path."
    ),
    "output.no_folder": (
        "{option} {path} cannot be written because the folder {folder} does not exist; "
        "create it or choose another {option} path."
    ),
    "output.folder_unwritable": (
        "{option} {path} cannot be written because the folder {folder} does not accept new "
        "files; choose another {option} path."
    ),
    "output.write_failed": (
        "Could not write {option} {path} ({reason}); any older file there is unchanged. "
        "Free some space or choose another {option} path."
    ),
    "output.name_too_long": (
        "{option} {path} cannot be written because its file name is too long for the file "
        "system (most allow 255 bytes, about 85 Chinese characters); choose another {option} path."
    ),
    "output.dash_stdout": (
        "'-' names no file here; leave the option out to print to standard output, "
        "or write ./- for a file named '-'."
    ),
    "output.dash_file": (
        "'-' names no file here and this output goes only to a file; name one "
        "(./- for a file named '-')."
    ),
    "output.rejects_after_commit": (
        "The import was committed ({added} added, {updated} updated), but the rejects report "
        "could not be written to {path} ({reason}). Run the same import again with "
        "--dry-run --rejects OTHER_PATH to get the report without changing anything."
    ),
}

ZH: dict[str, str] = {
    "output.is_store": "{option} {path} 就是数据库本身，写入会将其毁掉；请换一个 {option} 路径。",
    "output.is_store_file": (
        "{option} {path} 是数据库自身的文件（日志、锁或密钥槽），写入会损坏数据库；"
        "请换一个 {option} 路径。"
    ),
    "output.is_key": (
        "{option} {path} 是正在使用的密钥文件，写入后将无法再打开数据库；请换一个 {option} 路径。"
    ),
    "output.is_input": "{option} {path} 是本命令自己的输入文件；请换一个 {option} 路径。",
    "output.symlink": "{option} {path} 是符号链接，tuanti 从不经由链接写入；请换一个 {option} 路径。",
    "output.not_regular": (
        "{option} {path} 已存在且不是普通文件（文件夹、设备或管道）；请换一个 {option} 路径。"
    ),
    "output.no_folder": (
        "无法写入 {option} {path}：文件夹 {folder} 不存在；请先创建它，或换一个 {option} 路径。"
    ),
    "output.folder_unwritable": (
        "无法写入 {option} {path}：文件夹 {folder} 不允许新建文件；请换一个 {option} 路径。"
    ),
    "output.write_failed": (
        "无法写入 {option} {path}（{reason}）；原有文件（如有）保持不变。"
        "请腾出磁盘空间，或换一个 {option} 路径。"
    ),
    "output.name_too_long": (
        "无法写入 {option} {path}：文件名过长，文件系统不接受（多数只允许 255 字节，约 85 个汉字）；"
        "请换一个 {option} 路径。"
    ),
    "output.dash_stdout": "这里的 '-' 不代表任何文件；要输出到标准输出请省略该选项，要写入名为 '-' 的文件请写 ./-。",
    "output.dash_file": "这里的 '-' 不代表任何文件，而此输出只能写入文件；请指定文件名（名为 '-' 的文件请写 ./-）。",
    "output.rejects_after_commit": (
        "导入已提交（新增 {added}，更新 {updated}），但被拒绝行报告无法写入 {path}（{reason}）。"
        "请加 --dry-run --rejects 其他路径 再运行同一导入以获得报告（不会改动任何数据）。"
    ),
}

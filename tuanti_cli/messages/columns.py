"""Messages for recognising columns: form-tool headers, ``--column`` and ``--consent-answer``."""

EN: dict[str, str] = {
    "columns.override_missing": (
        "{path} has no column {header!r} for {field} (--column {field}={header}) in its first "
        "{rows} rows, where the header is looked for. Copy the header exactly as the file's "
        "header row writes it."
    ),
    "columns.override_missing_key": (
        "{path} has no key {header!r} for {field} (--column {field}={header}) in any record. "
        "Copy the key exactly as the file writes it."
    ),
    "columns.ambiguous": (
        "{path}: both {first!r} and {second!r} could be the {field} column. "
        "Choose one with --column {field}=HEADER."
    ),
    "columns.override_shape": (
        "--column {value!r} is not FIELD=HEADER; write it as --column name=姓名."
    ),
    "columns.override_field": "--column names an unknown field {field!r}; the fields are {fields}.",
    "columns.override_twice": "--column names {field} twice; give each field once.",
    "columns.used": "{field} ← {header}",
    "consent.answer_empty": "--consent-answer is empty; give the answer text that means yes.",
    "consent.answer_negated": (
        "--consent-answer {answer!r} is a refusal (a negation — 不, 否, 拒绝, 未, 没, no or "
        "not — stands before its agreement, or it agrees to nothing), so it can never mean "
        "yes; give only the answers that agree."
    ),
}

ZH: dict[str, str] = {
    "columns.override_missing": (
        "{path} 的前 {rows} 行（查找表头的范围）中没有 {field} 所指定的列 {header!r}"
        "（--column {field}={header}）。请按文件表头行的写法原样复制列名。"
    ),
    "columns.override_missing_key": (
        "{path} 的记录中没有 {field} 所指定的键 {header!r}（--column {field}={header}）。"
        "请按文件中的写法原样复制键名。"
    ),
    "columns.ambiguous": (
        "{path}：{first!r} 和 {second!r} 都可能是 {field} 列。请用 --column {field}=列名 指定一个。"
    ),
    "columns.override_shape": "--column {value!r} 不是 字段=列名 的形式；请写成 --column name=姓名。",
    "columns.override_field": "--column 指定了未知字段 {field!r}；可用字段为 {fields}。",
    "columns.override_twice": "--column 两次指定了 {field}；每个字段只能指定一次。",
    "columns.used": "{field} ← {header}",
    "consent.answer_empty": "--consent-answer 为空；请给出表示同意的答案文字。",
    "consent.answer_negated": (
        "--consent-answer {answer!r} 是拒绝（否定词——不、否、拒绝、未、没、no 或 not——"
        "位于同意之前，或答案中没有同意），不能表示同意；请只给出表示同意的答案。"
    ),
}

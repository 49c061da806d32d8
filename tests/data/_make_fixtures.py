"""Regenerates the enrollment-export fixtures in this folder.

Run: python tests/data/_make_fixtures.py   (needs openpyxl, xlwt)
Every byte-level choice (BOM, quoting, line endings, placeholders) is
documented, with its evidence, in README.md next to this file.
"""

import csv
import io
import os

HERE = os.path.dirname(os.path.abspath(__file__))

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_ok(s):
    return "10X98765432"[sum(int(a) * b for a, b in zip(s[:17], W, strict=False)) % 11] == s[17]


# name, id_number, phone, consent(bool), phone_skipped(bool)
PEOPLE = [
    ("赵一", "110105198804120315", "13912345601", True, False),
    ("钱二", "310104199209030425", "13912345602", True, False),
    ("孙三", "440106197511220011", "13912345603", False, False),
    ("阿依古丽•买买提", "510104198001010030", "13912345604", True, False),
    ("周五", "330106199512310020", "13912345605", True, True),
    ("吴六", "320102200002290013", "13912345606", True, False),
]
assert all(id_ok(p[1]) for p in PEOPLE)

HEALTH = ["绿码", "绿码", "绿码", "黄码", "绿码", "绿码"]
NOTES = ["无", "", "已接种三针疫苗", "需要清真餐", "", "周末可参加"]
SUBMIT = [
    "2024/11/12 09:03:41",
    "2024/11/12 09:15:07",
    "2024/11/12 10:22:50",
    "2024/11/12 11:40:18",
    "2024/11/12 13:05:33",
    "2024/11/12 14:47:02",
]
SECONDS = [73, 128, 45, 210, 66, 97]
IPS = [
    "203.0.113.11",
    "203.0.113.27",
    "203.0.113.54",
    "203.0.113.80",
    "203.0.113.102",
    "203.0.113.143",
]
CITY = ["北京-北京", "上海-上海", "广东-广州", "四川-成都", "浙江-杭州", "江苏-南京"]

# ---------------------------------------------------------------- 问卷星
WJX_META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
WJX_Q = [
    "1、您的姓名：",
    "2、身份证号码：",
    "3、手机号码：",
    "4、您是否同意本单位收集并使用以上个人信息用于报名登记？ (单选题 *必答)",
    "5、今日健康码颜色",
    "6、近14天是否到过以下地区？ (多选题)",
    "7、其他需要说明的情况：",
]
WJX_Q6_OPTS = ["中高风险地区", "境外", "以上均无"]
WJX_Q6 = [[2], [2], [0], [2], [2], [1]]  # option indexes ticked, per person
WJX_SRC = [
    ("手机提交", "微信"),
    ("手机提交", "微信"),
    ("链接", "直接访问"),
    ("手机提交", "微信"),
    ("手机提交", "直接访问"),
    ("链接", "直接访问"),
]


def wjx_text_rows():
    rows = []
    for i, (name, idn, phone, consent, skip) in enumerate(PEOPLE):
        rows.append(
            [
                str(i + 1),
                SUBMIT[i],
                f"{SECONDS[i]}秒",
                WJX_SRC[i][0],
                WJX_SRC[i][1],
                f"{IPS[i]}({CITY[i]})",
                name,
                idn,
                "(跳过)" if skip else phone,
                "同意" if consent else "不同意",
                HEALTH[i],
                "┋".join(WJX_Q6_OPTS[k] for k in WJX_Q6[i]),
                NOTES[i] if NOTES[i] else "(空)",
            ]
        )
    return WJX_META + WJX_Q, rows


def wjx_code_rows():
    header = WJX_META + WJX_Q[:5] + [f"第6题({o})" for o in WJX_Q6_OPTS] + [WJX_Q[6]]
    rows = []
    colours = {"绿码": 1, "黄码": 2, "红码": 3}
    for i, (name, idn, phone, consent, skip) in enumerate(PEOPLE):
        rows.append(
            [
                i + 1,
                SUBMIT[i],
                f"{SECONDS[i]}秒",
                WJX_SRC[i][0],
                WJX_SRC[i][1],
                f"{IPS[i]}({CITY[i]})",
                name,
                idn,
                -3 if skip else phone,
                1 if consent else 2,
                colours[HEALTH[i]],
            ]
            + [1 if k in WJX_Q6[i] else 0 for k in range(len(WJX_Q6_OPTS))]
            + [NOTES[i] if NOTES[i] else "(空)"]
        )
    return header, rows


def write_csv(path, header, rows, *, encoding, bom, newline, quote_all, trailing_comma=False):
    buf = io.StringIO()
    w = csv.writer(
        buf, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    for r in [header, *rows]:
        r = ["" if v is None else str(v) for v in r]
        if trailing_comma:
            r = [*r, ""]
        w.writerow(r)
    data = buf.getvalue().encode(encoding, errors="replace")
    if bom:
        data = b"\xef\xbb\xbf" + data
    with open(os.path.join(HERE, path), "wb") as f:
        f.write(data)


def write_xls(path, header, rows, sheet="Sheet1"):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    for c, h in enumerate(header):
        ws.write(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    wb.save(os.path.join(HERE, path))


def write_xlsx(path, header, rows, sheet="Sheet1"):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    # every str stays a str cell (t="s"); make text columns display as text
    for col in ws.iter_cols(min_row=2):
        for cell in col:
            if isinstance(cell.value, str):
                cell.number_format = "@"
    wb.save(os.path.join(HERE, path))


h, r = wjx_text_rows()
write_xls("wjx-text.xls", h, r)
write_xlsx("wjx-text.xlsx", h, r)
write_csv("wjx-text.csv", h, r, encoding="utf-8", bom=True, newline="\r\n", quote_all=False)
h, r = wjx_code_rows()
write_xls("wjx-code.xls", h, r)
write_csv("wjx-code.csv", h, r, encoding="utf-8", bom=True, newline="\r\n", quote_all=False)

# ---------------------------------------------------------------- 腾讯问卷 CSV
TX_META = [
    "编号",
    "开始答题时间",
    "结束答题时间",
    "答题时长",
    "地理位置国家和地区",
    "地理位置省",
    "地理位置市",
    "用户类型",
    "用户标识",
    "昵称",
    "自定义字段",
]
TX_Q = [
    "1.您的姓名",
    "2.身份证号码",
    "3.手机号码",
    "4.您是否同意本单位收集并使用以上个人信息用于报名登记？",
    "5.今日健康码颜色",
    "6.近14天是否到过中高风险地区？",
    "7.其他需要说明的情况",
]
TX_START = [
    "12-Nov-2024 09:02:28",
    "12-Nov-2024 09:12:59",
    "12-Nov-2024 10:22:05",
    "12-Nov-2024 11:36:48",
    "12-Nov-2024 13:04:27",
    "12-Nov-2024 14:45:25",
]
TX_END = [
    "12-Nov-2024 09:03:41",
    "12-Nov-2024 09:15:07",
    "12-Nov-2024 10:22:50",
    "12-Nov-2024 11:40:18",
    "12-Nov-2024 13:05:33",
    "12-Nov-2024 14:47:02",
]
TX_PROV = [
    ("北京市", "北京市"),
    ("上海市", "上海市"),
    ("广东省", "广州市"),
    ("四川省", "成都市"),
    ("浙江省", "杭州市"),
    ("江苏省", "南京市"),
]
TX_USER = [
    ("微信", "o86_0jTESTzhao0000000000001", "一一"),
    ("微信", "o86_0jTESTqian0000000000002", "钱钱"),
    ("QQ", "3F2A9C0D5E7B41A8B6C9D0E1F2A3B4C5", "孙三"),
    ("微信", "o86_0jTESTayg00000000000004", "古丽"),
    ("微信", "o86_0jTESTzhou0000000000005", "周周"),
    ("微信", "o86_0jTESTwu000000000000006", "wu6"),
]


def tab_guard(v):
    # 腾讯问卷 prefixes all-digit free-text answers with a TAB so Excel keeps them as text
    return "\t" + v if v.isdigit() else v


tx_rows = []
for i, (name, idn, phone, consent, skip) in enumerate(PEOPLE):
    tx_rows.append(
        [
            str(6 - i),
            TX_START[i],
            TX_END[i],
            str(SECONDS[i]),
            "中国",
            TX_PROV[i][0],
            TX_PROV[i][1],
            TX_USER[i][0],
            TX_USER[i][1],
            TX_USER[i][2],
            "",
            name,
            tab_guard(idn),
            "" if skip else tab_guard(phone),
            "A.同意" if consent else "B.不同意",
            "A.绿码" if HEALTH[i] == "绿码" else "B.黄码",
            "A.是" if WJX_Q6[i] == [0] else "B.否",
            NOTES[i],
        ]
    )
tx_rows.reverse()  # newest answer first, 编号 descending, as in the real export
write_csv(
    "tencent-survey.csv",
    TX_META + TX_Q,
    tx_rows,
    encoding="utf-8",
    bom=True,
    newline="\n",
    quote_all=True,
    trailing_comma=True,
)


# ------------------------------------------- the same CSV after Excel re-saved it
def excel_sci(v):
    # Excel "General" rendering of a >11-digit number: 1.10105E+17
    m, e = (f"{float(v):.5E}").split("E")
    m = m.rstrip("0").rstrip(".")
    return f"{m}E+{int(e)}"


def excel_date(s):
    import datetime

    d = datetime.datetime.strptime(s, "%d-%b-%Y %H:%M:%S")
    return f"{d.year}/{d.month}/{d.day} {d.hour}:{d.minute:02d}"


resaved = []
for row in tx_rows:
    row = list(row)
    row[1], row[2] = excel_date(row[1]), excel_date(row[2])
    idn = row[12].lstrip("\t")
    if idn == "310104199209030425":
        row[12] = idn[:15] + "000"  # column formatted as number: 15 significant digits kept
    else:
        row[12] = excel_sci(idn)
    row[13] = row[13].lstrip("\t")
    resaved.append(row)
write_csv(
    "excel-resaved-gbk.csv",
    TX_META + TX_Q,
    resaved,
    encoding="gbk",
    bom=False,
    newline="\r\n",
    quote_all=False,
    trailing_comma=False,
)

# ------------------------------------------- xlsx whose ID/phone cells became numbers
h, r = wjx_text_rows()
num_rows = []
for row in r:
    row = list(row)
    row[0] = int(row[0])
    row[7] = float(f"{float(row[7]):.15g}")  # Excel keeps 15 significant digits
    if row[8].isdigit():
        row[8] = float(row[8])
    num_rows.append(row)
write_xlsx("excel-numeric-ids.xlsx", h, num_rows)

# ---------------------------------------------------------------- SurveyKing
SK_META = [
    "提交人",
    "提交时间",
    "填写时长",
    "填写设备",
    "操作系统",
    "浏览器",
    "填写地区",
    "IP",
    "ID",
]
SK_Q = [
    "您的姓名",
    "身份证号码",
    "手机号码",
    "您是否同意本单位收集并使用以上个人信息用于报名登记？",
    "今日健康码颜色",
    "近14天是否到过中高风险地区？",
    "其他需要说明的情况",
]
SK_TIME = [s.replace("/", "-") for s in SUBMIT]
SK_DUR = ["1分钟13秒", "2分钟8秒", "45秒", "3分钟30秒", "1分钟6秒", "1分钟37秒"]
SK_UA = [
    ("mobile", "iOS", "WeChat"),
    ("mobile", "Android", "WeChat"),
    (None, "Windows", "Chrome"),
    ("mobile", "Android", "Chrome"),
    ("mobile", "iOS", "Mobile Safari"),
    (None, "Mac OS", "Edge"),
]
sk_rows = []
for i, (name, idn, phone, consent, skip) in enumerate(PEOPLE):
    note = NOTES[i] or None
    if i == 5:
        note = "'-无特殊情况"  # SurveyKing prefixes =,+,-,@ values with ' (formula-injection guard)
    sk_rows.append(
        [
            i + 1,
            name,
            idn,
            None if skip else phone,
            "同意" if consent else "不同意",
            HEALTH[i],
            "否" if WJX_Q6[i] != [0] else "是",
            note,
            None,
            SK_TIME[i],
            SK_DUR[i],
            SK_UA[i][0],
            SK_UA[i][1],
            SK_UA[i][2],
            None,
            IPS[i],
            "%032x" % (0x5F1E0C2A9B7D4E3F8A6B1C0D2E3F4A50 + i),
        ]
    )
write_xlsx("surveyking.xlsx", ["序号", *SK_Q, *SK_META], sk_rows, sheet="2024年冬季活动报名")
print("ok")

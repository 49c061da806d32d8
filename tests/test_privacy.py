"""No plaintext personal data in any file the tool writes (store, temp folder, logs)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.helpers import make_ids

NAMES = ["欧阳明月", "司马长风", "诸葛青云"]


def test_full_run_leaves_no_plaintext(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    ids = make_ids(3, start=777)
    phones = ["13912340001", "15812340002", "19512340003"]
    people = inputs / "people.csv"
    people.write_text(
        "姓名,身份证号,手机号,同意授权\n"
        + "".join(f"{n},{i},{p},是\n" for n, i, p in zip(NAMES, ids, phones, strict=True)),
        encoding="utf-8",
    )
    feed = inputs / "feed.csv"
    feed.write_text(
        "姓名,证件号码,健康码状态,核酸采样时间,核酸结果\n"
        + "".join(f"{n},{i},红码,2022-12-05 08:00,阳性\n" for n, i in zip(NAMES, ids, strict=True)),
        encoding="utf-8",
    )
    written = tmp_path / "written"
    temp = written / "tmp"
    temp.mkdir(parents=True)
    env = dict(
        os.environ,
        TMPDIR=str(temp),
        HOME=str(written / "home"),
        TUANTI_DB=str(written / "store" / "tuanti.db"),
        TUANTI_KEY_FILE=str(written / "keys" / "tuanti.key"),
        TUANTI_LANG="zh",
    )
    env.pop("TUANTI_PASSPHRASE", None)
    log = written / "cron.log"

    def tuanti(*args: str) -> None:
        with log.open("a", encoding="utf-8") as out:
            proc = subprocess.run(
                [sys.executable, "-m", "tuanti_cli", *args],
                env=env,
                stdout=out,
                stderr=out,
                cwd=written,
            )
        assert proc.returncode == 0, log.read_text(encoding="utf-8")

    tuanti(
        "init",
        "--admin-name",
        "管理员甲",
        "--admin-phone",
        "13700001111",
        "--admin-id",
        "110101198001010053",
    )
    tuanti("roster", "create", "--name", "保密单位", "--address", "某地")
    tuanti("enroll", "import", "保密单位", str(people), "--rejects", str(written / "rej.csv"))
    tuanti(
        "enroll",
        "add",
        "保密单位",
        "--name",
        "东方不败",
        "--id-number",
        make_ids(1, start=900)[0],
        "--phone",
        "13612340004",
        "--yes",
    )
    tuanti("refresh", "--feed", str(feed))
    tuanti("show", "保密单位")
    tuanti("changes", "保密单位")
    tuanti("audit")
    tuanti("member", "withdraw", "保密单位", "M0001", "--yes")
    tuanti("demo")
    secrets = [
        *ids,
        *phones,
        make_ids(1, start=900)[0],
        "13612340004",
        "13700001111",
        "110101198001010053",
    ]
    store_secrets = [*secrets, *NAMES, "东方不败", "管理员甲", "保密单位"]
    files = [p for p in written.rglob("*") if p.is_file()]
    assert any(p.name == "tuanti.db" for p in files)
    for path in files:
        data = path.read_bytes()
        # The log and the reject report are masked output: names may appear, numbers never.
        checked = secrets if path in (log, written / "rej.csv") else store_secrets
        for secret in checked:
            for encoding in ("utf-8", "gb18030", "utf-16-le"):
                assert secret.encode(encoding) not in data, (path, secret)
    assert list(temp.iterdir()) == []


def test_exports_use_no_temporary_files(
    run: Run, roster_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*_: object, **__: object) -> None:
        raise AssertionError("a temporary file was made")

    for name in ("NamedTemporaryFile", "TemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, refused)
    out = tmp_path / "roster.xlsx"
    result = run("show", roster_id, "--format", "xlsx", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


def test_files_written_over_older_ones_become_private(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    outputs = {
        "show.csv": ("show", roster_id, "--format", "csv", "--output"),
        "show.xlsx": ("show", roster_id, "--format", "xlsx", "--output"),
        "qr.png": ("roster", "qr", roster_id, "--png"),
        "qr.svg": ("roster", "qr", roster_id, "--svg"),
    }
    people = tmp_path / "people.csv"
    people.write_text("姓名,身份证号,手机号,同意授权\n甲,12345,139,否\n", encoding="utf-8")
    older = tmp_path / "rejects.csv"
    older.write_text("old", encoding="utf-8")
    older.chmod(0o644)
    imported = run("enroll", "import", roster_id, str(people), "--rejects", str(older))
    assert imported.exit_code == 0, imported.output
    assert stat.S_IMODE(older.stat().st_mode) == 0o600
    for name, argv in outputs.items():
        path = tmp_path / name
        path.write_text("old", encoding="utf-8")
        path.chmod(0o644)
        result = run(*argv, str(path))
        assert result.exit_code == 0, (name, result.output)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


PATH_ID, PATH_PHONE = "110105198804120315", "13912345601"
"""An ID and a phone in the names of files: what a message repeats of them is masked."""


def test_messages_that_name_a_written_file_mask_the_numbers_in_its_path(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import ADMIN

    folder = tmp_path / f"张伟-{PATH_ID}"
    folder.mkdir()
    monkeypatch.setenv("TUANTI_DB", str(folder / f"{PATH_PHONE}.db"))
    monkeypatch.setenv("TUANTI_KEY_FILE", str(folder / f"{PATH_PHONE}.key"))
    people = tmp_path / "people.csv"
    people.write_text(
        f"姓名,身份证号,手机号,同意授权\n甲,12345,139,是\n乙,{make_ids(1)[0]},13912340000,是\n",
        encoding="utf-8",
    )

    def out(suffix: str) -> str:
        return str(folder / f"{PATH_PHONE}-{suffix}")

    said = [run("init", *ADMIN)]
    made = run("roster", "create", "--name", "示例", "--address", "北京市海淀区")
    roster = "示例"
    said += [
        made,
        run("enroll", "import", roster, str(people), "--rejects", out("rejects.csv")),
        run("roster", "qr", roster, "--png", out("qr.png"), "--svg", out("qr.svg")),
        run("show", roster, "--format", "csv", "--output", out("show.csv")),
        run("summary", "--format", "json", "--output", out("summary.json")),
        run("report", roster, "--format", "html", "--output", out("report.html")),
        run("member", "copy", roster, "M0001", "--output", out("copy.json")),
        run("key", "rotate", "--new-key-file", out("rotated.key")),
    ]
    monkeypatch.setenv("TUANTI_KEY_FILE", out("rotated.key"))
    admin = ["--name", "李老师", "--phone", "13912345679", "--id", make_ids(1, start=7)[0]]
    said.append(run("admin", "add", *admin, "--key-file", out("a2.key")))
    said.append(run("key", "rotate", "--new-key-file", out("a1.key")))
    monkeypatch.setenv("TUANTI_KEY_FILE", out("a1.key"))
    os.chmod(out("a1.key"), 0o644)  # the warning names the key file too
    said.append(run("roster", "list"))
    for result in said:
        assert result.exit_code == 0, result.output
    text = "".join(result.stdout + result.stderr for result in said)
    for wrote in ("-rejects.csv", "-qr.png", "-qr.svg", "-copy.json", "-rotated.key", "-a2.key",
                  "-a1.key", ".db", ".db.keys", ".key"):  # fmt: skip
        assert f"{os.sep}***********{wrote}" in text, wrote
    assert f"张伟-11************0315{os.sep}" in text
    assert PATH_ID not in text and PATH_PHONE not in text

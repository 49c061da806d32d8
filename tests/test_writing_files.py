"""Writing files (PRODUCT §7): no output onto the store, its companions, the key or the input;
atomic 0600 writes; no symlinks or devices; defused CSV cells; valid XLSX XML."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import Result

from tests.conftest import Run, add_member
from tests.helpers import make_id, make_phone, query
from tuanti_cli import writing
from tuanti_cli.errors import InputError
from tuanti_cli.keys import read_key_file
from tuanti_cli.store import Store
from tuanti_cli.writing import NOTHING, Protected, check_target, part_beside, write_atomically

INJECTION = '=HYPERLINK("http://x","y")'


def sentences(text: str) -> int:
    return text.strip().count(". ") + 1


def assert_refused(result: Result, *words: str) -> None:
    """Exit 1, one sentence on stderr that says how to fix it, nothing on stdout."""
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert "\n" not in message and sentences(message) == 1, message
    assert "choose another" in message, message
    assert "Traceback" not in message
    for word in words:
        assert word in message, message
    assert result.stdout == ""


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def nameless_files(folder: Path) -> bool:
    """Whether this system and file system make files with no name (``O_TMPFILE``)."""
    fd = writing._create_nameless(folder)
    if fd is None:
        return False
    os.close(fd)
    return True


@pytest.fixture(params=["nameless", "named"])
def temporaries(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    """Each atomic-write test both ways: with files that have no name until complete, and
    with named temporary files (systems without ``O_TMPFILE``)."""
    if request.param == "named":
        monkeypatch.setattr(writing, "_create_nameless", lambda folder: None)
    elif not nameless_files(tmp_path):
        pytest.skip("no files without a name here (O_TMPFILE)")
    return str(request.param)


@pytest.fixture
def member_roster(run: Run, roster_id: str) -> str:
    result = add_member(run, roster_id, "张三", make_id(seq=11), make_phone(1))
    assert result.exit_code == 0, result.output
    return roster_id


def rename_member(db_path: Path, key_path: Path, name: str) -> None:
    """Put a name straight into the store, as a lenient older import could have stored it."""
    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        conn.execute("UPDATE member SET name = ?", (name,))


# --- protected targets ------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["table", "json", "csv", "xlsx"])
def test_show_output_onto_the_store_is_refused(
    run: Run, member_roster: str, db_path: Path, output_format: str
) -> None:
    before = db_path.read_bytes()
    result = run("show", member_roster, "--format", output_format, "--output", str(db_path))
    assert_refused(result, "is the store itself", "--output")
    assert db_path.read_bytes() == before
    assert run("show", member_roster, "--format", "json").exit_code == 0


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal", ".lock", ".keys"])
def test_show_output_onto_a_store_companion_is_refused(
    run: Run, member_roster: str, db_path: Path, suffix: str
) -> None:
    target = db_path.with_name(db_path.name + suffix)
    existed = target.exists()
    before = target.read_bytes() if existed else None
    result = run("show", member_roster, "--format", "csv", "--output", str(target))
    assert_refused(result, "one of the store's own files")
    assert (target.read_bytes() if target.exists() else None) == before
    assert target.exists() == existed


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal", ".lock", ".keys"])
def test_a_store_named_through_a_symlink_keeps_its_companions_safe(
    run: Run, member_roster: str, db_path: Path, tmp_path: Path, suffix: str
) -> None:
    link = tmp_path / "link.db"
    link.symlink_to(db_path)
    target = db_path.with_name(db_path.name + suffix)  # where SQLite keeps them: by the store
    existed = target.exists()
    before = target.read_bytes() if existed else None
    result = run(
        "--db", str(link), "show", member_roster, "--format", "csv", "--output", str(target)
    )
    assert_refused(result, "one of the store's own files")
    assert (target.read_bytes() if target.exists() else None) == before


def test_a_store_named_through_a_symlink_has_one_lock_and_its_key_slots(
    run: Run, member_roster: str, db_path: Path, tmp_path: Path
) -> None:
    link = tmp_path / "link.db"
    link.symlink_to(db_path)
    feed = tmp_path / "feed.csv"
    feed.write_text("证件号码,健康码状态\n" + make_id(seq=1) + ",绿码\n", encoding="utf-8")
    assert run("--db", str(link), "refresh", "--feed", str(feed), "--quiet").exit_code == 0
    assert not (tmp_path / "link.db.lock").exists()
    assert db_path.with_name(db_path.name + ".lock").exists()
    second = tmp_path / "second.key"
    admin = ["--name", "李老师", "--phone", "13912345679", "--id", make_id(seq=77)]
    added = run("--db", str(link), "admin", "add", *admin, "--key-file", str(second))
    assert added.exit_code == 0, added.output
    assert db_path.with_name(db_path.name + ".keys").exists()
    assert not (tmp_path / "link.db.keys").exists()
    # Either name opens the store with either admin's key.
    for name in (link, db_path):
        for key in (None, second):
            extra = ("--key-file", str(key)) if key else ()
            assert run("--db", str(name), *extra, "roster", "list").exit_code == 0


def test_an_existing_wal_is_left_byte_identical(
    run: Run, member_roster: str, db_path: Path, key_path: Path
) -> None:
    wal = db_path.with_name(db_path.name + "-wal")
    with Store.open(db_path, read_key_file(key_path)):  # an open connection keeps its WAL
        if not wal.exists():
            pytest.skip("this SQLite build keeps no WAL file while open")
        before = wal.read_bytes()
        result = run("show", member_roster, "--format", "json", "--output", str(wal))
        assert_refused(result, "one of the store's own files")
        assert wal.read_bytes() == before


def test_qr_png_onto_the_key_file_is_refused(
    run: Run, roster_id: str, key_path: Path, tmp_path: Path
) -> None:
    before = key_path.read_bytes()
    svg = tmp_path / "code.svg"
    result = run("roster", "qr", roster_id, "--svg", str(svg), "--png", str(key_path))
    assert_refused(result, "key file in use", "--png")
    assert key_path.read_bytes() == before
    assert not svg.exists()  # both targets are checked before either is written
    assert run("roster", "list", "--format", "json").exit_code == 0


def test_key_file_given_with_option_is_protected(
    run: Run, roster_id: str, key_path: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.key"
    key_path.rename(other)
    before = other.read_bytes()
    result = run("--key-file", str(other), "roster", "qr", roster_id, "--svg", str(other))
    assert_refused(result, "key file in use", "--svg")
    assert other.read_bytes() == before


def _one_person(path: Path) -> Path:
    """An enrollment file of one person with consent."""
    path.write_text(
        f"name,id_number,phone,consent\n李四,{make_id(seq=21)},{make_phone(2)},是\n",
        encoding="utf-8",
    )
    return path


def test_rejects_onto_the_import_input_is_refused(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    source = _one_person(tmp_path / "people.csv")
    before = source.read_bytes()
    result = run("enroll", "import", roster_id, str(source), "--rejects", str(source))
    assert_refused(result, "own input file", "--rejects")
    assert source.read_bytes() == before
    assert query(db_path, key_path, "SELECT count(*) FROM member")[0][0] == 0


@pytest.mark.parametrize("dry_run", [True, False])
def test_rejects_onto_the_file_on_standard_input_is_refused(
    roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, dry_run: bool
) -> None:
    # `enroll import R - --rejects in.csv < in.csv`: `-` has no path, only its file (fd 0).
    source = _one_person(tmp_path / "people.csv")
    before = source.read_bytes()
    argv = ["enroll", "import", roster_id, "-", "--rejects", str(source)]
    with source.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "tuanti_cli", *argv, *(["--dry-run"] if dry_run else [])],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1, done.stderr
    assert "--rejects" in done.stderr and "own input file" in done.stderr, done.stderr
    assert done.stderr.strip().count("\n") == 0 and done.stdout == ""
    assert source.read_bytes() == before
    assert query(db_path, key_path, "SELECT count(*) FROM member")[0][0] == 0


def test_a_hard_link_to_the_store_is_refused(
    run: Run, member_roster: str, db_path: Path, tmp_path: Path
) -> None:
    link = tmp_path / "innocent.csv"
    os.link(db_path, link)
    before = db_path.read_bytes()
    result = run("show", member_roster, "--format", "csv", "--output", str(link))
    assert_refused(result, "is the store itself")
    assert db_path.read_bytes() == before
    assert link.stat().st_ino == db_path.stat().st_ino


def test_a_roundabout_path_to_the_store_is_refused(
    run: Run, member_roster: str, db_path: Path
) -> None:
    (db_path.parent / "x").mkdir()
    roundabout = db_path.parent / "x" / ".." / db_path.name
    before = db_path.read_bytes()
    result = run("show", member_roster, "--format", "json", "--output", str(roundabout))
    assert_refused(result, "is the store itself")
    assert db_path.read_bytes() == before


def test_refusal_in_chinese(run: Run, member_roster: str, db_path: Path) -> None:
    result = run("--lang", "zh", "show", member_roster, "--format", "csv", "--output", str(db_path))
    assert result.exit_code == 1
    assert "数据库本身" in result.stderr and "--output" in result.stderr


# --- symlinks and non-regular files -------------------------------------------------------


def test_a_symlink_target_is_not_followed(run: Run, member_roster: str, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    victim.chmod(0o644)
    link = tmp_path / "out.csv"
    link.symlink_to(victim)
    result = run("show", member_roster, "--format", "csv", "--output", str(link))
    assert_refused(result, "symbolic link")
    assert link.is_symlink()
    assert victim.read_text() == "keep me\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644


def test_a_dangling_symlink_is_refused(run: Run, member_roster: str, tmp_path: Path) -> None:
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    result = run("show", member_roster, "--format", "json", "--output", str(link))
    assert_refused(result, "symbolic link")
    assert not (tmp_path / "elsewhere.json").exists()


def test_a_device_is_refused(run: Run, member_roster: str) -> None:
    result = run("show", member_roster, "--format", "csv", "--output", os.devnull)
    assert_refused(result, "not a regular file")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_fifo_is_refused(run: Run, member_roster: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run("roster", "qr", member_roster, "--png", str(fifo))
    assert_refused(result, "not a regular file", "--png")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_folder_is_refused(run: Run, member_roster: str, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    result = run("show", member_roster, "--format", "xlsx", "--output", str(folder))
    assert_refused(result, "not a regular file")
    assert list(folder.iterdir()) == []


def test_a_missing_folder_is_refused(run: Run, member_roster: str, tmp_path: Path) -> None:
    result = run(
        "show", member_roster, "--format", "csv", "--output", str(tmp_path / "no" / "x.csv")
    )
    assert_refused(result, "does not exist")


# --- atomic writes ------------------------------------------------------------------------


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(
    run: Run, member_roster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "roster.csv"
    out.write_text("the old export\n")

    def disk_full(*_: object) -> None:  # the header is written; then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("tuanti_cli.cli.show._csv_line", disk_full)
    result = run("show", member_roster, "--format", "csv", "--output", str(out))
    assert result.exit_code == 1
    assert os.strerror(errno.ENOSPC) in result.stderr
    assert "unchanged" in result.stderr
    assert out.read_text() == "the old export\n"
    assert leftovers(tmp_path) == []


def test_a_real_file_size_limit_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    # RLIMIT_FSIZE is what a full disk looks like to a writer: write() fails with EFBIG.
    out = tmp_path / "big.txt"
    out.write_text("old\n")
    script = f"""
import resource, signal, sys
from pathlib import Path
from tuanti_cli.errors import InputError
from tuanti_cli.writing import NOTHING, write_atomically
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    with write_atomically(Path({str(out)!r}), NOTHING) as stream:
        for _ in range(1000):
            stream.write("x" * 100 + "\\n")
except InputError as exc:
    print(exc.key, exc.params["reason"])
    sys.exit(3)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout.startswith("output.write_failed"), done.stdout
    assert out.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_an_error_in_the_block_keeps_the_old_file(tmp_path: Path, temporaries: str) -> None:
    out = tmp_path / "x.json"
    out.write_text("old")
    with pytest.raises(ZeroDivisionError), write_atomically(out, NOTHING) as stream:
        stream.write("new, half")
        raise ZeroDivisionError
    assert out.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_written_in_full_and_private_whatever_the_umask(tmp_path: Path, temporaries: str) -> None:
    out = tmp_path / "x.bin"
    out.write_bytes(b"old, longer than the new content")
    out.chmod(0o644)
    saved = os.umask(0)
    try:
        with write_atomically(out, NOTHING, binary=True) as stream:
            assert stat.S_IMODE(os.fstat(stream.fileno()).st_mode) == 0o600
            stream.write(b"new")
    finally:
        os.umask(saved)
    assert out.read_bytes() == b"new"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_every_output_option_writes_a_private_file(
    run: Run, member_roster: str, tmp_path: Path
) -> None:
    outputs = {
        "t.txt": ("show", member_roster, "--format", "table", "--output"),
        "j.json": ("show", member_roster, "--format", "json", "--output"),
        "c.csv": ("show", member_roster, "--format", "csv", "--output"),
        "x.xlsx": ("show", member_roster, "--format", "xlsx", "--output"),
        "q.png": ("roster", "qr", member_roster, "--png"),
        "q.svg": ("roster", "qr", member_roster, "--svg"),
    }
    bad = tmp_path / "bad.csv"
    bad.write_text("name,id_number,phone,consent\n王五,123,1,是\n", encoding="utf-8")
    outputs["r.csv"] = ("enroll", "import", member_roster, str(bad), "--rejects")
    for name, args in outputs.items():
        target = tmp_path / name
        target.write_text("older, world-readable")
        target.chmod(0o644)
        result = run(*args, str(target))
        assert result.exit_code == 0, (name, result.output)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600, name
        assert target.read_bytes() != b"older, world-readable", name
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "stem", ["a" * 251, "张" * 83, "a" * 236], ids=["255-bytes", "83-chinese", "240-bytes"]
)
def test_a_name_up_to_the_longest_the_file_system_takes_is_written(
    run: Run, member_roster: str, tmp_path: Path, temporaries: str, stem: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,id_number,phone,consent\n王五,123,1,是\n", encoding="utf-8")
    outputs = {
        ".csv": ("show", member_roster, "--format", "csv", "--output"),
        ".txt": ("show", member_roster, "--output"),
        ".png": ("roster", "qr", member_roster, "--png"),
        ".rej": ("enroll", "import", member_roster, str(bad), "--rejects"),
    }
    for suffix, args in outputs.items():
        target = tmp_path / (stem + suffix)
        assert len(os.fsencode(target.name)) <= 255
        result = run(*args, str(target))
        assert result.exit_code == 0, (suffix, result.output)
        assert target.stat().st_size > 0, suffix
    assert leftovers(tmp_path) == []


def test_a_name_longer_than_the_file_system_takes_says_so(
    run: Run, member_roster: str, tmp_path: Path, temporaries: str
) -> None:
    target = tmp_path / ("张" * 85 + ".csv")  # 259 bytes
    for args, option in (
        (("show", member_roster, "--format", "csv", "--output"), "--output"),
        (("roster", "qr", member_roster, "--png"), "--png"),
    ):
        result = run(*args, str(target))
        assert_refused(result, "too long", option)
        assert "space" not in result.stderr
    assert leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys", "store"]


def dash_options(roster: str, people: Path) -> dict[str, tuple[str, ...]]:
    """Every option that names a file to write, each given ``-``, and the words its message
    needs: the way to standard output where there is one, else that a file is needed."""
    admin = ["--name", "李老师", "--phone", "13912345679", "--id", make_id(seq=77)]
    return {
        "show": ("show", roster, "--output"),
        "show-csv": ("show", roster, "--format", "csv", "--output"),
        "summary": ("summary", "--output"),
        "report": ("report", roster, "--format", "html", "--output"),
        "rejects": ("enroll", "import", roster, str(people), "--rejects"),
        "png": ("roster", "qr", roster, "--png"),
        "svg": ("roster", "qr", roster, "--svg"),
        "copy": ("member", "copy", roster, "M0001", "--output"),
        "new-key-file": ("key", "rotate", "--new-key-file"),
        "admin-key-file": ("admin", "add", *admin, "--key-file"),
    }


def _in_folder_with_rejects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in ``tmp_path`` (where a file named ``-`` would land), with an enrollment file
    whose one row is rejected (so that ``--rejects`` has something to write)."""
    monkeypatch.chdir(tmp_path)
    people = tmp_path / "people.csv"
    people.write_text("name,id_number,phone,consent\n王五,123,1,是\n", encoding="utf-8")
    return people


TO_STDOUT = {"show", "show-csv", "summary", "report"}


@pytest.mark.parametrize(
    "option",
    ["show", "show-csv", "summary", "report", "rejects", "png", "svg", "copy", "new-key-file",
     "admin-key-file"],
)  # fmt: skip
def test_a_dash_names_no_file_to_write(
    run: Run, member_roster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    people = _in_folder_with_rejects(tmp_path, monkeypatch)
    result = run(*dash_options(member_roster, people)[option], "-")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    error = result.stderr.strip().splitlines()[-1]
    assert "'-' names no file here" in error or "goes only to a file" in error, error
    assert "./-" in error
    if option in TO_STDOUT:
        assert "leave the option out to print to standard output" in error
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("source", ["option", "environment"])
def test_a_dash_key_file_is_a_usage_error_and_init_makes_no_file_named_dash(
    run: Run, isolated: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    monkeypatch.chdir(isolated)
    monkeypatch.delenv("TUANTI_KEY_FILE")
    given = ("--key-file", "-") if source == "option" else ()
    env = {"TUANTI_KEY_FILE": "-"} if source == "environment" else None
    admin = ("--admin-name", "张伟", "--admin-phone", "13812345678", "--admin-id", make_id(seq=5))
    result = run(*given, "init", *admin, env=env)
    assert result.exit_code == 2, result.output
    error = result.stderr.strip().splitlines()[-1]
    assert "--key-file" in error and "read only from a file" in error and "./-" in error, error
    assert not (isolated / "-").exists()
    assert not (isolated / "store").exists()


@pytest.mark.parametrize("option", ["show-csv", "png", "rejects", "copy"])
def test_a_file_named_dash_is_written_as_dot_slash_dash(
    run: Run, member_roster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    people = _in_folder_with_rejects(tmp_path, monkeypatch)
    result = run(*dash_options(member_roster, people)[option], "./-")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "-").stat().st_size > 0
    assert stat.S_IMODE((tmp_path / "-").stat().st_mode) == 0o600


# --- --rejects and the import transaction ---------------------------------------------------


def people_file(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(
        "name,id_number,phone,consent\n"
        f"李四,{make_id(seq=31)},{make_phone(3)},是\n"
        f"赵六,{make_id(seq=32)},{make_phone(4)},是\n"
        "坏行,123,1,是\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("bad", ["missing/rejects.csv", "folder", "link.csv"])
def test_a_bad_rejects_path_fails_before_the_import(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, bad: str
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "link.csv").symlink_to(tmp_path / "target.csv")
    source = people_file(tmp_path)
    result = run("enroll", "import", roster_id, str(source), "--rejects", str(tmp_path / bad))
    assert_refused(result, "--rejects")
    assert query(db_path, key_path, "SELECT count(*) FROM member")[0][0] == 0


def test_a_rejects_failure_after_commit_says_what_was_committed(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    db_path: Path,
    key_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def disk_full(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("tuanti_cli.cli.enroll.write_csv", disk_full)
    rejects = tmp_path / "rejects.csv"
    result = run(
        "enroll", "import", roster_id, str(people_file(tmp_path)), "--rejects", str(rejects)
    )
    assert result.exit_code == 1
    message = result.stderr
    assert "committed (2 added, 0 updated)" in message, message
    assert "--dry-run --rejects" in message
    assert "nothing" not in message.lower().split("without")[0]
    assert query(db_path, key_path, "SELECT count(*) FROM member")[0][0] == 2
    assert not rejects.exists()
    assert leftovers(tmp_path) == []


def test_a_rejects_failure_in_a_dry_run_is_a_plain_write_error(
    run: Run, roster_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("tuanti_cli.cli.enroll.write_csv", disk_full)
    source = people_file(tmp_path)
    rejects = tmp_path / "rejects.csv"
    result = run("enroll", "import", roster_id, str(source), "--dry-run", "--rejects", str(rejects))
    assert result.exit_code == 1
    assert "committed" not in result.stderr
    assert "--rejects" in result.stderr


# --- CSV injection ----------------------------------------------------------------------


def test_write_csv_defuses_formula_cells_and_keeps_numbers() -> None:
    from tuanti_cli.cli.output import write_csv

    stream = io.StringIO()
    cells = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "a=b", "a\r=1+1"]
    records = [{"text": cell, "number": -3} for cell in cells]
    write_csv(stream, records, ("text", "number"))
    rows = list(csv.reader(io.StringIO(stream.getvalue(), newline="")))[1:]
    assert [row[0] for row in rows] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\\x09x", "'\\x0dx", "plain", "a=b",
        "a\\x0d=1+1",
    ]  # fmt: skip
    assert {row[1] for row in rows} == {"-3"}


def test_a_formula_behind_spaces_or_in_full_width_is_defused_too() -> None:
    from tuanti_cli.cli.output import write_csv

    stream = io.StringIO()
    cells = [" =1+1", "\u00a0@SUM(1)", "\u3000=1+1", "＝1+1", "＋1", "－1", "＠x", " plain", "a＝b"]
    write_csv(stream, [{"text": cell} for cell in cells], ("text",))
    rows = [row[0] for row in csv.reader(io.StringIO(stream.getvalue(), newline=""))][1:]
    assert rows[:7] == [
        "' =1+1", "'\u00a0@SUM(1)", "'\u3000=1+1", "'＝1+1", "'＋1", "'－1", "'＠x",
    ], rows  # fmt: skip
    assert rows[7:] == [" plain", "a＝b"], rows


@pytest.mark.parametrize("department", ["＝1+1", " =1+1"])
def test_show_and_summary_csv_defuse_a_full_width_or_spaced_formula_department(
    run: Run, member_roster: str, db_path: Path, key_path: Path, department: str
) -> None:
    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        conn.execute("UPDATE member SET department = ?", (department,))
    shown = run("show", member_roster, "--format", "csv").stdout
    summary = run("summary", member_roster, "--by", "department", "--format", "csv").stdout
    for text in (shown, summary):
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        assert "'" + department in cells and department not in cells, text


def test_show_csv_defuses_a_formula_name(
    run: Run, member_roster: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    rename_member(db_path, key_path, INJECTION)
    out = tmp_path / "roster.csv"
    assert run("show", member_roster, "--format", "csv", "--output", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in text, text
    stdout = run("show", member_roster, "--format", "csv").stdout
    assert "'=HYPERLINK" in stdout


def test_rejects_csv_defuses_a_formula_value(run: Run, roster_id: str, tmp_path: Path) -> None:
    source = tmp_path / "people.json"
    name = INJECTION + "x" * 60  # too long: rejected, and reported as it was typed
    source.write_text(
        json.dumps(
            [{"name": name, "id_number": make_id(seq=41), "phone": make_phone(5), "consent": "是"}],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    result = run("enroll", "import", roster_id, str(source), "--rejects", str(rejects))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(rejects.read_text(encoding="utf-8-sig"))))
    assert rows and rows[0]["field"] == "name"
    assert rows[0]["value"].startswith("'=HYPERLINK"), rows


# --- XLSX -----------------------------------------------------------------------------------


def test_xlsx_with_control_characters_stays_valid(
    run: Run, member_roster: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    rename_member(db_path, key_path, "张\x01三\x1b[8m\ufffe\u202e" + INJECTION)
    out = tmp_path / "roster.xlsx"
    result = run("show", member_roster, "--format", "xlsx", "--output", str(out))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "\x01" not in sheet and "\x1b" not in sheet and "\ufffe" not in sheet
    assert "<f>" not in sheet
    rows = list(load_workbook(out, read_only=True).active.iter_rows(values_only=True))
    header, first = rows[0], rows[1]
    cell = first[header.index("name")]
    assert cell == "张\\x01三\\x1b[8m\\ufffe\\u202e" + INJECTION
    assert first[header.index("member_no")] == "M0001"


# --- the core -------------------------------------------------------------------------------


def test_check_target_protects_companions_that_do_not_exist_yet(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    protected = Protected(store=store, key_file=tmp_path / "k", inputs=(tmp_path / "in.csv",))
    for name, key in [
        ("s.db", "output.is_store"),
        ("s.db-wal", "output.is_store_file"),
        ("s.db.lock", "output.is_store_file"),
        ("s.db.keys", "output.is_store_file"),
        ("k", "output.is_key"),
        ("in.csv", "output.is_input"),
    ]:
        with pytest.raises(InputError) as caught:
            check_target(tmp_path / name, protected, "--output")
        assert caught.value.key == key, name
    check_target(tmp_path / "fine.csv", protected, "--output")


def test_a_symlinked_key_file_is_protected_through_its_real_path(tmp_path: Path) -> None:
    real = tmp_path / "real.key"
    real.write_bytes(b"k" * 32)
    link = tmp_path / "link.key"
    link.symlink_to(real)
    with pytest.raises(InputError) as caught:
        check_target(real, Protected(key_file=link))
    assert caught.value.key == "output.is_key"


# --- the CSV export to a file: one pass, a nameless part -------------------------------


def test_a_part_beside_the_target_has_no_name_and_is_private(
    tmp_path: Path, temporaries: str
) -> None:
    out = tmp_path / "export.csv"
    with (
        write_atomically(out, NOTHING, encoding="utf-8-sig") as stream,
        part_beside(out) as rest,
    ):
        assert stat.S_IMODE(os.fstat(rest.fileno()).st_mode) == 0o600
        assert os.fstat(rest.fileno()).st_nlink == 0  # unlinked: no name anywhere
        # The target's own temporary file has a name only where files cannot be nameless.
        assert len(leftovers(tmp_path)) == (temporaries == "named")
        stream.write("第一部分\n")
        rest.write("第二部分\n")
        rest.seek(0)
        stream.write(rest.read())
    assert out.read_bytes() == "\ufeff第一部分\n第二部分\n".encode()
    assert leftovers(tmp_path) == []


def test_a_part_that_cannot_be_written_is_one_sentence_and_leaves_nothing(
    tmp_path: Path, temporaries: str
) -> None:
    out = tmp_path / "export.csv"
    out.write_text("the old export\n")
    with (
        pytest.raises(InputError) as caught,
        write_atomically(out, NOTHING) as stream,
        part_beside(out),
    ):
        stream.write("first\n")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert caught.value.key == "output.write_failed"
    assert out.read_text() == "the old export\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_the_file_export_is_the_stdout_export_abnormal_first(
    run: Run, roster_id: str, tmp_path: Path, encoding: str
) -> None:
    # Members alternate between abnormal (not compared, or yellow) and normal, so the one
    # pass over the roster must put the file in the same order as the two passes.
    feed = ["姓名,证件号码,健康码状态,核酸采样时间,核酸结果,疫苗接种状态"]
    for i in range(12):
        number = make_id(seq=300 + i)
        name = f"成员{'甲乙丙丁戊己庚辛壬癸子丑'[i]}"
        assert add_member(run, roster_id, name, number, make_phone(300 + i)).exit_code == 0
        if i % 3:
            code = "黄码" if i % 3 == 2 else "绿码"
            feed.append(f"{name},{number},{code},2022-12-05 07:00,阴性,完成加强免疫")
    path = tmp_path / "feed.csv"
    path.write_text("\n".join(feed) + "\n", encoding="utf-8")
    assert run("refresh", "--feed", str(path), "--as-of", "2022-12-05 09:00").exit_code == 0
    for as_of in ("2022-12-05 12:00", "2022-12-20 12:00"):  # later, every NAT is too old
        args = ("show", roster_id, "--format", "csv", "--encoding", encoding, "--as-of", as_of)
        shown = run(*args)
        assert shown.exit_code == 0, shown.output
        out = tmp_path / f"export-{as_of[:10]}.csv"
        assert run(*args, "--output", str(out)).exit_code == 0
        assert out.read_bytes() == shown.stdout_bytes
        rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode(encoding))))
        flags = [row["abnormal"] for row in rows]
        assert flags == sorted(flags, key=lambda f: f != "true") and len(rows) == 12
        assert "false" in flags or as_of.startswith("2022-12-20")
    assert leftovers(tmp_path) == []


def test_an_export_killed_mid_write_leaves_no_file_behind(tmp_path: Path) -> None:
    """SIGKILL skips every clean-up: the half-written export must have no name to leave."""
    if not nameless_files(tmp_path):
        pytest.skip("no files without a name here (O_TMPFILE)")
    out = tmp_path / "roster.csv"
    out.write_text("the old export\n")
    script = f"""
import time
from pathlib import Path
from tuanti_cli.writing import NOTHING, part_beside, write_atomically
out = Path({str(out)!r})
with write_atomically(out, NOTHING) as stream, part_beside(out) as rest:
    stream.write("张三,11************1234\\n" * 50_000)
    rest.write("李四\\n" * 50_000)
    stream.flush()
    print("writing", flush=True)
    time.sleep(60)
"""
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"writing\n"
    finally:
        child.kill()
        child.wait()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]
    assert out.read_text() == "the old export\n"


def test_where_a_nameless_file_cannot_be_linked_a_named_copy_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A system that refuses ``linkat`` through ``/proc`` (EXDEV, EPERM) still gets the export."""
    if not nameless_files(tmp_path):
        pytest.skip("no files without a name here (O_TMPFILE)")

    def refused(*_: object, **__: object) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(writing.os, "link", refused)
    out = tmp_path / "roster.csv"
    out.write_text("old\n")
    with write_atomically(out, NOTHING, encoding="utf-8-sig") as stream:
        stream.write("名单\n" * 100_000)
    assert out.read_text(encoding="utf-8-sig") == "名单\n" * 100_000
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]

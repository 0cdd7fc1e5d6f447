"""Bad input: one clear line naming the file and the reason, exit 1, the rest of the
batch added, nothing written for the bad file, never a traceback."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, run_kb

GOOD = ROOT / "articles" / "Q283238.TXT"


def _make(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("Q1.TXT", GOOD.read_bytes())
    return buffer.getvalue()


CASES = {
    "empty.html": (b"", "empty file"),
    "binary.dat": (bytes(range(256)) * 40, "binary"),
    "archive.txt.gz": (gzip.compress(GOOD.read_bytes()), "gzip"),
    "archive.zip": (_zip(), "zip"),
    "not-kb.html": (
        b"<html><head><title>My cat</title></head><body><h1>My cat</h1>"
        b"<p>She likes fish.</p></body></html>",
        "no KB article number",
    ),
    "truncated.html": ((ROOT / "articles" / "KB279415.html").read_bytes()[:900], "no article text"),
    "no-number.html": (
        b"<html><title>XCON: Something fails</title><body><h2>Symptoms</h2>"
        b"<p>It fails.</p></body></html>",
        "no KB article number",
    ),
    "plain.txt": (b"just some notes\nnothing else\n", "not a KB article"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_bad_file_is_one_line_and_the_batch_goes_on(workspace, tmp_path, name):
    data, reason = CASES[name]
    bad = _make(tmp_path, name, data)
    result = run_kb(["add", str(bad), str(GOOD)], workspace)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"kb: {bad}: ") and reason in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert "added 1" in result.stdout and "failed 1 (see above)" in result.stdout
    stored = [p.name for p in (workspace / "articles").rglob("*") if p.is_file()]
    assert stored == ["Q283238.TXT"]
    assert json.loads(run_kb(["show", "283238", "--json"], workspace).stdout)["number"] == 283238
    assert run_kb(["event", "9321"], workspace).returncode == 1  # index exists and is sane


def test_fifty_megabyte_file_is_refused_without_reading_it(workspace, tmp_path):
    big = tmp_path / "huge.html"
    with open(big, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = run_kb(["add", str(big), str(GOOD)], workspace)
    assert result.returncode == 1
    assert f"kb: {big}: file is 50.0 MB" in result.stderr
    assert "added 1" in result.stdout


def test_missing_path_and_unreadable_folder(workspace, tmp_path):
    missing = tmp_path / "nope.html"
    result = run_kb(["add", str(missing), str(GOOD)], workspace)
    assert result.returncode == 1
    assert f"kb: {missing}: no such file or folder" in result.stderr
    assert "added 1" in result.stdout


def test_deeply_nested_html_is_an_error_not_a_crash(workspace, tmp_path):
    page = (
        b"<html><title>KB279415</title><body>"
        + b"<div>" * 10000
        + b"<h2>Symptoms</h2><p>deep</p>"
        + b"</div>" * 10000
        + b"</body></html>"
    )
    bad = _make(tmp_path, "deep.html", page)
    result = run_kb(["add", str(bad)], workspace)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1)
    if result.returncode == 1:
        assert result.stderr.startswith(f"kb: {bad}: ")


def test_invalid_utf8_in_a_utf8_declared_page_is_read(workspace, tmp_path):
    page = (ROOT / "articles" / "KB279415.html").read_bytes()
    page = page.replace(b"Quit any programs", b"Quit any \xff\xfe\xc3 programs")
    bad = _make(tmp_path, "broken-utf8.html", page)
    result = run_kb(["add", str(bad)], workspace)
    assert result.returncode == 0, result.stderr
    record = json.loads(run_kb(["show", "279415", "--json"], workspace).stdout)
    assert "\ufffd" in record["resolution_steps"][0]["text"]


def test_dot_dot_in_names_and_numbers_write_nothing_outside(workspace, tmp_path):
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    shutil.copy(GOOD, tmp_path / "a" / "Q283238.TXT")
    sneaky = _make(
        tmp_path,
        "evil.html",
        b"<html><title>XCON: Evil</title><body><p>Article ID: ../../etc/passwd</p>"
        b"<h2>Symptoms</h2><p>x</p></body></html>",
    )
    result = run_kb(["add", str(inner / ".." / "Q283238.TXT"), str(sneaky)], workspace)
    assert result.returncode == 1
    assert f"kb: {sneaky}: no KB article number" in result.stderr
    written = {p.relative_to(workspace).as_posix() for p in workspace.rglob("*") if p.is_file()}
    assert all(p.startswith(("articles/KB283238/", ".kb/")) for p in written), written
    assert not (tmp_path / "etc").exists()


def test_symlink_loop_in_an_added_folder(workspace, tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    shutil.copy(GOOD, folder / "Q283238.TXT")
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    result = run_kb(["add", str(folder)], workspace)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "folder loop" in lines[0]
    assert "added 1" in result.stdout


def test_same_number_different_content_is_another_capture(workspace, tmp_path):
    assert run_kb(["add", str(GOOD)], workspace).returncode == 0
    other = GOOD.read_bytes() + b"\r\nA later note.\r\n"
    copy = _make(tmp_path, "Q283238.TXT", other)
    result = run_kb(["add", str(copy)], workspace)
    assert result.returncode == 0, result.stderr
    assert "updated KB283238" in result.stdout and "2 captures kept" in result.stdout
    files = sorted(p.name for p in (workspace / "articles" / "KB283238").iterdir())
    assert len(files) == 2 and "Q283238.TXT" in files
    assert {p.read_bytes() for p in (workspace / "articles" / "KB283238").iterdir()} == {
        GOOD.read_bytes(),
        other,
    }


def test_folder_without_read_permission(tmp_path, monkeypatch):
    """The unreadable folder is one error line; the readable files beside it are added.

    Root reads every folder, so under root the permission error is raised by the
    operating-system call the walker makes (os.scandir) for that one folder."""
    from kb.archive import Workspace, add_files

    saved = tmp_path / "saved"
    (saved / "locked").mkdir(parents=True)
    shutil.copy(GOOD, saved / "Q283238.TXT")
    shutil.copy(ROOT / "articles" / "Q159195.TXT", saved / "locked" / "Q159195.TXT")
    (saved / "locked").chmod(0o000)
    if os.geteuid() == 0:
        import kb.archive

        real_scandir = os.scandir

        def scandir(path):
            if str(path).endswith("locked"):
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr(kb.archive.os, "scandir", scandir)
    try:
        report = add_files(Workspace(tmp_path / "ws"), [str(saved)], jobs=1)
    finally:
        (saved / "locked").chmod(0o755)
    assert report.failed == [(str(saved / "locked"), "cannot read folder: Permission denied")]
    assert report.added == ["KB283238"]

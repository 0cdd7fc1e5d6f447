"""kb add / show / export / rebuild through the real command, on real files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import ROOT, run_kb

SAMPLE = ROOT / "articles"


def test_add_show_export_rebuild(workspace: Path):
    result = run_kb(["add", str(SAMPLE / "KB279415.html"), str(SAMPLE / "Q283238.TXT")], workspace)
    assert result.returncode == 0, result.stderr
    assert "added 2" in result.stdout and "failed 0" in result.stdout
    stored = sorted(
        p.relative_to(workspace).as_posix()
        for p in (workspace / "articles").rglob("*")
        if p.is_file()
    )
    assert stored == ["articles/KB279415/KB279415.html", "articles/KB283238/Q283238.TXT"]
    assert (workspace / "articles/KB279415/KB279415.html").read_bytes() == (
        SAMPLE / "KB279415.html"
    ).read_bytes()

    for alias in ("279415", "Q279415", "KB279415", "kb279415"):
        shown = run_kb(["show", alias, "--json"], workspace)
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["id"] == "KB279415"
    human = run_kb(["show", "279415"], workspace)
    assert "MSEXCHANGEMTA" in human.stdout and "Event log" in human.stdout

    exported = run_kb(["export"], workspace)
    lines = [json.loads(x) for x in exported.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["KB279415", "KB283238"]
    assert lines[0]["source"]["path"] == "articles/KB279415/KB279415.html"

    records = workspace / ".kb" / "records"
    shutil.rmtree(records)
    rebuilt = run_kb(["rebuild"], workspace)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt 2 articles" in rebuilt.stdout
    assert [json.loads(x) for x in run_kb(["export"], workspace).stdout.splitlines()] == lines


def test_same_file_twice_is_unchanged(workspace: Path):
    path = str(SAMPLE / "Q283238.TXT")
    assert run_kb(["add", path], workspace).returncode == 0
    again = run_kb(["add", path], workspace)
    assert again.returncode == 0
    assert "unchanged KB283238" in again.stdout
    assert "added 0" in again.stdout


def test_two_captures_of_one_article_are_both_kept(workspace: Path):
    result = run_kb(["add", str(SAMPLE / "Q279415.TXT"), str(SAMPLE / "KB279415.html")], workspace)
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in (workspace / "articles" / "KB279415").iterdir())
    assert files == ["KB279415.html", "Q279415.TXT"]
    record = json.loads(run_kb(["show", "279415", "--json"], workspace).stdout)
    # The 2006 page (revision 6) is newer than the 2001 text file.
    assert record["revision"] == "6" and record["source"]["format"] == "archive-html"


def test_folders_and_globs(workspace: Path, tmp_path: Path):
    folder = tmp_path / "saved" / "deeper"
    folder.mkdir(parents=True)
    for name in ("Q283238.TXT", "Q159195.TXT"):
        shutil.copy(SAMPLE / name, folder / name)
    shutil.copy(SAMPLE / "KB279415.html", tmp_path / "saved" / "page.html")
    result = run_kb(["add", str(tmp_path / "saved")], workspace)
    assert "added 3" in result.stdout, result.stdout + result.stderr
    glob_ws = tmp_path / "other"
    glob_ws.mkdir()
    result = run_kb(["add", str(folder / "*.TXT")], glob_ws)
    assert "added 2" in result.stdout, result.stdout + result.stderr


def test_root_option_and_environment(tmp_path: Path):
    root = tmp_path / "elsewhere"
    root.mkdir()
    result = run_kb(["add", "--root", str(root), str(SAMPLE / "Q283238.TXT")], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (root / "articles" / "KB283238" / "Q283238.TXT").exists()
    assert not (tmp_path / "articles").exists()


def test_show_unknown_article(workspace: Path):
    result = run_kb(["show", "999999"], workspace)
    assert result.returncode == 1
    assert result.stderr.strip() == "kb: KB999999 is not in the archive"
    bad = run_kb(["show", "not-a-number"], workspace)
    assert bad.returncode == 2 and "not an article number" in bad.stderr

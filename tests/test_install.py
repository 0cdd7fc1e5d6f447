"""The package installs whole: the wheel, installed (not editable) into a fresh venv,
can add, search and publish, with the theme found through the installed package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

LEFT_OUT = {".venv", ".git", ".kb", "public", "build", "dist", "tests", "benchmarks", "scripts"}


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)
    assert result.returncode == 0, f"{cmd}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a clean copy of the source tree (no stale build/ folder)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=lambda folder, names: [
            n
            for n in names
            if (Path(folder) == ROOT and n in LEFT_OUT)
            or n in ("__pycache__", ".pytest_cache", ".ruff_cache")
            or n.endswith(".egg-info")
        ],
    )
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(source)])
    (found,) = work.glob("kbarchive-*.whl")
    return found


def test_the_wheel_holds_every_module_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    source = wheel.parent / "src"  # what it was built from
    expected = {
        p.relative_to(source).as_posix()
        for package in ("kb", "indexer")
        for p in (source / package).rglob("*")
        if p.is_file()
    }
    expected |= {
        "kb/theme/" + p.relative_to(source / "site").as_posix()
        for p in (source / "site").rglob("*")
        if p.is_file()
    }
    assert "kb/theme/templates/article.html" in expected
    assert "kb/data/winerror.tsv" in expected
    assert expected - names == set()
    assert not [n for n in names if n.startswith("site/")]  # no top-level `site` package


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed (its dependencies from the package index)."""
    venv = tmp_path_factory.mktemp("venv") / "v"
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)])
    return venv


def _kb(venv: Path, root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KB_ROOT", "VIRTUAL_ENV")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [str(venv / "bin" / "kb"), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=root,
        env={**env, "KB_ROOT": str(root)},
    )


def test_installed_kb_adds_searches_and_publishes(installed, tmp_path):
    python = installed / "bin" / "python"
    theme = subprocess.run(
        [str(python), "-c", "from kb.pages import THEME; print(THEME / 'templates')"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.strip()
    assert theme.startswith(str(installed)) and theme.endswith("kb/theme/templates"), theme

    root = tmp_path / "ws"
    shutil.copytree(ROOT / "articles", root / "articles")
    held_back = root / "articles" / "Q279537.TXT"
    spare = tmp_path / held_back.name
    held_back.rename(spare)
    result = _kb(installed, root, "rebuild")
    assert result.returncode == 0, result.stderr
    result = _kb(installed, root, "add", str(spare))
    assert result.returncode == 0 and "KB279537" in result.stdout, result.stderr
    result = _kb(installed, root, "event", "9321", "--json")
    assert result.returncode == 0 and "KB279415" in result.stdout, result.stderr
    result = _kb(installed, root, "publish")
    assert result.returncode == 0, result.stderr
    site = root / "public"
    for page in (
        "index.html",
        "404.html",
        "not-archived.html",
        "kb/KB279415/index.html",
        "kb/279415/index.html",
        "static/style.css",
        "static/search.js",
        "pagefind/pagefind.js",
    ):
        assert (site / page).is_file(), page
    assert "MSEXCHANGEMTA 9321" in (site / "kb/KB279415/index.html").read_text("utf-8")
    assert (site / "static/style.css").read_bytes() == (ROOT / "site/static/style.css").read_bytes()

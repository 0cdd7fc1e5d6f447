"""Long adds show a Rich progress bar on a terminal, and nothing of it when piped."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import KB


def _batch(real_corpus, tmp_path, count=400):
    folder = tmp_path / "batch"
    folder.mkdir()
    for path in sorted(real_corpus.txt_dir().rglob("*.TXT"))[:count]:
        shutil.copy(path, folder / path.name)
    return folder


def test_progress_bar_on_a_terminal(real_corpus, tmp_path):
    if not shutil.which("script"):
        pytest.skip("util-linux 'script' (to give kb a terminal) is not installed")
    folder = _batch(real_corpus, tmp_path)
    env = {**os.environ, "KB_ROOT": str(tmp_path / "ws"), "COLUMNS": "120"}
    result = subprocess.run(
        ["script", "-qec", f"{KB} add {folder}", "/dev/null"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout
    assert "articles/s" in result.stdout and "adding" in result.stdout
    assert "added 400" in result.stdout


def test_quiet_when_piped(real_corpus, tmp_path):
    folder = _batch(real_corpus, tmp_path)
    env = {**os.environ, "KB_ROOT": str(tmp_path / "ws")}
    result = subprocess.run(
        [KB, "add", str(folder)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.strip().splitlines() == ["added 400 · unchanged 0 · failed 0"]

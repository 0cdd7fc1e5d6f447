"""Killed adds and simultaneous adds: nothing lost, nothing corrupt, `kb check` knows."""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import KB, ROOT, run_kb

SAMPLE = ROOT / "articles"


def _env(root: Path) -> dict:
    return {**os.environ, "KB_ROOT": str(root)}


def _corpus_files(real_corpus, count: int, tmp: Path, offset: int = 0) -> Path:
    folder = tmp / f"batch-{offset}"
    folder.mkdir()
    files = sorted(real_corpus.txt_dir().rglob("*.TXT"))[offset : offset + count]
    for f in files:
        shutil.copy(f, folder / f.name)
    return folder


def _archived_ok(root: Path) -> None:
    """Every capture the list names is there, complete, with its recorded hash."""
    import hashlib

    from kb.archive import Workspace

    for capture in Workspace(root).all_captures().values():
        data = (root / capture.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == capture.sha256, capture.path


def test_second_add_waits_for_the_lock_and_then_finishes(workspace):
    (workspace / ".kb").mkdir()
    with open(workspace / ".kb" / "lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = subprocess.Popen(
            [KB, "add", str(SAMPLE / "Q283238.TXT")],
            env=_env(workspace),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)
        assert proc.poll() is None, "kb add did not wait for the lock"
        fcntl.flock(lock, fcntl.LOCK_UN)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "waiting for another kb process" in err
    assert "added KB283238" in out


def test_two_adds_at_once_both_land(workspace, real_corpus, tmp_path):
    first = _corpus_files(real_corpus, 300, tmp_path, 0)
    second = _corpus_files(real_corpus, 300, tmp_path, 300)
    procs = [
        subprocess.Popen(
            [KB, "add", str(folder)],
            env=_env(workspace),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in (first, second)
    ]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    records = list((workspace / ".kb" / "records").glob("KB*.json"))
    assert len(records) == 600
    check = run_kb(["check"], workspace)
    assert check.returncode == 0, check.stdout
    from indexer.build import indexed_numbers

    indexed = indexed_numbers(workspace / ".kb" / "index")
    assert indexed == {int(p.stem[2:]) for p in records}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_at_a_random_moment_then_check_and_repair(workspace, real_corpus, tmp_path, seed):
    batch = _corpus_files(real_corpus, 1000, tmp_path, 1000 * seed)
    rng = random.Random(seed)
    for _attempt in range(2):
        proc = subprocess.Popen(
            [KB, "add", str(batch)],
            env=_env(workspace),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.3, 6.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        _archived_ok(workspace)
        check = run_kb(["check"], workspace)
        if check.returncode != 0:
            repaired = run_kb(["check", "--repair"], workspace)
            assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        assert run_kb(["check"], workspace).returncode == 0
    final = run_kb(["add", str(batch)], workspace)
    assert final.returncode == 0, final.stderr
    _archived_ok(workspace)
    numbers = {int(p.stem[1:]) for p in batch.iterdir()}
    records = {int(p.stem[2:]) for p in (workspace / ".kb" / "records").glob("KB*.json")}
    assert numbers <= records
    assert run_kb(["check"], workspace).returncode == 0
    assert not list((workspace / "articles").rglob(".incoming-*"))

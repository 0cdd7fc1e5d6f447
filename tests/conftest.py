"""Shared fixtures: the real corpus (skipped with a reason where absent), workspaces,
and a runner for the real ``kb`` command in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import corpus  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
KB = str(Path(sys.executable).parent / "kb")


def _corpus_or_skip() -> None:
    if corpus.available():
        return
    reason = f"shared corpus not found at {corpus.CORPUS}"
    if os.environ.get("KB_REQUIRE_CORPUS"):
        pytest.fail(reason + " (KB_REQUIRE_CORPUS is set: CI must have it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def real_corpus():
    """The shared corpus module, after checking the corpus is there."""
    _corpus_or_skip()
    return corpus


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root


def rebuilt_sample(root: Path, publish: bool = False) -> Path:
    """The shipped sample archive copied into ``root`` and rebuilt (and published to
    ``root/public`` with ``publish``); ``root``."""
    shutil.copytree(ROOT / "articles", root / "articles")
    for args in (["rebuild"], ["publish"]) if publish else (["rebuild"],):
        result = run_kb(args, root)
        assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="session")
def sample_workspace(tmp_path_factory) -> Path:
    """A copy of the shipped sample archive, rebuilt once for the session."""
    return rebuilt_sample(tmp_path_factory.mktemp("sample"))


def run_kb(args: list[str], root: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "KB_ROOT": str(root), "COLUMNS": "200"}
    env.pop("KB_DEBUG", None)
    return subprocess.run(
        [KB, *args], capture_output=True, text=True, env=env, timeout=600, **kwargs
    )

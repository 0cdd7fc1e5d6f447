"""Derived files and folders are replaced whole or not at all."""

from __future__ import annotations

import pytest

from kb.atomic import atomic_write, built_aside


def test_built_aside_swaps_in_on_success_and_keeps_the_old_on_failure(tmp_path):
    target = tmp_path / "site"
    with built_aside(target, prefix=".site-") as tmp:
        (tmp / "a.html").write_text("one")
    assert (target / "a.html").read_text() == "one"
    with pytest.raises(RuntimeError), built_aside(target, prefix=".site-") as tmp:
        (tmp / "a.html").write_text("two")
        raise RuntimeError("killed half way")
    assert (target / "a.html").read_text() == "one"
    with built_aside(target, prefix=".site-") as tmp:
        (tmp / "b.html").write_text("three")
    assert sorted(p.name for p in target.iterdir()) == ["b.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no leftovers


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "deep" / "state.json"
    atomic_write(path, "{}")
    atomic_write(path, b"[1]")
    assert path.read_bytes() == b"[1]"
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]

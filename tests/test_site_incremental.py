"""kb add into a published site rewrites only the pages the new article touches."""

from __future__ import annotations

import json
import shutil
import time

from conftest import ROOT, run_kb


def test_add_one_article_rewrites_only_what_it_touches(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(ROOT / "articles", root / "articles")
    (root / "articles" / "Q279537.TXT").unlink()  # cites KB279415; added later
    assert run_kb(["rebuild"], root).returncode == 0
    assert run_kb(["publish"], root).returncode == 0
    site = root / "public"
    assert not (site / "kb/279537").exists()
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*.html")}
    time.sleep(0.05)

    result = run_kb(["add", str(ROOT / "articles" / "Q279537.TXT")], root)
    assert result.returncode == 0, result.stderr
    assert "added KB279537" in result.stdout
    assert "pages rewritten" in result.stdout

    changed = {
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if before.get(p) != p.stat().st_mtime_ns
    }
    assert "kb/KB279537/index.html" in changed  # the new article
    assert "kb/KB279415/index.html" in changed  # it cites the seed: "Cited by" changes
    assert "index.html" in changed and "events/index.html" in changed
    assert "kb/KB283238/index.html" not in changed  # untouched article
    assert len(changed) < len(before) / 2, sorted(changed)

    for old_address in ("kb/279537", "kb/Q279537", "kb/279537/en-us"):  # its old addresses
        assert "KB279537/index.html" in (site / old_address / "index.html").read_text()
    seed = (site / "kb/KB279415/index.html").read_text()
    assert "KB279537" in seed.split('id="cited-by"')[1]
    bundles = json.loads((site / "static/bundles.json").read_text())
    assert len(bundles) == 1 and (site / bundles[0] / "pagefind-entry.json").exists()


def test_update_reads_the_state_of_a_site_published_before_json_lines(tmp_path):
    """A site whose state is the older one JSON array is updated the same way, and its
    state is then written as JSON lines: a line per article, unchanged ones as they were."""
    from kb import publish

    root = tmp_path / "ws"
    shutil.copytree(ROOT / "articles", root / "articles")
    (root / "articles" / "Q279537.TXT").unlink()
    assert run_kb(["rebuild"], root).returncode == 0
    assert run_kb(["publish"], root).returncode == 0
    site = root / "public"
    lines = (site / publish.STATE).read_text("utf-8").rstrip("\n").split("\n")
    (site / publish.OLD_STATE).write_text(f"[{','.join(lines)}]", "utf-8")
    (site / publish.STATE).unlink()

    result = run_kb(["add", str(ROOT / "articles" / "Q279537.TXT")], root)
    assert result.returncode == 0 and "pages rewritten" in result.stdout, result.stderr
    assert not (site / publish.OLD_STATE).exists()
    after = (site / publish.STATE).read_text("utf-8").rstrip("\n").split("\n")
    numbers = [json.loads(line)["number"] for line in after]
    assert numbers == sorted(numbers) and 279537 in numbers and len(after) == len(lines) + 1
    assert set(lines) <= set(after)  # the others byte for byte

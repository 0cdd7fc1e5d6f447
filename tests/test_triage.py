"""``kb triage`` on the real logs of ../shared/evtx against the whole corpus: which
events have archived articles, which plainly have none, damaged and bad input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from benchmarks import corpus
from conftest import run_kb

EVTX = corpus.SHARED / "evtx"
FIXTURES = Path(__file__).parent / "fixtures" / "eventlogs"


@pytest.fixture(scope="module")
def full(real_corpus) -> Path:
    if not (EVTX / "system.evtx").is_file():
        reason = f"real event logs not found at {EVTX}"
        if os.environ.get("KB_REQUIRE_CORPUS"):
            pytest.fail(reason + " (KB_REQUIRE_CORPUS is set: CI must have them)")
        pytest.skip(reason)
    return real_corpus.full_workspace()


def _triage(root: Path, *paths: str | Path):
    result = run_kb(["triage", *map(str, paths), "--json"], root)
    assert "Traceback" not in result.stderr, result.stderr
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def _finding(report: dict, source: str, event_id: int) -> dict:
    return next(
        f
        for f in report["findings"]
        if f["event_id"] == event_id and f["source"].casefold() == source.casefold()
    )


def test_system_log(full):
    result, report = _triage(full, EVTX / "system.evtx")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    found = report["findings"]
    assert report["events"] == 1881 == sum(f["count"] for f in found)
    assert len(found) == 89
    kernel = _finding(report, "Microsoft-Windows-Kernel-General", 16)
    assert kernel["count"] == 394
    assert kernel["first"] < kernel["last"]
    assert kernel["example"]  # its data: hive names and counts
    # Windows 10 events: most have no archived article, and say so
    none = [f for f in found if not f["articles"]]
    assert len(none) >= len(found) // 2
    assert all(f["articles"] == [] for f in found if f["source"] == "e1iexpress")
    # errors first
    assert found[0]["level"] in ("Critical", "Error")
    # today's provider name meets the articles' older one: DCOM
    dcom = _finding(report, "Microsoft-Windows-DistributedCOM", 10005)
    assert dcom["articles"][0]["number"] == 193646  # Event ID 10005 from DCOM After ...
    assert dcom["articles"][0]["matched"] == "event ID + source"
    scm = _finding(report, "Service Control Manager", 7000)
    assert all("7000" in a["title"] for a in scm["articles"][:2]), scm["articles"]
    update = _finding(report, "Microsoft-Windows-WindowsUpdateClient", 20)
    assert update["codes"] == ["0x80248007", "0x80246013"]  # two failures, two codes
    assert update["articles"] == []  # Windows Update Agent codes: newer than the archive


def test_table_on_a_terminal(full):
    result = run_kb(["triage", str(EVTX / "system.evtx")], full)
    assert result.returncode == 0
    assert "no archived article" in result.stdout
    assert "1,881 events in 1 log; 89 distinct (source, event ID)" in result.stdout


def test_pasted_article_blocks_find_their_articles(full):
    result, report = _triage(full, FIXTURES / "pasted-kb.txt")
    assert result.returncode == 0, result.stderr
    ese = _finding(report, "ESE97", 105)
    assert 251410 in [a["number"] for a in ese["articles"]]
    assert ese["articles"][0]["matched"] == "event ID + source"
    scm = _finding(report, "Service Control Manager", 7024)
    assert scm["articles"], scm


def test_every_form_finds_the_same_articles_for_the_same_events(full):
    answers = {}
    for name in ("system-xml.xml", "system-viewer.csv", "system-winevent.json"):
        result, report = _triage(full, FIXTURES / name)
        assert result.returncode == 0, (name, result.stderr)
        answers[name] = {
            (f["event_id"], f["count"]): [
                a["number"] for a in f["articles"] if "event" in a["matched"]
            ]
            for f in report["findings"]
        }
    first, *rest = answers.values()
    assert all(other == first for other in rest)


def test_source_names_of_other_years(full, tmp_path):
    """The XP-era name in a pasted block and today's provider name meet the same articles."""
    old = tmp_path / "old.txt"
    old.write_text("Event Type: Error\nEvent Source: Service Control Manager\nEvent ID: 7000\n")
    new = tmp_path / "new.txt"
    new.write_text(
        "Log Name: System\nSource: Microsoft-Windows-Service Control Manager\nEvent ID: 7000\n"
        "Level: Error\n"
    )
    _, old_report = _triage(full, old)
    _, new_report = _triage(full, new)
    old_hits = [a["number"] for a in old_report["findings"][0]["articles"]]
    assert old_hits
    assert [a["number"] for a in new_report["findings"][0]["articles"]] == old_hits


def test_damaged_log_warns_and_triages_the_rest(full):
    bad = EVTX / "sample_with_a_bad_chunk_magic.evtx"
    result, report = _triage(full, bad)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert any(str(bad) in line and "chunk 6" in line for line in lines), lines
    assert report["events"] > 200 and report["findings"]
    assert report["logs"][0]["warnings"]


def test_bad_input_is_one_line_each_and_the_rest_goes_on(full, tmp_path):
    empty = tmp_path / "empty.evtx"
    empty.write_bytes(b"")
    truncated = tmp_path / "cut.evtx"
    truncated.write_bytes((EVTX / "system.evtx").read_bytes()[:30_000])
    notes = tmp_path / "notes.txt"
    notes.write_text("Nothing to see here: the server was rebooted on Tuesday.\n")
    header_only = tmp_path / "header.evtx"
    shutil.copy(EVTX / "system.evtx", header_only)
    with open(header_only, "r+b") as f:
        f.truncate(4096)
    result, report = _triage(
        full,
        empty,
        truncated,
        notes,
        header_only,
        tmp_path / "missing.evtx",
        EVTX / "Application_no_crc32.evtx",
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 5, lines
    for path, reason in [
        (empty, "empty file"),
        (truncated, "truncated"),
        (notes, "not an event log"),
        (header_only, "empty log"),
        (tmp_path / "missing.evtx", "no such file"),
    ]:
        assert any(line.startswith(f"kb: {path}: ") and reason in line for line in lines), (
            path,
            lines,
        )
    assert report["events"] == 17  # the good log is triaged


def test_standard_input(full):
    result = run_kb(["triage", "-", "--json"], full, input=(FIXTURES / "pasted-kb.txt").read_text())
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["findings"]) == 3


def test_every_source_alias_comes_from_the_logs_or_the_archive(full):
    """sources.tsv is data drawn from the real logs and the corpus, not guesses."""
    import evtx
    from whoosh import index

    from indexer.build import INDEX_NAME
    from kb.eventlogs.sources import TABLE

    seen: set[str] = set()
    for log in EVTX.glob("*.evtx"):
        records = evtx.PyEvtxParser(str(log)).records_json()
        while True:
            try:
                record = json.loads(next(records)["data"])
            except StopIteration:
                break
            except RuntimeError:  # the damaged chunks
                continue
            provider = (record["Event"]["System"].get("Provider") or {}).get("#attributes", {})
            seen.update(n.casefold() for n in provider.values())
    seen.add("microsoft-windows-service control manager")  # RenderingInfo <Provider>
    ix = index.open_dir(full / ".kb" / "index", indexname=INDEX_NAME)
    with ix.reader() as reader:
        seen.update(t.decode() for t in reader.lexicon("sources"))
    for line in TABLE.read_text().splitlines():
        names = [n.strip() for n in line.split("#")[0].split("\t") if n.strip()]
        for name in names:
            assert name.casefold() in seen, (name, line)

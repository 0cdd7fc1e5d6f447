"""kb links: references to KB articles in other people's documents, on real documents
from public repositories (tests/fixtures/citing, hand-checked lists in expected.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, run_kb
from kb import links

CITING = FIXTURES / "citing"
EXPECTED: dict[str, list[list[int]]] = json.loads((CITING / "expected.json").read_text())


def test_the_real_documents_are_many_and_varied():
    assert len(EXPECTED) >= 20
    assert sum(len(v) for v in EXPECTED.values()) >= 40
    suffixes = {Path(name).suffix for name in EXPECTED}
    assert {".md", ".html", ".rst", ".txt"} <= suffixes
    on_disk = {p.name for p in CITING.iterdir()} - {"expected.json", "SOURCES.md"}
    assert on_disk == set(EXPECTED), "every document has its hand-checked list, and only those"
    sources = (CITING / "SOURCES.md").read_text(encoding="utf-8")
    assert all(name in sources for name in EXPECTED), "provenance for every document"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_reference_found_and_no_false_ones(name: str):
    scanned = links.scan_file(str(CITING / name))
    found = sorted([line, ref.number] for line, ref in scanned.refs)
    assert found == sorted(EXPECTED[name])


def test_cli_json_over_the_folder_matches_the_lists(sample_workspace: Path):
    result = run_kb(["links", "--json", str(CITING)], sample_workspace)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert all(set(r) == {"file", "line", "text", "number", "archived", "title"} for r in rows)
    by_file: dict[str, list[list[int]]] = {}
    for r in rows:
        if Path(r["file"]).name == "SOURCES.md":  # the provenance notes cite them too
            continue
        by_file.setdefault(Path(r["file"]).name, []).append([r["line"], r["number"]])
    assert {k: sorted(v) for k, v in by_file.items()} == {
        k: sorted(v) for k, v in EXPECTED.items() if v
    }
    # The text is the reference as written, found on that very line.
    for r in rows:
        if Path(r["file"]).name == "SOURCES.md":
            continue
        line = Path(r["file"]).read_text(encoding="utf-8").split("\n")[r["line"] - 1]
        assert r["text"] in line and str(r["number"]) in r["text"].replace("/1/13.asp", "")


# ----------------------------------------------------------------- the shapes


@pytest.mark.parametrize(
    "text",
    [
        "http://support.microsoft.com/kb/279415",
        "https://support.microsoft.com/kb/Q279415/",
        "support.microsoft.com/kb/279415/en-us",
        "http://www.support.microsoft.com/kb/279415/EN-US/",
        "http://support.microsoft.com/?kbid=279415",
        "https://support.microsoft.com/default.aspx?kbid=279415",
        "http://support.microsoft.com/?id=279415",
        "http://support.microsoft.com/default.aspx?scid=kb;en-us;279415",
        "http://support.microsoft.com/default.aspx?scid=kb;EN-US;Q279415",
        "http://support.microsoft.com/default.aspx?scid=kb%3Ben-us%3B279415",
        "support.microsoft.com/default.aspx/kb/279415",
        "https://support.microsoft.com/help/279415",
        "https://support.microsoft.com/en-us/help/279415/xcon-msexchangemta-9321",
        "https://support.microsoft.com/en-us/kb/279415",
        "https://support.microsoft.com/de-de/kb/279415",
        "http://support.microsoft.com/support/kb/articles/Q279/4/15.ASP",
        "KB279415",
        "see KB 279415.",
        "(Q279415)",
        "Knowledge Base article 279415",
        "Microsoft Knowledge-Base Article 279415",
        "KB article #279415",
    ],
)
def test_each_historic_shape_names_the_article(text: str):
    refs = links.find_references(f"before {text} after")
    assert [r.number for r in refs] == [279415], refs


@pytest.mark.parametrize(
    "text",
    [
        "Revenue grew in Q3 and Q4 2023; see Q12A4F0 and 0xQ1234.",
        "a 512 KB 10240 byte buffer, 64KB blocks, KB/s",
        "Office2003SP1-kb842532-fullfile-enu.exe",
        "http://download.microsoft.com/download/1/a/9/Office2003SP1-KB842532-enu.exe",
        "https://jeffpar.github.io/kbarchive/kb/078/Q78433/",
        "List knowledge base articles about billing; Knowledge Base Article view",
        "https://support.microsoft.com/en-us/topic/2e9f0d77-49a9-4b3c-a7b8-3d4b1b4e6f00",
        "HQ12345 Q123456789 KB12345678 myKB123456",
    ],
)
def test_what_is_not_a_reference(text: str):
    assert links.find_references(text) == []


def test_a_link_inside_a_web_archive_address_is_found_but_not_rewritten():
    text = "[x](https://web.archive.org/web/2013/https://support.microsoft.com/kb/315939)."
    (ref,) = links.find_references(text)
    assert ref.number == 315939 and not ref.rewritable
    assert ref.text == "https://support.microsoft.com/kb/315939"


# ------------------------------------------------------------- table, rewrite


def _records(root: Path, titles: dict[int, str]) -> None:
    records = root / ".kb" / "records"
    records.mkdir(parents=True)
    for number, title in titles.items():
        (records / f"KB{number}.json").write_text(json.dumps({"title": title}))


def test_table_says_archived_and_title(workspace: Path, tmp_path: Path):
    _records(workspace, {279415: "XCON: MSEXCHANGEMTA 9321 Error"})
    doc = tmp_path / "doc.md"
    doc.write_text("See [this](http://support.microsoft.com/kb/279415) and Q283238.\n")
    result = run_kb(["links", str(doc)], workspace)
    assert result.returncode == 0, result.stderr
    assert "KB279415" in result.stdout and "XCON: MSEXCHANGEMTA 9321 Error" in result.stdout
    assert "KB283238" in result.stdout and "2 references in 1 files" in result.stdout
    rows = json.loads(run_kb(["links", "--json", str(doc)], workspace).stdout)
    assert [(r["number"], r["archived"], r["title"]) for r in rows] == [
        (279415, True, "XCON: MSEXCHANGEMTA 9321 Error"),
        (283238, False, None),
    ]


def test_rewrite_shows_a_diff_and_write_keeps_every_other_byte(workspace: Path, tmp_path: Path):
    _records(workspace, {279415: "XCON", 283238: "XADM"})
    original = (
        b"Caf\xe9 notes (Windows-1252)\r\n"
        b"* [MTA](http://support.microsoft.com/default.aspx?scid=kb;EN-US;Q279415).\r\n"
        b'* <a href="https://support.microsoft.com/kb/283238/en-us">KB283238</a>\r\n'
        b"* not archived: http://support.microsoft.com/?kbid=999999\r\n"
        b"* archived copy: https://web.archive.org/web/1/http://support.microsoft.com/kb/279415\r\n"
        b"no newline at the end"
    )
    doc = tmp_path / "notes.txt"
    doc.write_bytes(original)
    doc.chmod(0o640)

    shown = run_kb(["links", "--rewrite", "https://kb.example.org/archive/", str(doc)], workspace)
    assert shown.returncode == 0, shown.stderr
    assert doc.read_bytes() == original, "no --write: the file is untouched"
    assert "-* [MTA](http://support.microsoft.com/default.aspx?scid=kb;EN-US;Q279415)." in (
        shown.stdout
    )
    assert "+* [MTA](https://kb.example.org/archive/kb/KB279415/)." in shown.stdout
    assert "would rewrite 2 links in 1 files; 1 links to articles not in the archive" in (
        shown.stderr
    )

    written = run_kb(
        ["links", "--rewrite", "https://kb.example.org/archive", "--write", str(doc)], workspace
    )
    assert written.returncode == 0, written.stderr
    expected = original.replace(
        b"http://support.microsoft.com/default.aspx?scid=kb;EN-US;Q279415",
        b"https://kb.example.org/archive/kb/KB279415/",
    ).replace(
        b"https://support.microsoft.com/kb/283238/en-us",
        b"https://kb.example.org/archive/kb/KB283238/",
    )
    assert doc.read_bytes() == expected
    assert doc.stat().st_mode & 0o777 == 0o640
    again = run_kb(["links", "--rewrite", "https://kb.example.org/archive", str(doc)], workspace)
    assert again.stdout == "" and "would rewrite 0 links" in again.stderr


def test_rewrite_keeps_utf16_and_the_page_path_of_the_site(tmp_path: Path):
    doc = tmp_path / "u16.txt"
    doc.write_bytes("\ufeffsee http://support.microsoft.com/kb/279415\r\n".encode("utf-16-le"))
    scanned = links.scan_file(str(doc))
    archive = links.Archive(tmp_path / "none")
    archive._cache[279415] = (True, "t")
    new_text, done, left = links.rewrite(scanned, "/kb-site", archive)
    assert [r.number for r in done] == [279415] and not left
    from kb.site_model import article_url

    assert new_text.encode(scanned.codec) == (
        f"\ufeffsee /kb-site/{article_url(279415)}\r\n".encode("utf-16-le")
    )


def test_an_unreadable_file_is_one_line_and_the_rest_go_on(workspace: Path, tmp_path: Path):
    good = tmp_path / "good.md"
    good.write_text("KB279415\n")
    broken = tmp_path / "broken.md"
    broken.symlink_to(tmp_path / "gone")
    result = run_kb(["links", "--json", str(broken), str(good), str(tmp_path / "nope")], workspace)
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("kb: ") for e in errors)
    assert "broken.md: cannot read" in errors[0] and "nope: no such file" in errors[1]
    assert [r["number"] for r in json.loads(result.stdout)] == [279415]


def test_usage_and_nothing_found(workspace: Path, tmp_path: Path):
    doc = tmp_path / "plain.md"
    doc.write_text("Nothing cited here, Q3 results only.\n")
    none = run_kb(["links", str(doc)], workspace)
    assert none.returncode == 1 and "no references" in none.stderr
    usage = run_kb(["links", "--write", str(doc)], workspace)
    assert usage.returncode == 2 and "--write needs --rewrite" in usage.stderr

"""Pasted messages: ``kb search`` finds the article that prints a message when the
paste carries the user's own values, the article prints placeholders, the paste is cut,
wrapped or re-spaced, or its case and punctuation differ; the exact phrase still comes
first; plain-word searches are untouched.

On the shipped sample archive (through the ``kb`` command) and on the real corpus
(through :class:`indexer.query.Searcher`; skipped where the corpus is absent).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import run_kb
from indexer import message, ranking
from indexer.query import Searcher, _plain_words
from kb.archive import Workspace

# --------------------------------------------------------------- the message parser


def _words(text: str) -> list[str]:
    return [w.text for w in message.parse(text).words if not w.soft]


@pytest.mark.parametrize(
    "value",
    [
        "14",
        "0x80070005",
        r"C:\WINNT\system32\foo.dll",
        r"\\SRV01\share\reports",
        "/usr/local/lib",
        "{7EBDAAE1-8120-11CF-899F-00AA00688B10}",
        "10.1.2.254",
        "12/03/1999",
        "10:32",
        "'jsmith'",
        '"SERVER1"',
        "<server name>",
        "%1",
        "%s",
        "xxxx",
        "jsmith@contoso.com",
    ],
)
def test_values_and_placeholders_are_masked(value):
    text = f"Cannot connect to {value} because the password expired"
    assert _words(text) == ["cannot", "connect", "becaus", "password", "expir"], message.mask(text)


def test_the_same_message_with_other_values_gives_the_same_words():
    printed = "Error 2050: line <number> of <filename>.HPJ : Invalid #include syntax"
    pasted = "ERROR 2050 - line 14 of PAYROLL.HPJ:  invalid  #include\n  syntax"
    assert (
        _words(printed) == _words(pasted) == ["error", "line", "hpj", "invalid", "includ", "syntax"]
    )


def test_positions_count_every_token_as_the_index_does():
    words = message.parse("The MTA is unable to route a report").words
    assert [(w.text, w.pos) for w in words] == [
        ("mta", 1),
        ("unabl", 3),
        ("rout", 5),
        ("report", 7),
    ]


def test_words_with_digits_are_soft_and_a_cut_last_word_too():
    parsed = message.parse("Win32 service failed to initialize. Th")
    assert [(w.text, w.soft) for w in parsed.words] == [
        ("win32", True),
        ("servic", False),
        ("fail", False),
        ("initi", False),
        ("th", True),
    ]
    assert parsed.exact[-1][1] == "initi"  # the fragment is not part of the exact phrase
    # A whole last word stays a word when the index knows it well.
    assert not message.parse("failed to initialize", known=lambda w: True).words[-1].soft


def test_a_sentence_joined_by_a_lost_space_is_not_a_file_name():
    assert _words("The service failed.The server stopped") == ["servic", "fail", "server", "stopp"]


# ------------------------------------------------------ the shipped sample archive

RPC = "An RPC communications error occurred. An attempt to listen over RPC has failed."


def _search(root: Path, *args: str, stdin: str | None = None) -> dict:
    result = run_kb(["search", *args, "--json"], root, input=stdin)
    assert result.returncode == 0, result.stderr or result.stdout
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("pasted", "answers"),
    [
        # Another user's values (KB174600 prints placeholders, KB157058 an example).
        (
            "A fatal internal MTA error occurred. Contact Microsoft Product Support "
            "Services. An illegal GET from element 5CF03901 occurred at offset 12",
            {174600, 157058},
        ),
        # Another address and another bracketed code; case and spacing changed.
        (
            "an unexpected ERROR has occurred which may cause the MTA to terminate.   "
            "Error: Memory corruption at address 0a3f2c1. [BASE DISP:ROUTER 7] (14)",
            {182547},
        ),
        # Cut off where a small window ends it, inside a word.
        ("An MTA database server error was encountered while locking an obj", {159307}),
        # Wrapped as the Event Viewer wraps it, with the user's own object number.
        (
            "The MTA is unable to route a report for message MTA object\n at fault: "
            "06000AB1. Check the routing table for a possible\nincorrect routing",
            {197058},
        ),
    ],
)
def test_pasted_messages_find_their_article(sample_workspace, pasted, answers):
    hits = _search(sample_workspace, pasted)["hits"]
    assert hits and hits[0]["number"] in answers, [(h["id"], h["title"]) for h in hits]
    # (A paste cut inside a word is still the article's exact phrase, up to the cut.)
    assert hits[0]["matched"] == ["exact phrase" if pasted.endswith("obj") else "message"]
    assert len(hits[0]["words"]) >= 5 and all(w.isalpha() for w in hits[0]["words"])


def test_exact_phrase_comes_first_and_json_names_the_words(sample_workspace):
    found = _search(sample_workspace, RPC)
    first = found["hits"][0]
    assert first["number"] == 279415 and first["matched"] == ["exact phrase"]
    assert {"rpc", "communications", "attempt", "listen", "failed"} <= set(first["words"])
    # Articles that hold only some of the words come after, as message matches.
    assert all(h["matched"] == ["message"] for h in found["hits"][1:])


def test_standard_input_and_many_words(sample_workspace):
    pasted = "An RPC communications\n   error occurred.  NT Error: 5. [ BASE IL MAIN BASE 1 504]\n"
    by_stdin = _search(sample_workspace, "-", stdin=pasted)["hits"]
    by_words = _search(sample_workspace, *pasted.split())["hits"]
    assert by_stdin[0]["number"] == by_words[0]["number"] == 279415
    assert [h["number"] for h in by_stdin] == [h["number"] for h in by_words]


def test_a_quoted_phrase_inside_a_query_is_still_a_phrase(sample_workspace):
    found = _search(sample_workspace, '"attempt to listen over RPC"')
    assert [h["number"] for h in found["hits"]] == [279415]
    assert found["hits"][0]["matched"] == ["text"]


def test_a_short_paste_is_still_a_phrase(sample_workspace):
    result = run_kb(["search", "listen communications"], sample_workspace)
    assert result.returncode == 1  # the two words are never next to each other
    assert "no articles match" in result.stdout + result.stderr


def test_empty_standard_input_is_a_usage_error(sample_workspace):
    result = run_kb(["search", "-"], sample_workspace, input="  \n")
    assert result.returncode == 2 and "empty query" in result.stderr


# ------------------------------------------------------------------ the real corpus

REAL = [
    # (pasted, articles any of which may answer, how high the first of them must be)
    ("Error 2050: line 14 of PAYROLL.HPJ : Invalid #include", {88126}, 1),
    ("Error 2050: line 14 of PAYROLL.HPJ : Invalid #include", {105508}, 5),
    (
        "You may not remove the local logon right from the Administrators local group. "
        "Doing so will disable all local administration of this computer.",
        {321020},
        1,
    ),
    (
        "Remote Access Connection Manager failed to start because the Point to Point "
        "Protocol failed to initialize. Th",
        {173539},
        5,
    ),
    (
        "MemMaker cannot run on this computer. To use MemMaker, you must have MS-DOS 6.22, "
        "an 80486 or higher processor, and at least 512K of extended memory.",
        {100004},
        1,
    ),
    (  # printed by seven articles, every word a common one
        "Could not start the Microsoft Exchange Message Transfer Agent service on \\\\EXCH-HQ-07.",
        {155027, 158488, 169918, 185154, 246762, 274285, 324026},
        1,
    ),
    (
        "The description for Event ID ( 4 ) in Source ( NwSapAgent ) could not be found",
        {158520},
        5,
    ),
]


@pytest.fixture(scope="module")
def corpus_searcher(real_corpus):
    # KB_PASTE_WORKSPACE: reuse a full-corpus workspace built by an earlier version
    # (the message matcher only reads the index).
    root = os.environ.get("KB_PASTE_WORKSPACE") or real_corpus.full_workspace()
    ws = Workspace(Path(root))
    with Searcher(ws.index_dir, load=ws.load_record) as s:
        yield s


@pytest.mark.parametrize(("pasted", "answers", "within"), REAL, ids=[p[:40] for p, *_ in REAL])
def test_real_messages_find_their_article(corpus_searcher, pasted, answers, within):
    hits = corpus_searcher.search(pasted, limit=within, paste=True).hits
    assert answers & {h.number for h in hits}, [(h.id, h.title) for h in hits]


def test_plain_words_are_ranked_exactly_as_before(corpus_searcher):
    # Without paste=True a plain-word search is indexer.ranking's exact ranking.
    text = "service account lacks the proper access rights to the System32 directory"
    got = corpus_searcher.search(text, limit=10)
    want, total = ranking.top(
        corpus_searcher.searcher, corpus_searcher.segments, _plain_words(text), 10
    )
    assert [h.number for h in got.hits] == [
        corpus_searcher.searcher.stored_fields(r.docnum)["number"] for r in want
    ]
    assert got.total == total and got.hits[0].number == 186739

"""kb event / error / search on the shipped sample archive, through the real command."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import rebuilt_sample, run_kb


def _ids(result) -> list[str]:
    return [h["id"] for h in json.loads(result.stdout)["hits"]]


@pytest.mark.parametrize(
    "args",
    [
        ["event", "9321"],
        ["event", "9321", "--source", "msexchangemta"],
        ["event", "MSExchangeMTA:9321"],
        ["event", "msexchangemta:9321"],
    ],
)
def test_event_lookups_find_the_seed_first(sample_workspace, args):
    result = run_kb([*args, "--json"], sample_workspace)
    assert result.returncode == 0, result.stderr
    assert _ids(result)[0] == "KB279415"
    hit = json.loads(result.stdout)["hits"][0]
    assert hit["matched"] == ["event"]
    assert "MSEXCHANGEMTA 9321" in hit["snippet"] and "RPC communications" in hit["snippet"]


def test_event_with_the_wrong_source_finds_nothing(sample_workspace):
    result = run_kb(["event", "9321", "--source", "MSExchangeIS"], sample_workspace)
    assert result.returncode == 1


@pytest.mark.parametrize(
    "code", ["11004", "0x2AFC", "0x2afc", "0x00002AFC", "0x80072AFC", "WSANO_DATA"]
)
def test_all_notations_of_one_code_meet(sample_workspace, code):
    result = run_kb(["error", code, "--json"], sample_workspace)
    assert result.returncode == 0, result.stderr
    assert "KB279415" in _ids(result)


@pytest.mark.parametrize("code", ["0x80004005", "80004005", "2147500037", "-2147467259"])
def test_e_fail_notations_give_the_same_hits(sample_workspace, code):
    result = run_kb(["error", code, "--json"], sample_workspace)
    assert result.returncode == 0, result.stderr
    assert _ids(result) == _ids(run_kb(["error", "0x80004005", "--json"], sample_workspace))


def test_phrase_search_and_table_output(sample_workspace):
    result = run_kb(["search", "An attempt to listen over RPC has failed"], sample_workspace)
    assert result.returncode == 0
    # On a pipe: a header, then one tab-separated line per hit.
    lines = result.stdout.splitlines()
    assert lines[0] == "article\ttitle\tmatched\tsnippet"
    assert lines[1].startswith("KB279415\t") and all(len(x.split("\t")) == 4 for x in lines)
    exact = run_kb(["search", '"listen over RPC"', "--json"], sample_workspace)
    assert _ids(exact) == ["KB279415"]


def test_filters(sample_workspace):
    result = run_kb(
        ["search", "mta", "--product", "exchange", "--tag", "XCON", "--json"], sample_workspace
    )
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["hits"] and all(h["title"].startswith("XCON:") for h in data["hits"])
    none = run_kb(["search", "mta", "--tag", "PRB"], sample_workspace)
    assert none.returncode == 1


def test_bare_numbers(sample_workspace):
    article = run_kb(["search", "279415", "--json"], sample_workspace)
    assert _ids(article)[0] == "KB279415"
    assert json.loads(article.stdout)["hits"][0]["matched"][0] == "article"
    event = run_kb(["search", "9321", "--json"], sample_workspace)
    assert _ids(event)[0] == "KB279415"


def test_did_you_mean(sample_workspace):
    result = run_kb(["search", "bindng", "order"], sample_workspace)
    assert result.returncode == 1
    assert "did you mean: binding order" in result.stdout


def test_limit_and_exit_codes(sample_workspace):
    result = run_kb(["search", "exchange", "--limit", "2", "--json"], sample_workspace)
    assert len(json.loads(result.stdout)["hits"]) == 2
    assert run_kb(["error", "not-a-code"], sample_workspace).returncode == 2
    assert run_kb(["event", "abc"], sample_workspace).returncode == 2
    bad = run_kb(["search", "title:(unclosed"], sample_workspace)
    assert bad.returncode in (1, 2) and "Traceback" not in bad.stderr


def test_no_index_is_a_clear_error(workspace):
    # An empty archive (even after kb rebuild) says what to do, not "run kb rebuild".
    for command in (["event", "9321"], ["error", "0x2AFC"], ["search", "rpc"]):
        result = run_kb(command, workspace)
        assert result.returncode == 2
        assert "no articles" in result.stderr and "kb add" in result.stderr
        assert "kb rebuild" not in result.stderr
    assert run_kb(["rebuild"], workspace).returncode == 0
    assert "no articles" in run_kb(["event", "9321"], workspace).stderr
    # Records without their index: rebuild it.
    root = rebuilt_sample(workspace.parent / "records-only")
    shutil.rmtree(root / ".kb" / "index")
    result = run_kb(["event", "9321"], root)
    assert result.returncode == 2
    assert "no index" in result.stderr and "kb rebuild" in result.stderr


def _on_a_terminal(args: list[str], root) -> str:
    """What kb prints when its output is a terminal (a pseudo-terminal here)."""
    import os
    import subprocess

    from conftest import KB

    leader, follower = os.openpty()
    env = {**os.environ, "KB_ROOT": str(root), "COLUMNS": "160"}
    proc = subprocess.Popen([KB, *args], stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("args", [["event", "9321"], ["search", "listen over RPC"]])
def test_a_terminal_gets_the_table(sample_workspace, args):
    shown = _on_a_terminal(args, sample_workspace)
    assert "KB279415" in shown
    assert "\u2503" in shown or "\u2502" in shown or "|" in shown  # the table's rules
    assert "article\ttitle" not in shown


def test_show_prints_the_article_as_text_on_a_pipe(sample_workspace):
    result = run_kb(["show", "279415"], sample_workspace)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("KB279415  ")
    assert "## Symptoms" in lines and "Event log" in lines
    assert any(x.strip().upper().startswith("MSEXCHANGEMTA\t9321\t") for x in lines)
    assert "listen over RPC" in result.stdout and "\\[" not in result.stdout  # no escapes

"""kb event / error / search on the shipped sample archive, through the real command."""

from __future__ import annotations

import json

import pytest

from conftest import run_kb


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
    assert "KB279415" in result.stdout and "article" in result.stdout.splitlines()[1]
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
    result = run_kb(["event", "9321"], workspace)
    assert result.returncode == 2
    assert "no index" in result.stderr and "kb rebuild" in result.stderr

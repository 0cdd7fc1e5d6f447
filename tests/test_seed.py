"""The seed page must give exactly what KB279415.expected.json lists."""

from __future__ import annotations

import json

import pytest

from kb.readers import read_file


@pytest.fixture(scope="module")
def expected(real_corpus):
    return json.loads(real_corpus.SEED_EXPECTED.read_text())


@pytest.fixture(scope="module")
def record(real_corpus):
    return read_file(real_corpus.SEED_HTML)


def check_against_expected(record, expected) -> None:
    assert record.number == expected["number"]
    assert record.aliases == expected["aliases"]
    assert record.title == expected["title"]
    assert record.tag == expected["tag"]
    assert [s.heading for s in record.sections] == expected["sections"]
    assert record.symptoms.startswith(expected["symptoms_start"])
    got_events = [(e.source, e.event_id) for e in record.events]
    assert got_events == [(e["source"], e["event_id"]) for e in expected["events"]]
    for event, want in zip(record.events, expected["events"], strict=True):
        assert event.message.startswith(want["message_start"])
    assert sorted(c.code for c in record.error_codes) == sorted(expected["error_codes"])
    assert len(record.resolution_steps) == expected["resolution_steps"]
    assert [s.text for s in record.resolution_steps[7].substeps] == expected["step_8_substeps"]
    assert [(r.number, r.title) for r in record.related] == [
        (r["number"], r["title"]) for r in expected["related"]
    ]
    assert record.products == expected["products"]
    assert record.keywords == expected["keywords"]
    assert record.revision == expected["revision"]
    assert record.created == expected["created"]


def test_seed_page_gives_the_expected_record(record, expected):
    check_against_expected(record, expected)
    assert record.source.format == "archive-html"


def test_seed_record_round_trips_through_json(record):
    from kb.model import Article

    data = json.loads(json.dumps(record.to_dict()))
    assert Article.from_dict(data).to_dict() == record.to_dict()
    assert data["id"] == "KB279415"
    assert data["symptoms"] == record.sections[0].markdown


def test_seed_markdown_keeps_emphasis_and_nesting(record):
    resolution = next(s for s in record.sections if s.kind == "resolution")
    assert "**Network Neighborhood**," in resolution.markdown
    assert "8. Under each protocol" in resolution.markdown
    assert "\n   - Network adapter one" in resolution.markdown
    assert "Back to the top" not in json.dumps(record.to_dict())

"""Property-based: random bytes and random mutations of real pages never escape as
anything but the project's own IngestError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from kb.model import IngestError
from kb.readers import read_bytes

SEEDS = [p.read_bytes() for p in sorted((ROOT / "articles").iterdir()) if p.is_file()]


def _read(data: bytes) -> None:
    try:
        article = read_bytes(data, "fuzz")
    except IngestError as exc:
        assert exc.reason and "\n" not in exc.reason
    else:
        assert article.number > 0 and article.title


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    _read(data)


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "truncate", "duplicate"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[pos : pos + draw(st.integers(1, 400))]
        elif op == "insert":
            data[pos:pos] = draw(
                st.sampled_from(
                    [
                        b"<",
                        b">",
                        b"</li>",
                        b"<ol>",
                        b"<pre>",
                        b"\x00",
                        b"\xff\xfe",
                        b"=====\n",
                        b"1. ",
                        b"Event ID: ",
                        b"<h2>Symptoms</h2>",
                        b"&#x0;",
                        b"<!--",
                        b"\r",
                    ]
                )
            )
        elif op == "truncate":
            del data[pos:]
        else:
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 2000))]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_real_pages(data):
    _read(data)


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b""])
def test_every_sample_page_with_every_byte_order_mark(prefix):
    for data in SEEDS:
        _read(prefix + data)

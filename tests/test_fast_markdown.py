"""kb.fast_markdown either writes exactly what markdown-it writes or declines (None):
on the shapes kb.blocks writes, on edge cases of CommonMark, and on generated blocks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb import fast_markdown
from kb.blocks import Code, Heading, ListBlock, Para, to_markdown
from kb.pages import Renderer

RENDER = Renderer().md.render

TAKEN = [
    "A paragraph with \\*stars\\* and \\_underscores\\_ escaped.",
    "first line\\\nsecond line\\\nthird",
    '```\ncode <b> & "quoted"\n\n  indented\n```',
    "````\nbody with ``` inside\n````",
    "#### A sub-heading",
    "1. one\n2. two\n3. three",
    "3. starts at three\n4. four",
    "- a\n- b",
    "1. item with\\\n   a second line\n2. next",
    "Text\n\n1. list\n\nText after",
    "1\\. not a list\n\n2000 is a year, 3.1 a version",
    "Ends with a backslash \\",
    "Quote \" and > and ' stay",
    "AT&T & co; a lone & stays text",
]
DECLINED = [
    "some *emphasis* here",
    "a `code span`",
    "an &amp; entity",
    "1. a\n\n2. loose",
    "- a\n\n- b",
    "1. a\n- b",
    "1. item\n\n   second paragraph",
    "- item\nlazy line",
    "#### Heading ##",
    "```\nno closing fence",
    "line one\n- a list interrupting",
    "carriage\rreturn",
    " leading space",
    "\u00a0non-breaking start",
    "1) paren list",
    "text\\\\\\\nmore",
]


@pytest.mark.parametrize("text", TAKEN)
def test_takes_plain_shapes_and_matches_markdown_it(text):
    html = fast_markdown.render(text)
    assert html is not None
    assert html == RENDER(text)


@pytest.mark.parametrize("text", DECLINED)
def test_declines_what_it_does_not_handle(text):
    html = fast_markdown.render(text)
    assert html is None or html == RENDER(text)


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FF)
    | st.sampled_from(list("*_`[]<>&#\\-+=~|1234567890.) \t")),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip())
_para = st.builds(Para, st.lists(_text, min_size=1, max_size=3))
_leaf = st.one_of(_para, st.builds(Code, _text), st.builds(Heading, _text))
_list = st.builds(
    ListBlock,
    st.booleans(),
    st.lists(st.lists(_leaf, min_size=1, max_size=2), min_size=1, max_size=3),
    st.integers(min_value=1, max_value=12),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_leaf, _list), min_size=1, max_size=4))
def test_generated_sections_render_like_markdown_it(blocks):
    text = to_markdown(blocks)
    html = fast_markdown.render(text)
    assert html is None or html == RENDER(text)

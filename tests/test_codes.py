"""Error-code normalisation: every notation of one code meets the others."""

from __future__ import annotations

import pytest

from kb import codes


@pytest.mark.parametrize(
    "notation",
    [
        "11004",
        "0x2AFC",
        "0x2afc",
        "0x00002AFC",
        "2AFC",
        "0x80072AFC",
        "80072AFC",
        "2147953404",
        "-2147013892",
    ],
)
def test_notations_of_wsano_data_meet(notation):
    assert set(codes.query_keys(notation)) & set(codes.index_keys("11004", 11004))


@pytest.mark.parametrize("notation", ["0x80004005", "80004005", "2147500037", "-2147467259"])
def test_notations_of_e_fail_meet(notation):
    assert "2147500037" in codes.query_keys(notation)


def test_distinct_codes_do_not_meet():
    assert not set(codes.query_keys("1067")) & set(codes.query_keys("1068"))
    assert not set(codes.query_keys("0x80004005")) & set(codes.index_keys("0xc0000005", 0xC0000005))


def test_negative_decimal_is_its_unsigned_twin():
    assert codes.interpret("-1018") == {0xFFFFFC06}
    assert codes.to_signed(0xFFFFFC06) == -1018


def test_symbolic_codes_keep_their_printed_form():
    assert codes.query_keys("L1073") == ["l1073"]
    assert codes.index_keys("L1073", None) == ["l1073"]


def test_not_codes():
    assert codes.query_keys("hello") == []
    assert codes.interpret("0x123456789") == set()  # more than 32 bits


def test_canonical_forms_as_the_gold_labels_print_them():
    assert codes.canonical("0x0000000A") == ("0x0000000a", 10)
    assert codes.canonical("C0000005") == ("0xc0000005", 0xC0000005)
    assert codes.canonical("-1018") == ("-1018", 0xFFFFFC06)


def test_notations_for_display():
    forms = codes.notations(11004)
    assert "0x2AFC" in forms and "0x80072AFC (HRESULT)" in forms
    assert "-2147467259" in codes.notations(0x80004005)

"""Decoding bytes of any decade: BOMs, declared charsets, 1252 and 437, never a crash."""

from __future__ import annotations

from kb.decode import decode


def test_utf8_with_and_without_bom():
    assert decode("Fehler überall".encode())[0] == "Fehler überall"
    assert decode(b"\xef\xbb\xbfabc")[0] == "abc"


def test_windows_1252_smart_quotes():
    text, enc = decode(b"Applications Don\x92t Show \x93Key\x94")
    assert enc == "cp1252" and text == "Applications Don\u2019t Show \u201cKey\u201d"


def test_code_page_437_umlauts_from_a_real_article():
    # Q229148 prints 'übermittelt' with the DOS byte 0x81, undefined in Windows-1252.
    text, enc = decode(b"nden Empf\x84nger \x81bermittelt")
    assert enc == "cp437" and "übermittelt" in text and "Empfänger" in text


def test_declared_charset_wins():
    data = '<meta charset="koi8-r"><p>Привет</p>'.encode("koi8-r")
    assert "Привет" in decode(data)[0]


def test_invalid_utf8_in_utf8_declared_page_does_not_raise():
    text, enc = decode(b'<meta charset="utf-8"><p>bad \xff\xfe bytes</p>')
    assert enc == "utf-8" and "bad" in text and "\ufffd" in text

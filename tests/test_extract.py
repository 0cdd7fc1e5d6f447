"""Extractors on snippets as real KB articles print them (article numbers noted)."""

from __future__ import annotations

from kb import extract


def _events(text):
    return [(e.source, e.event_id, e.message) for e in extract.extract_events(text)]


def test_event_viewer_fields_on_one_line_q320200():
    text = (
        "   Event ID: 9321 Source: MSExchangeMTA Description: An RPC communication error\n"
        "   has occurred."
    )
    assert _events(text) == [("MSExchangeMTA", 9321, "An RPC communication error has occurred.")]


def test_event_viewer_fields_one_a_line_q137505():
    text = (
        "   Event ID: 7000\n   Source: Service control manager\n   Type: Error\n"
        "   Description: The IBM Auto 16/4 Token-Ring ISA Adapter service failed to start"
    )
    assert _events(text)[0][:2] == ("Service control manager", 7000)
    assert _events(text)[0][2].startswith("The IBM Auto 16/4")


def test_event_log_line_and_prose_q279415():
    text = (
        "MSEXCHANGEMTA 9321\nAn RPC communications error occurred.\n\n"
        "after logging event ID 321. Events 4018 & 4116 appear."
    )
    got = {(s, i) for s, i, _ in _events(text)}
    assert got == {("MSEXCHANGEMTA", 9321), (None, 321), (None, 4018), (None, 4116)}


def test_not_events():
    assert _events("Windows 95\nSetup fails.\n\nSee version 4000 and port 1433.") == []


def _codes(text):
    return [c.code for c in extract.extract_error_codes(text)]


def test_error_codes_as_printed():
    assert _codes("you may receive a 2140 error message") == ["2140"]
    assert _codes("NT Error: 11004.") == ["11004"]
    assert _codes("Error 1067: The process terminated unexpectedly.") == ["1067"]
    assert _codes("returns error -1018 (JET_errReadVerifyFailure)") == ["-1018"]
    assert _codes("Exception c0000005 occurred at Address 0x02086698.") == ["0xc0000005"]
    assert _codes("STOP 0x0000000A (0x00000000, 0x00000002)") == ["0x0000000a"]
    assert _codes("fails with 0x80004005 (E_FAIL)") == ["0x80004005"]
    assert _codes("   L1073: File-segment Limit Exceeded") == ["L1073"]


def test_not_error_codes():
    assert _codes("Install version 5.5 on port 1433 and see Q123456.") == []
    assert _codes("0040123a  mov eax,0x80000002") == []


def test_related_articles_with_titles():
    text = (
        "For more information, click the following article number:\n\n"
        "283238 XADM: Exchange Server 5.5 Post-Service Pack 4 MTA Fixes Available\n\n"
        "See also Q119591 and ARTICLE-ID: Q12345\nTITLE     : Old Style Reference Title\n\n"
        "Download Q248838engi.exe. This is Q279415 itself."
    )
    got = [(r.number, r.title) for r in extract.extract_related(text, own_number=279415)]
    assert got == [
        (283238, "XADM: Exchange Server 5.5 Post-Service Pack 4 MTA Fixes Available"),
        (119591, None),
        (12345, "Old Style Reference Title"),
    ]


def test_title_tags_and_dates():
    assert extract.title_tag("XCON: MTA Fails") == "XCON"
    assert extract.title_tag("PRB: Link Error L1073") == "PRB"
    assert extract.title_tag("How to Obtain Service Packs") is None
    assert extract.iso_date("11-JUL-2001") == "2001-07-11"
    assert extract.iso_date("10/28/2006") == "2006-10-28"
    assert extract.iso_date("October 28, 2006") == "2006-10-28"

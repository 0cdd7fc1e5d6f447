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


def test_error_code_families_as_real_articles_print_them():
    # KB2916984, KB2312539 (cited title), KB160420
    assert _codes("STOP: 0x000000D1 (parameter1, parameter2)") == ["0x000000d1"]
    assert _codes('[2518298]"0x0000003B" Stop error on a terminal server') == ["0x0000003b"]
    # KB243444, KB315481, KB178234, KB291380
    assert _codes("error C2653: 'xxx' : is not a class or namespace name") == ["C2653"]
    assert _codes("to issue warning C4258 when /Zc:forScope is enabled") == ["C4258"]
    assert _codes("You receive LNK1201 Error and C2857 Error messages") == ["LNK1201", "C2857"]
    assert _codes("midl\\oleaut32.dll : error MIDL2020 : error generating type library") == [
        "MIDL2020"
    ]
    # KB942055, KB832981: HTTP statuses; the sub-status is no version
    assert _codes("> HTTP Error 500.19 \u2013 Internal Server Error") == ["500.19"]
    assert _codes("    > HTTP 500 - Internal Server Error") == ["500"]
    # KB258932, SQL Server, Visual Basic
    assert _codes("The browser returns an ASP 0177 error.") == ["ASP0177"]
    assert _codes("Server: Msg 7306, Level 16, State 2, Line 1") == ["7306"]
    assert _codes("Run-time error '429': ActiveX component can't create object") == ["429"]
    # KB914052, KB2506326, KB4503903, KB291087, KB2004121
    assert _codes('The error: "%%233" Happened while starting') == ["%%233"]
    assert _codes("(ID 104 Details: Access is denied (0x80070005))") == ["104", "0x80070005"]
    assert _codes("failed with code 10(**ERROR_BAD_ENVIRONMENT**)") == ["10"]
    assert _codes("returned a failure status code of (1307).") == ["1307"]


def test_not_error_codes_in_lists_of_notes_and_standards():
    # Application notes (Q95521) and RFC titles are IDs, not diagnostics.
    assert _codes("   FW1003: RESOURCE KIT\n   WA0728: Windows Printing Tips") == []
    assert _codes("RFC2632: S/MIME Version 3 Certificate Handling") == []
    assert _codes("Version 5.5 install; see the 1.1 release and a status code of 0.") == []
    # A diagnostic at the start of a line is one: Q34142, and NET messages.
    assert _codes("   NET3651: There is no protocol loaded.") == ["NET3651"]


def test_event_source_with_category_q182547_q279537():
    text = (
        "   Event ID: 9405\n   Source: MSExchangeMTA  Field Engineering\n"
        "   Description: An unexpected error has occurred\n\n"
        "   Event ID: 9318\n   Source: MSExchangeMTA - Interface\n"
        "   Description: An RPC communications error occurred."
    )
    got = [(e.source, e.event_id, e.category) for e in extract.extract_events(text)]
    assert got == [
        ("MSExchangeMTA", 9405, "Field Engineering"),
        ("MSExchangeMTA", 9318, "Interface"),
    ]


def test_event_fields_run_together_kb914052_kb291087():
    text = (
        "Event Type:Error Event Source:DCOM Event Category:None Event ID:10000 "
        "Date:\\<Date> User:N/A Computer: Computer_Name\n"
        'Description: Unable to start a DCOM Server. The error: "%%233"'
    )
    assert _events(text) == [("DCOM", 10000, 'Unable to start a DCOM Server. The error: "%%233"')]
    text = (
        "Event Type: Error\nError Event Source: Userenv\nEvent Category: None\nEvent ID: 1000\n"
        "Description: The Group Policy client-side extension failed.\n"
        "Event Type: Error\nEvent Source: Folder Redirection\n"
        "Event Category: None Event ID: 101\nDescription: Failed to perform redirection."
    )
    assert {(s, i) for s, i, _ in _events(text)} == {("Userenv", 1000), ("Folder Redirection", 101)}


def test_event_category_kept_out_of_old_records():
    from kb.model import Article, Event

    art = Article(number=1, title="t", events=[Event("Srv", 2013)])
    assert art.to_dict()["events"] == [{"source": "Srv", "event_id": 2013, "message": None}]
    art.events[0].category = "Disk"
    assert Article.from_dict(art.to_dict()).events[0].category == "Disk"

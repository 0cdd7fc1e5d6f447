"""Reading event logs (kb.eventlogs) on the real logs of ../shared/evtx and the text
forms made from their records (tests/fixtures/eventlogs, see make_fixtures.py)."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import corpus
from kb.eventlogs import LogError, read_log
from kb.eventlogs.sources import canonical, names_for
from kb.triage import event_codes, group, message_query

EVTX = corpus.SHARED / "evtx"
FIXTURES = Path(__file__).parent / "fixtures" / "eventlogs"
TEXT_FORMS = {
    "system-xml.xml": "wevtutil XML",
    "system-rendered.xml": "wevtutil XML",
    "system-viewer.txt": "Event Viewer text",
    "system-viewer.csv": "Event Viewer CSV",
    "system-winevent.json": "Get-WinEvent JSON",
}


@pytest.fixture(scope="module")
def evtx_dir() -> Path:
    if not (EVTX / "system.evtx").is_file():
        reason = f"real event logs not found at {EVTX}"
        if os.environ.get("KB_REQUIRE_CORPUS"):
            pytest.fail(reason + " (KB_REQUIRE_CORPUS is set: CI must have them)")
        pytest.skip(reason)
    return EVTX


def _read(path: Path):
    warnings: list[str] = []
    read = read_log(path, warnings.append)
    return read, warnings


@pytest.mark.parametrize(
    ("name", "records", "pairs"),
    [("system.evtx", 1881, 89), ("2-vss_7-System.evtx", 1160, 65)],
)
def test_real_evtx_records_and_pairs(evtx_dir, name, records, pairs):
    read, warnings = _read(evtx_dir / name)
    assert read.form == "evtx"
    assert warnings == []
    assert len(read.rows) == records
    assert len({(r.source, r.event_id) for r in read.rows}) == pairs


def test_evtx_row_fields(evtx_dir):
    rows = _read(evtx_dir / "system.evtx")[0].rows
    first = rows[0]
    assert (first.source, first.event_id, first.level) == ("EventLog", 6009, "Information")
    assert first.time == "2017-07-12T17:16:28Z"
    assert first.data["2"] == "15063"
    failed = next(r for r in rows if r.event_id == 20 and "WindowsUpdate" in r.source)
    assert failed.level == "Error"
    assert failed.data["errorCode"] == "0x80248007"
    # 16-bit event IDs, not the qualifiers-and-ID number
    assert {r.event_id for r in rows if r.source == "Service Control Manager"} >= {7000, 7023, 7040}


def test_damaged_chunks_are_warnings_and_the_rest_is_read(evtx_dir):
    read, warnings = _read(evtx_dir / "sample_with_a_bad_chunk_magic.evtx")
    assert len(read.rows) > 200
    assert any("chunk 6" in w for w in warnings), warnings
    assert all("chunk" in w for w in warnings)


def test_log_without_checksums_and_forwarded_log(evtx_dir):
    assert len(_read(evtx_dir / "Application_no_crc32.evtx")[0].rows) == 17
    (row,) = _read(evtx_dir / "MSExchange_Management_wec.evtx")[0].rows
    assert (row.source, row.event_id) == ("MSExchange CmdletLogs", 1)
    assert row.data["1"] == "Set-Mailbox"


def test_truncated_evtx(evtx_dir, tmp_path):
    whole = (evtx_dir / "system.evtx").read_bytes()
    cut_late = tmp_path / "late.evtx"
    cut_late.write_bytes(whole[:200_000])  # inside the third chunk
    read, warnings = _read(cut_late)
    assert 0 < len(read.rows) < 1881
    assert warnings and "truncated" in warnings[0] and "chunk 2" in warnings[0]
    for size, reason in [(100, "truncated"), (30_000, "truncated"), (4096, "empty log")]:
        cut = tmp_path / f"cut{size}.evtx"
        cut.write_bytes(whole[:size])
        with pytest.raises(LogError, match=reason):
            read_log(cut, lambda _: None)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"\n  \r\n", "empty"),
        (b"# kbarchive\n\nFind the old Microsoft Knowledge Base article.\n", "not an event log"),
        (bytes(range(256)) * 4, "not an event log"),
        (b"Level,Date and Time,Source,Event ID,Task Category\r\n", "no events"),
        (b'{"name": "not an event"}', "not an event log"),
    ],
)
def test_not_a_log(tmp_path, content, reason):
    path = tmp_path / "some.evtx"  # the extension does not decide
    path.write_bytes(content)
    with pytest.raises(LogError, match=reason):
        read_log(path, lambda _: None)


def test_folder_and_missing_file(tmp_path):
    with pytest.raises(LogError, match="folder"):
        read_log(tmp_path, lambda _: None)
    with pytest.raises(LogError, match="no such file"):
        read_log(tmp_path / "nope.evtx", lambda _: None)


def _picked(evtx_dir) -> Counter:
    """The records make_fixtures.py takes from system.evtx, by (source, ID)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Counter({(canonical(s), i): n for (s, i), n in module.WANTED.items()})


@pytest.mark.parametrize("name", sorted(TEXT_FORMS))
def test_text_forms_give_the_same_events(evtx_dir, name):
    read, warnings = _read(FIXTURES / name)
    assert read.form == TEXT_FORMS[name]
    assert warnings == []
    assert Counter((canonical(r.source), r.event_id) for r in read.rows) == _picked(evtx_dir)
    levels = {(canonical(r.source), r.event_id): r.level for r in read.rows}
    assert levels[("service control manager", 7023)] == "Error"
    assert levels[("dns-client", 1014)] == "Warning"


def test_text_forms_agree_with_the_evtx(evtx_dir):
    rows = {name: _read(FIXTURES / name)[0].rows for name in TEXT_FORMS}
    utc = {r.time for r in rows["system-xml.xml"]}
    assert utc == {r.time for r in rows["system-winevent.json"]}
    evtx_times = {r.time for r in _read(evtx_dir / "system.evtx")[0].rows}
    assert utc <= evtx_times
    # Event Viewer prints local time (this machine: Pacific): 17:16:28Z is 10:16:28 PDT.
    local = {r.time for r in rows["system-viewer.txt"]}
    assert "2017-07-12T10:16:28" in local and local == {r.time for r in rows["system-viewer.csv"]}
    for name in ("system-rendered.xml", "system-viewer.txt", "system-winevent.json"):
        messages = {r.message for r in rows[name] if r.event_id == 7023}
        assert any(m.startswith("The Spooler service terminated") for m in messages), name
        assert all("%%" not in m for m in messages), name
    assert all(r.message is None for r in rows["system-xml.xml"])
    assert next(r for r in rows["system-xml.xml"] if r.event_id == 7023).data == {
        "param1": "Spooler",
        "param2": "%%2147942414",
    }


def test_pasted_blocks():
    read, _ = _read(FIXTURES / "pasted-kb.txt")
    assert read.form == "pasted event text"
    assert [(r.source, r.event_id) for r in read.rows] == [
        ("Service Control Manager", 7024),
        ("ESE97", 105),
        ("ESE97", 145),
    ]
    assert read.rows[0].message == (
        "The Microsoft Exchange Information Store Service returned service specific error 1276."
    )
    assert read.rows[1].message.endswith("with error -1032.")
    details, _ = _read(FIXTURES / "system-details.txt")
    assert [(r.source, r.event_id) for r in details.rows] == [
        ("Service Control Manager", 7023),
        ("DistributedCOM", 10016),
    ]
    assert details.rows[0].time == "2017-07-12T10:16:28"
    assert "Event Xml" not in details.rows[1].message


def test_utf16_and_stdin_style_input(tmp_path):
    text = (FIXTURES / "pasted-kb.txt").read_text()
    path = tmp_path / "paste"
    path.write_bytes(b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le"))
    assert len(_read(path)[0].rows) == 3


def test_source_names():
    assert canonical("Microsoft-Windows-Service Control Manager") == canonical(
        "service control manager"
    )
    assert canonical("DCOM") == canonical("Microsoft-Windows-DistributedCOM")
    assert canonical("DistributedCOM") == canonical("Microsoft-Windows-DistributedCOM")
    assert (
        canonical("Event Log") == canonical("EventLog") == canonical("Microsoft-Windows-Eventlog")
    )
    assert canonical("Kernel-General") == canonical("Microsoft-Windows-Kernel-General")
    assert canonical("Disk") != canonical("cdrom")
    assert "Time-Service" in names_for("Microsoft-Windows-Time-Service")
    assert {"DCOM", "Microsoft-Windows-DistributedCOM"} <= set(names_for("DistributedCOM"))
    assert names_for("Service Control Manager")[0] == "Service Control Manager"


def test_grouping_across_forms_and_names(evtx_dir):
    rows = [("a.evtx", r) for r in _read(evtx_dir / "system.evtx")[0].rows]
    rows += [("b.csv", r) for r in _read(FIXTURES / "system-viewer.csv")[0].rows]
    findings = group(rows)
    assert len(findings) == 89  # the CSV's short names join the evtx's full names
    dcom = next(f for f in findings if f.event_id == 10016)
    assert dcom.count == 16 + 2 and dcom.files == ["a.evtx", "b.csv"]
    assert dcom.first <= dcom.last
    assert dcom.example.startswith("The application-specific permission settings")
    # errors first, then warnings, then the rest
    levels = [f.level for f in findings]
    assert levels.index("Error") < levels.index("Warning") < levels.index("Information")


def test_codes_from_event_data_and_messages(evtx_dir):
    rows = _read(evtx_dir / "system.evtx")[0].rows
    update = next(r for r in rows if r.event_id == 20 and "WindowsUpdate" in r.source)
    assert event_codes(update) == ["0x80248007"]
    spooler = next(r for r in rows if r.event_id == 7023 and r.data.get("param1") == "Spooler")
    assert event_codes(spooler) == ["0x8007000E"]
    assert event_codes(next(r for r in rows if r.event_id == 6005)) == []
    shutdown = next(r for r in rows if r.source == "User32")  # a reason code, not an error
    assert event_codes(shutdown) == []


def test_message_query():
    assert message_query(
        "Name resolution for the name _ldap._tcp.dc._msdcs.WORKGROUP timed out after none of "
        "the configured DNS servers responded."
    ) == (
        '"Name resolution for the name" '
        '"timed out after none of the configured DNS servers responded"'
    )
    assert (
        message_query(
            "Installation Failure: Windows failed to install the following update with error "
            "0x80248007: 2017-07 Cumulative Update"
        )
        == '"Installation Failure" "Windows failed to install the following update with error"'
    )
    assert message_query("The Event log service was started.") == (
        '"The Event log service was started"'
    )
    assert message_query("Microsoft (R) Windows (R) 10.00. 15063  Multiprocessor Free.") is None
    assert message_query(None) is None
    assert message_query("Error 5 on \\Device\\Harddisk1") is None


def test_real_logs_copied_under_other_names(evtx_dir, tmp_path):
    copy = tmp_path / "system.log"
    shutil.copy(evtx_dir / "system.evtx", copy)
    assert len(_read(copy)[0].rows) == 1881


def test_missing_description_is_no_message():
    """Event Viewer's 'description ... cannot be found' text is not looked up as a message;
    the strings included with the event are the example."""
    rows = _read(FIXTURES / "system-viewer.csv")[0].rows
    (finding,) = [f for f in group([("x.csv", r) for r in rows]) if f.source == "e1iexpress"]
    assert finding._message is None
    assert finding.example == "Intel(R) 82574L Gigabit Network Connection"
    spooler = next(f for f in group([("x.csv", r) for r in rows]) if f.event_id == 7023)
    assert spooler._message.startswith("The ")


def test_cut_and_mangled_logs_never_raise_anything_but_log_error(evtx_dir, tmp_path):
    """Every form cut at many points, and with bytes overwritten: rows or one LogError."""
    import random

    rng = random.Random(7)
    sources = [p for p in sorted(FIXTURES.iterdir()) if p.suffix != ".py"]
    sources.append(evtx_dir / "Application_no_crc32.evtx")
    path = tmp_path / "log"
    for source in sources:
        whole = source.read_bytes()
        variants = [whole[: int(len(whole) * f)] for f in (0.01, 0.1, 0.33, 0.5, 0.77, 0.99)]
        for _ in range(6):
            mangled = bytearray(whole)
            for _ in range(20):
                mangled[rng.randrange(len(mangled))] = rng.randrange(256)
            variants.append(bytes(mangled))
        for variant in variants:
            path.write_bytes(variant)
            try:
                read = read_log(path, lambda _: None)
            except LogError as exc:
                assert str(exc) and "\n" not in str(exc)
                continue
            assert all(isinstance(r.event_id, int) and 0 <= r.event_id <= 0xFFFF for r in read.rows)


def test_windows_2003_event_viewer_csv_without_header(tmp_path):
    """The XP/2003 Event Viewer writes no header: Date, Time, Type, Source, Category,
    Event, User, Computer, Description."""
    path = tmp_path / "sysevent.csv"
    path.write_text(
        "7/12/2017,10:16:28 AM,Error,Service Control Manager,None,7023,N/A,WIN-P4SIAA0SQCO,"
        "The Spooler service terminated with the following error: Not enough memory.\r\n"
        "7/12/2017,10:18:17 AM,Information,EventLog,None,6005,N/A,WIN-P4SIAA0SQCO,"
        "The Event log service was started.\r\n",
        encoding="cp1252",
    )
    read, warnings = _read(path)
    assert read.form == "Event Viewer CSV" and warnings == []
    assert [(r.source, r.event_id, r.level, r.time) for r in read.rows] == [
        ("Service Control Manager", 7023, "Error", "2017-07-12T10:16:28"),
        ("EventLog", 6005, "Information", "2017-07-12T10:18:17"),
    ]
    assert read.rows[1].message == "The Event log service was started."

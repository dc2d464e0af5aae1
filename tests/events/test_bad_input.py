"""Bad input: each problem is named, placed, logged and counted; the rest is read."""

from __future__ import annotations

import gzip
import json
import logging
import os
import shutil
from pathlib import Path

import pytest

from rathunt.events import ReadStats, read_file, read_paths
from rathunt.events.stats import MAX_PROBLEMS_PER_FILE

from .samples import evtx_dump_records, shape_path, write_jsonl

# The corpus's largest file: 7 chunks, 733 records.
BIG = "evtx/EVTX-ATTACK-SAMPLES/Other/rdpcorets_148_mst120_bluekeep_rpdscan_full.evtx"
HEADER, CHUNK = 0x1000, 0x10000


def _read(path: Path) -> tuple[int, ReadStats]:
    stats = ReadStats()
    return sum(1 for _ in read_file(str(path), stats)), stats


def _big(shared_data: Path) -> bytes:
    return (shared_data / BIG).read_bytes()


@pytest.mark.data
def test_truncated_evtx_counts_the_lost_chunk(
    shared_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = _big(shared_data)
    whole, _ = _read(shared_data / BIG)
    cut = tmp_path / "cut.evtx"
    cut.write_bytes(data[: HEADER + 6 * CHUNK + 0x3000])

    with caplog.at_level(logging.WARNING):
        count, stats = _read(cut)
    assert count < whole
    assert count + stats.records_skipped == whole
    [problem] = stats.problems
    assert "truncated" in str(problem) and str(cut) in str(problem)
    assert problem.where == f"byte offset {HEADER + 6 * CHUNK + 0x3000}"
    assert "truncated" in caplog.text
    assert stats.files_failed == 0


@pytest.mark.data
def test_corrupt_chunk_skips_only_its_records(shared_data: Path, tmp_path: Path) -> None:
    data = bytearray(_big(shared_data))
    start = HEADER + CHUNK + 0x400
    data[start : start + 64] = bytes(b ^ 0xFF for b in data[start : start + 64])
    flipped = tmp_path / "flipped.evtx"
    flipped.write_bytes(bytes(data))
    whole, _ = _read(shared_data / BIG)

    count, stats = _read(flipped)
    assert 0 < count < whole
    [problem] = stats.problems
    assert problem.where is not None and problem.where.startswith("records ")
    assert count + stats.records_skipped == whole


@pytest.mark.data
@pytest.mark.parametrize("chunks", [[0], [2, 3], [6]], ids=["first", "two-adjacent", "last"])
def test_chunk_with_an_unreadable_header_counts_every_record_it_held(
    shared_data: Path, tmp_path: Path, chunks: list[int]
) -> None:
    # A wiped chunk magic: the parser's error names no record ids, so the count comes from
    # the record numbers on either side of the gap.
    data = bytearray(_big(shared_data))
    for chunk in chunks:
        start = HEADER + chunk * CHUNK
        data[start : start + 8] = bytes(8)
    wiped = tmp_path / "wiped.evtx"
    wiped.write_bytes(bytes(data))
    whole, _ = _read(shared_data / BIG)

    count, stats = _read(wiped)
    assert 0 < count < whole
    assert count + stats.records_skipped == whole
    assert len(stats.problems) == len(chunks)
    assert all((p.where or "").startswith("records ") for p in stats.problems)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"   \n\n", "file is empty"),
        (b"MZ\x90\x00" + b"\x00" * 200, "not EVTX, JSON"),
        (b"ElfFile\x00" + b"\x00" * 100, "cannot read"),
        (b"ElfFile\x00\x01\x02", "cannot read"),
    ],
    ids=["empty", "blank", "not-evtx", "short-header", "cut-header"],
)
def test_unreadable_files_fail_alone(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.evtx"
    bad.write_bytes(content)
    good = write_jsonl([{"EventID": 1, "Channel": "Security"}], tmp_path / "good.jsonl")

    stats = ReadStats()
    events = list(read_paths([bad, good], stats=stats))
    assert len(events) == 1
    assert stats.files == 2 and stats.files_failed == 1
    [problem] = stats.problems
    assert message in str(problem) and str(bad) in str(problem)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_file_without_read_permission(tmp_path: Path) -> None:
    locked = write_jsonl([{"EventID": 1}], tmp_path / "locked.jsonl")
    locked.chmod(0)
    count, stats = _read(locked)
    assert count == 0 and stats.files_failed == 1
    assert "cannot read" in str(stats.problems[0])


def test_walked_non_telemetry_is_ignored_but_named_or_disguised_files_fail(
    tmp_path: Path,
) -> None:
    (tmp_path / "README.md").write_text("# notes about this collection\n")
    (tmp_path / "LICENSE.GPL").write_text("GNU GENERAL PUBLIC LICENSE\n")
    (tmp_path / "fake.evtx").write_text("this is not an event log\n")
    stats = ReadStats()
    assert list(read_paths([tmp_path], stats=stats)) == []
    assert (stats.files, stats.files_ignored, stats.files_failed) == (3, 2, 1)
    assert [Path(p.path or "").name for p in stats.problems] == ["fake.evtx"]

    named = ReadStats()
    assert list(read_paths([tmp_path / "README.md"], stats=named)) == []
    assert (named.files_ignored, named.files_failed) == (0, 1)


def test_json_that_is_not_telemetry_is_ignored_in_a_walk_and_fails_when_named(
    tmp_path: Path,
) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        '{"host": "WS-1", "channel": "Security", "record_id": 7, "stage": "c2"}\n' * 500
    )
    (tmp_path / "simulation.json").write_text('{"seed": 1, "hosts": 3}\n')
    stats = ReadStats()
    assert list(read_paths([tmp_path], stats=stats)) == []
    assert (stats.files_ignored, stats.files_failed, stats.records_skipped) == (2, 0, 0)

    named = ReadStats()
    assert list(read_paths([labels], stats=named)) == []
    assert (named.files_failed, named.records_skipped) == (1, 0)
    assert "record(s) are no event" in str(named.problems[0])


def test_a_header_line_before_the_events_costs_that_line_only(tmp_path: Path) -> None:
    good = '{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "x"}'
    for name, text in (
        ("lines.jsonl", '{"exported_by": "tool"}\n' + f"{good}\n" * 100),
        ("array.json", '[{"exported_by": "tool"}, ' + ", ".join([good] * 100) + "]"),
    ):
        path = tmp_path / name
        path.write_text(text)
        stats = ReadStats()
        assert len(list(read_paths([tmp_path / name], stats=stats))) == 100
        assert (stats.records_skipped, stats.files_failed, stats.files_ignored) == (1, 0, 0)


def test_a_bad_record_after_good_ones_is_skipped_not_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    good = '{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "x"}'
    path.write_text(f'{good}\n{{"not": "an event"}}\n{good}\n')
    stats = ReadStats()
    assert len(list(read_paths([path], stats=stats))) == 2
    assert (stats.records_skipped, stats.files_failed) == (1, 0)


def test_missing_path_is_a_failed_file(tmp_path: Path) -> None:
    stats = ReadStats()
    assert list(read_paths([tmp_path / "nope.evtx"], stats=stats)) == []
    assert stats.files_failed == 1 and "no such file" in str(stats.problems[0])


@pytest.mark.data
def test_bad_json_line_skips_that_line(shared_data: Path, tmp_path: Path) -> None:
    records = evtx_dump_records(shape_path(shared_data, "sysmon"))[:10]
    path = write_jsonl(records, tmp_path / "lines.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3][:40] + b"\n"
    path.write_bytes(b"".join(lines))

    count, stats = _read(path)
    assert count == 9 and stats.records_skipped == 1
    [problem] = stats.problems
    assert problem.where == "line 4" and "bad JSON line" in problem.message


@pytest.mark.data
def test_bad_pretty_document_is_skipped_and_reading_resumes(
    shared_data: Path, tmp_path: Path
) -> None:
    records = evtx_dump_records(shape_path(shared_data, "sysmon"))[:6]
    texts = [json.dumps(r, indent=2) for r in records]
    texts[2] = texts[2].replace('"System": {', '"System": {,', 1)
    path = tmp_path / "docs.json"
    path.write_text("\n".join(texts) + "\n")

    count, stats = _read(path)
    assert count == 5 and stats.records_skipped == 1
    [problem] = stats.problems
    start_line = 1 + sum(t.count("\n") + 1 for t in texts[:2])
    assert problem.where == f"line {start_line}"


@pytest.mark.data
def test_gzip_breaking_midway(shared_data: Path, tmp_path: Path) -> None:
    records = evtx_dump_records(shape_path(shared_data, "security_4688_5156"))
    whole = gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in records))
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(whole[: len(whole) // 2])

    count, stats = _read(broken)
    assert 0 < count < len(records)
    [problem] = stats.problems
    assert "breaks off" in problem.message and problem.where == f"after line {count}"
    assert stats.records_skipped == 1


def test_xml_with_a_dtd_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;">]><Events><Event>&lol2;</Event></Events>'
    )
    count, stats = _read(bomb)
    assert count == 0
    assert "document type declaration is refused" in str(stats.problems[0])


@pytest.mark.data
def test_xml_broken_midway_keeps_the_events_before(shared_data: Path, tmp_path: Path) -> None:
    from .samples import write_wevtutil_xml, xml_records

    xml = xml_records(shape_path(shared_data, "sysmon"))[:5]
    xml[3] = xml[3].replace("</System>", "</Sistem>", 1)
    count, stats = _read(write_wevtutil_xml(xml, tmp_path / "broken.xml"))
    assert count == 3
    assert stats.problems[0].where is not None
    assert stats.problems[0].where.startswith("element 3, line")


def test_problems_per_file_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "noise.jsonl"
    path.write_text('{"EventID": 1, "Channel": "Security"}\n' + "{broken\n" * 500)
    count, stats = _read(path)
    assert count == 1 and stats.records_skipped == 500
    assert len(stats.problems) == MAX_PROBLEMS_PER_FILE + 1
    assert "480 further problems" in str(stats.problems[-1])


@pytest.mark.data
def test_compressed_evtx_is_named(shared_data: Path, tmp_path: Path) -> None:
    packed = tmp_path / "log.evtx.gz"
    with gzip.open(packed, "wb") as out, open(shape_path(shared_data, "sysmon"), "rb") as src:
        shutil.copyfileobj(src, out)
    count, stats = _read(packed)
    assert count == 0 and stats.files_failed == 1
    assert "decompress it first" in str(stats.problems[0])


def test_a_directory_given_as_a_file(tmp_path: Path) -> None:
    count, stats = _read(tmp_path)
    assert count == 0 and stats.files_failed == 1
    assert "cannot read the file" in str(stats.problems[0])


def test_a_named_pipe_in_a_directory_fails_alone_instead_of_blocking(tmp_path: Path) -> None:
    record = {"EventID": 4688, "Channel": "Security", "TimeCreated": "2026-11-02T10:00:00Z"}
    write_jsonl([record], tmp_path / "a.jsonl")
    os.mkfifo(tmp_path / "b.jsonl")  # nobody writes to it: opening it would wait forever
    stats = ReadStats()
    assert len(list(read_paths([tmp_path], stats=stats))) == 1
    assert (stats.files, stats.files_failed) == (2, 1)
    assert "not a regular file" in str(stats.problems[0])
    assert stats.problems[0].path == str(tmp_path / "b.jsonl")


@pytest.mark.parametrize(
    "hostile",
    [
        '{"EventID": 1, "Channel": "x", "n": ' + "9" * 5000 + "}",
        '{"EventID": 1, "Channel": "x", "n": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
    ids=["huge-integer", "deep-nesting"],
)
def test_hostile_json_documents_are_bad_documents(tmp_path: Path, hostile: str) -> None:
    good = json.dumps({"EventID": 1, "Channel": "Security"}, indent=2)
    path = tmp_path / "hostile.json"
    path.write_text(good + "\n" + hostile + "\n" + good + "\n")
    count, stats = _read(path)
    assert count == 2 and stats.records_skipped == 1
    assert "unreadable value" in stats.problems[0].message


@pytest.mark.parametrize(
    "hostile",
    [
        '{"EventID": 1, "n": ' + "9" * 5000 + "}",
        '{"EventID": 1, "n": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
    ids=["huge-integer", "deep-nesting"],
)
def test_hostile_json_lines_skip_the_line(tmp_path: Path, hostile: str) -> None:
    path = tmp_path / "hostile.jsonl"
    path.write_text('{"EventID": 1}\n' + hostile + '\n{"EventID": 2}\n')
    count, stats = _read(path)
    assert count == 2 and stats.records_skipped == 1


def test_deeply_nested_xml_user_data_is_one_bad_event(tmp_path: Path) -> None:
    system = (
        "<System><Provider Name='P'/><EventID>1</EventID><EventRecordID>{n}</EventRecordID>"
        "<Channel>Application</Channel><Computer>ws1</Computer></System>"
    )
    ok = "<Event xmlns='e'>" + system.format(n=1) + "</Event>"
    deep = (
        "<Event xmlns='e'>"
        + system.format(n=2)
        + "<UserData>"
        + "<a>" * 50_000
        + "</a>" * 50_000
        + "</UserData></Event>"
    )
    path = tmp_path / "deep.xml"
    path.write_text(ok + deep + ok.replace(">1</EventRecordID>", ">3</EventRecordID>"))
    stats = ReadStats()
    events = list(read_file(path, stats))
    assert [e.record_id for e in events] == [1, 3]
    assert stats.records_skipped == 1 and stats.problems[0].where == "element 1"


def test_gzip_corrupt_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "bad.json.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 64)
    count, stats = _read(path)
    assert count == 0 and stats.files_failed == 1
    assert "gzip data is corrupt" in str(stats.problems[0])


def test_packet_capture_given_to_the_event_reader_names_the_network_extra(tmp_path: Path) -> None:
    capture = tmp_path / "c.pcap"
    capture.write_bytes(b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + bytes(16))
    stats = ReadStats()
    assert list(read_file(capture, stats)) == []
    assert stats.files_failed == 1
    assert "install the network extra" in str(stats.problems[0])

"""Format detection by content, directory walks, provenance and counts."""

from __future__ import annotations

import codecs
import json
import shutil
from pathlib import Path

import pytest

from rathunt.errors import InputError, UnknownFormatError
from rathunt.events import ReadStats, detect_format, iter_files, read_file, read_paths

from .samples import evtx_dump_records, shape_path, write_json_array, write_jsonl

SYSMON_LINE = {
    "EventID": 1,
    "Channel": "Microsoft-Windows-Sysmon/Operational",
    "Computer": "ws1",
    "EventRecordID": 1,
    "Image": "C:\\x.exe",
}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.log", b'{"EventID": 1}\n{"EventID": 2}\n', "jsonl"),
        ("a.json", b'{\n  "EventID": 1\n}\n', "json"),
        ("a.txt", b'  [{"EventID": 1}]', "json"),
        ("a.json", b"<Event xmlns='x'><System/></Event>", "xml"),
        ("a.xml", codecs.BOM_UTF16_LE + '{"EventID": 1}\n'.encode("utf-16-le"), "jsonl"),
        ("a.xml", codecs.BOM_UTF8 + b'[{"EventID": 1}]', "json"),
    ],
)
def test_format_is_told_by_content(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert detect_format(str(path)) == expected


@pytest.mark.data
def test_evtx_by_content_whatever_the_name(shared_data: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "export.json"
    shutil.copyfile(shape_path(shared_data, "sysmon"), renamed)
    assert detect_format(str(renamed)) == "evtx"


def test_gzip_is_looked_into(tmp_path: Path) -> None:
    path = write_jsonl([SYSMON_LINE], tmp_path / "x.bin", compress=True)
    assert detect_format(str(path)) == "jsonl.gz"


def test_unknown_and_empty(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"hello")
    (tmp_path / "b").write_bytes(b"")
    with pytest.raises(UnknownFormatError, match="starts with b'hello'"):
        detect_format(str(tmp_path / "a"))
    with pytest.raises(InputError, match="file is empty"):
        detect_format(str(tmp_path / "b"))


def test_utf16_json_lines_read(tmp_path: Path) -> None:
    """What PowerShell 5's `>` writes."""
    path = tmp_path / "ps.json"
    text = "\n".join(json.dumps(dict(SYSMON_LINE, EventRecordID=i)) for i in (1, 2)) + "\n"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    stats = ReadStats()
    events = list(read_file(str(path), stats))
    assert [e.record_id for e in events] == [1, 2]
    assert [e.provenance.record for e in events] == [1, 2]
    assert stats.problems == []


def test_directories_walk_in_sorted_order(tmp_path: Path) -> None:
    for relative in ["b/z.jsonl", "b/a.jsonl", "a/y.jsonl", "c.jsonl"]:
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        write_jsonl([SYSMON_LINE], target)
    files = list(iter_files([tmp_path], ReadStats()))
    assert [Path(f).relative_to(tmp_path).as_posix() for f in files] == [
        "c.jsonl",
        "a/y.jsonl",
        "b/a.jsonl",
        "b/z.jsonl",
    ]


@pytest.mark.data
def test_provenance_per_format(shared_data: Path, tmp_path: Path) -> None:
    source = shape_path(shared_data, "sysmon")
    records = evtx_dump_records(source)[:3]
    array = write_json_array(records, tmp_path / "array.json")
    lines = write_jsonl(records, tmp_path / "lines.jsonl")

    from_evtx = list(read_file(str(source), ReadStats()))[:3]
    assert [(e.provenance.kind, e.provenance.record) for e in from_evtx] == [
        ("evtx", 1),
        ("evtx", 2),
        ("evtx", 3),
    ]
    assert [e.provenance.record for e in read_file(str(array), ReadStats())] == [0, 1, 2]
    assert [e.provenance.record for e in read_file(str(lines), ReadStats())] == [1, 2, 3]
    assert str(from_evtx[0].provenance) == f"{source} (record 1)"


@pytest.mark.data
def test_counts_by_format(shared_data: Path, tmp_path: Path) -> None:
    source = shape_path(shared_data, "sysmon")
    lines = write_jsonl([SYSMON_LINE], tmp_path / "lines.jsonl.gz", compress=True)
    stats = ReadStats()
    total = sum(1 for _ in read_paths([source, lines], stats=stats))
    assert stats.files == 2 and stats.records_read == total
    assert stats.files_by_format == {"evtx": 1, "jsonl.gz": 1}
    assert stats.records_by_format["flat"] == 1
    assert stats.records_by_format["evtx"] == total - 1


def test_stats_merge() -> None:
    one, two = ReadStats(files=1, records_read=5), ReadStats(files=2, duplicates=1)
    one.count_format("evtx", 5)
    two.count_format("evtx", 3)
    one.merge(two)
    assert (one.files, one.records_read, one.duplicates) == (3, 5, 1)
    assert one.files_by_format == {"evtx": 2} and one.records_by_format == {"evtx": 8}


@pytest.mark.data
def test_read_file_in_a_worker_process(shared_data: Path) -> None:
    """read_file is a plain module-level function: a process pool can run it."""
    from concurrent.futures import ProcessPoolExecutor

    source = str(shape_path(shared_data, "sysmon"))
    with ProcessPoolExecutor(max_workers=1) as pool:
        count, stats = pool.submit(_count_in_worker, source).result()
    assert count == stats.records_read > 0


def _count_in_worker(path: str) -> tuple[int, ReadStats]:
    stats = ReadStats()
    return sum(1 for _ in read_file(path, stats)), stats


def test_stats_with_problems_cross_processes(tmp_path: Path) -> None:
    """A worker's stats come back pickled; each problem keeps its full text."""
    import pickle

    (tmp_path / "empty.json").write_bytes(b"")
    stats = ReadStats()
    list(read_file(tmp_path / "empty.json", stats))
    copy = pickle.loads(pickle.dumps(stats))
    assert [str(p) for p in copy.problems] == [str(p) for p in stats.problems]
    assert "file is empty" in str(copy.problems[0])


@pytest.mark.data
def test_gzipped_wevtutil_xml(shared_data: Path, tmp_path: Path) -> None:
    import gzip

    from .samples import write_wevtutil_xml, xml_records

    source = shape_path(shared_data, "system_7045")
    plain = write_wevtutil_xml(xml_records(source), tmp_path / "events.xml")
    packed = tmp_path / "events.xml.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert detect_format(str(packed)) == "xml.gz"
    stats = ReadStats()
    events = list(read_file(packed, stats))
    assert len(events) == sum(1 for _ in read_file(source, ReadStats()))
    assert stats.files_by_format == {"xml.gz": 1} and stats.problems == []

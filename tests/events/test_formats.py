"""Every layout of one record reads to the same normalised event.

The corpus records of each shape are written out as evtx_dump JSON (pretty documents, an
array, JSON Lines, gzip), wevtutil XML (bare and under <Events>), Winlogbeat and flat records;
each must give the EVTX file's fields. XML and Winlogbeat carry no types, so there values
compare as text; everything else compares exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rathunt.events import ReadStats, read_file
from rathunt.model import Event

from .samples import (
    SHAPES,
    as_text,
    evtx_dump_records,
    shape_path,
    to_flat,
    to_winlogbeat,
    write_json_array,
    write_json_documents,
    write_jsonl,
    write_wevtutil_xml,
    xml_records,
)

pytestmark = pytest.mark.data


def _read(path: Path) -> tuple[list[Event], ReadStats]:
    stats = ReadStats()
    events = list(read_file(str(path), stats))
    assert stats.problems == [], stats.problems
    return events, stats


def _typed_layouts(tmp: Path) -> dict[str, Callable[[list[dict[str, object]]], Path]]:
    return {
        "documents": lambda r: write_json_documents(r, tmp / "records.json"),
        "array": lambda r: write_json_array(r, tmp / "array.json"),
        "jsonl": lambda r: write_jsonl(r, tmp / "records.jsonl"),
        "jsonl.gz": lambda r: write_jsonl(r, tmp / "records.jsonl.gz", compress=True),
    }


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_evtx_json_layouts_equal_evtx(shared_data: Path, tmp_path: Path, shape: str) -> None:
    source = shape_path(shared_data, shape)
    expected, _ = _read(source)
    records = evtx_dump_records(source)

    for layout, write in _typed_layouts(tmp_path).items():
        events, stats = _read(write(records))
        assert [e.fields for e in events] == [e.fields for e in expected], layout
        assert [e.logsource for e in events] == [e.logsource for e in expected], layout
        assert [e.time for e in events] == [e.time for e in expected], layout
        assert stats.records_by_format == {"evtx-json": len(expected)}


@pytest.mark.parametrize("root", [False, True], ids=["wevtutil", "events-root"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_wevtutil_xml_equals_evtx(
    shared_data: Path, tmp_path: Path, shape: str, root: bool
) -> None:
    source = shape_path(shared_data, shape)
    expected, _ = _read(source)
    target = write_wevtutil_xml(xml_records(source), tmp_path / "events.xml", root=root)

    events, stats = _read(target)
    assert len(events) == len(expected)
    for got, want in zip(events, expected, strict=True):
        assert set(got.fields) == set(want.fields), want.provenance
        assert {k: as_text(v) for k, v in got.fields.items()} == {
            k: as_text(v) for k, v in want.fields.items()
        }, want.provenance
        assert (got.logsource, got.time) == (want.logsource, want.time)
        assert got.provenance.kind == "xml-index"
    # System numbers are typed even from XML, so rules on EventID and Level work alike.
    assert all(isinstance(e.fields["EventID"], int) for e in events)
    assert stats.records_by_format == {"xml": len(expected)}


@pytest.mark.parametrize("shape", ["sysmon", "security_4688_5156", "system_7045", "userdata_1102"])
def test_winlogbeat_equals_evtx(shared_data: Path, tmp_path: Path, shape: str) -> None:
    source = shape_path(shared_data, shape)
    expected, _ = _read(source)
    beats = [to_winlogbeat(r) for r in evtx_dump_records(source)]
    events, stats = _read(write_jsonl(beats, tmp_path / "beats.ndjson"))

    for got, want in zip(events, expected, strict=True):
        wanted = {k: as_text(v) for k, v in want.fields.items() if k not in _NOT_IN_BEATS}
        beat = {k: as_text(v) for k, v in got.fields.items() if k != "TimeCreated"}
        assert beat == wanted, want.provenance
        assert got.logsource == want.logsource
        # Winlogbeat's @timestamp keeps milliseconds only.
        assert got.time is not None and want.time is not None
        assert got.time == want.time.replace(microsecond=want.time.microsecond // 1000 * 1000)
        assert isinstance(got.fields["EventID"], int)
        assert isinstance(got.fields["EventRecordID"], int)
    assert stats.records_by_format == {"ecs": len(expected)}


# System values the Winlogbeat rewrite leaves out (Winlogbeat renders them as names, and
# @timestamp keeps milliseconds, so TimeCreated differs by design).
_NOT_IN_BEATS = {"Level", "Task", "Opcode", "Keywords", "Security_UserID", "TimeCreated"}


@pytest.mark.parametrize("shape", ["sysmon", "security_4688_5156", "ps_4104"])
def test_flat_records_equal_evtx(shared_data: Path, tmp_path: Path, shape: str) -> None:
    source = shape_path(shared_data, shape)
    expected, _ = _read(source)
    flats = [to_flat(r) for r in evtx_dump_records(source)]
    events, stats = _read(write_json_array(flats, tmp_path / "flat.json"))

    for got, want in zip(events, expected, strict=True):
        wanted = {k: v for k, v in want.fields.items() if k in got.fields}
        assert got.fields == wanted, want.provenance
        assert set(want.fields) - set(got.fields) <= _NOT_IN_FLAT
        assert (got.logsource, got.time) == (want.logsource, want.time)
        assert got.provenance.kind == "json-index"
    assert stats.records_by_format == {"flat": len(expected)}


_NOT_IN_FLAT = {
    "Version",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "ProcessID",
    "ThreadID",
    "Security_UserID",
}


@pytest.mark.parametrize("window", [257, 4096])
def test_records_across_window_edges(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    """Small text windows cut records mid-way; the readers must still give every record."""
    from rathunt.events import json_reader, xml_reader

    source = shape_path(shared_data, "security_4688_5156")
    expected, _ = _read(source)
    documents = write_json_documents(evtx_dump_records(source), tmp_path / "docs.json")
    array = write_json_array(evtx_dump_records(source), tmp_path / "array.json")
    xml = write_wevtutil_xml(xml_records(source), tmp_path / "events.xml")
    monkeypatch.setattr(json_reader, "WINDOW", window)
    monkeypatch.setattr(xml_reader, "WINDOW", window)

    for path in (documents, array):
        events, _ = _read(path)
        assert [e.fields for e in events] == [e.fields for e in expected]
    events, _ = _read(xml)
    assert [e.fields["EventRecordID"] for e in events] == [
        e.fields["EventRecordID"] for e in expected
    ]

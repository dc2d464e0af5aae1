"""Whole-corpus proofs: no record lost, and SigmaHQ's EVTX/JSON sibling samples agree."""

from __future__ import annotations

from pathlib import Path

import evtx
import pytest
import yaml

from rathunt.events import ReadStats, read_file, read_paths

pytestmark = pytest.mark.data


def test_every_corpus_file_reads_every_record(shared_data: Path) -> None:
    """Each EVTX file gives as many events as the evtx package has records, without problems."""
    files = sorted((shared_data / "evtx").rglob("*.evtx"))
    assert len(files) >= 277

    differences = []
    stats = ReadStats()
    for path in files:
        expected = sum(1 for _ in evtx.PyEvtxParser(str(path)).records_json())
        got = sum(1 for _ in read_file(str(path), stats))
        if got != expected:
            differences.append(f"{path.name}: {got} events, evtx has {expected} records")

    assert differences == []
    assert stats.problems == []
    assert stats.records_skipped == 0
    assert stats.records_read == stats.records_by_format["evtx"] >= 8255


def test_corpus_duplicates_are_true_repeats(shared_data: Path) -> None:
    """The corpus repeats a few records across files; each dropped one equals a kept one."""
    kept: dict[tuple[object, ...], dict[str, object]] = {}
    repeats = 0
    stats = ReadStats()
    for event in read_paths([shared_data / "evtx"], stats=stats, keep_duplicates=True):
        key = (event.computer, event.channel, event.record_id, event.time)
        if key in kept:
            repeats += 1
            assert kept[key] == event.fields, event.provenance
        else:
            kept[key] = event.fields

    deduplicated = ReadStats()
    count = sum(1 for _ in read_paths([shared_data / "evtx"], stats=deduplicated))
    assert deduplicated.duplicates == repeats > 0
    assert count == len(kept)


def _regression_pairs(shared_data: Path) -> list[tuple[Path, Path]]:
    pairs = []
    for info in sorted((shared_data / "sigma" / "regression_data").rglob("info.yml")):
        for test in yaml.safe_load(info.read_text()).get("regression_tests_info") or []:
            sample = shared_data / "sigma" / test["path"]
            sibling = sample.with_suffix(".json")
            if sample.suffix == ".evtx" and sibling.exists():
                pairs.append((sample, sibling))
    return pairs


def _loose(value: object) -> object:
    # SigmaHQ made its JSON siblings with trailing blanks trimmed (and one Explorer.EXE
    # spelled Explorer.exe); Sigma matching is case-insensitive, so those do not count.
    return value.strip().casefold() if isinstance(value, str) else value


def test_sigmahq_evtx_and_json_siblings_give_the_same_events(shared_data: Path) -> None:
    pairs = _regression_pairs(shared_data)
    assert len(pairs) >= 170

    differences = []
    stats = ReadStats()
    for sample, sibling in pairs:
        from_evtx = list(read_file(str(sample), stats))
        from_json = list(read_file(str(sibling), stats))
        if len(from_evtx) != len(from_json):
            differences.append(f"{sibling}: {len(from_json)} events vs {len(from_evtx)}")
            continue
        for a, b in zip(from_evtx, from_json, strict=True):
            loose_a = {k: _loose(v) for k, v in a.fields.items()}
            loose_b = {k: _loose(v) for k, v in b.fields.items()}
            if (loose_a, a.logsource, a.time) != (loose_b, b.logsource, b.time):
                differences.append(f"{sibling} ({b.provenance}): fields differ")

    assert differences == []
    assert stats.problems == []
    assert stats.records_by_format["evtx"] == stats.records_by_format["evtx-json"]

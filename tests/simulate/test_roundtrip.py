"""Every simulated shape reads back through the readers and `hunt` whole: no record skipped,
every field intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from rathunt.events import ReadStats, read_paths
from rathunt.hunt import HuntOptions, hunt
from rathunt.simulate import FORMATS, SimOptions, simulate, write_simulation

# Where normalisation keeps a Security value under another name because its Sysmon twin's
# name (with Sysmon's value) takes the original (see rathunt.events.twins).
KEPT_AS = {(5156, "Protocol"): "ProtocolNumber", (4688, "ProcessId"): "CreatorProcessId"}


def options() -> SimOptions:
    return SimOptions(
        hosts=4, days=0.4, seed="rt", intrusions=[["default"], ["lateral", "usb"]], auditing="all"
    )


def text(value: object) -> str:
    """A value as text, GUIDs bare and upper case: what all three shapes agree on."""
    if isinstance(value, bool):
        return "true" if value else "false"
    value = str(value)
    if len(value) == 38 and value.startswith("{") and value.endswith("}"):
        return value[1:-1].upper()
    return value


@pytest.fixture(scope="module")
def expected() -> dict[tuple[str, str, int], dict]:
    return {
        (e.host.name, e.channel, e.record_id): {"EventID": e.event_id, **e.data}
        for e in simulate(options())
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_record_reads_back_with_every_field(tmp_path: Path, fmt: str, expected) -> None:
    summary = write_simulation(options(), tmp_path, fmt)
    stats = ReadStats()
    seen = 0
    for event in read_paths([tmp_path / "telemetry"], stats=stats, keep_duplicates=True):
        key = (event.fields["Computer"], event.fields["Channel"], event.fields["EventRecordID"])
        want = expected[key]
        got = {name: event.fields.get(KEPT_AS.get((want["EventID"], name), name)) for name in want}
        if fmt == "evtx-jsonl":
            assert got == want, key
        else:
            assert {k: text(v) for k, v in got.items()} == {k: text(v) for k, v in want.items()}
        assert event.time is not None and event.logsource.product == "windows"
        seen += 1
    assert stats.records_skipped == 0 and not stats.problems
    assert seen == stats.records_read == summary.events == len(expected)


@pytest.mark.parametrize("fmt", FORMATS)
def test_hunt_reads_every_record(tmp_path: Path, fmt: str) -> None:
    summary = write_simulation(options(), tmp_path, fmt)
    result = hunt([tmp_path / "telemetry"], HuntOptions(packs=["njrat"]))
    assert result.counts.records_read == summary.events
    assert result.counts.records_skipped == 0 and result.counts.files_failed == 0
    assert result.findings, "the njrat pack finds the intrusion in every shape"

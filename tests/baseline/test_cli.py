"""`rathunt baseline learn` and `show` on telemetry files, as a user runs them."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from rathunt.cli import main

from .fleet import history


def write_jsonl(path: Path, hosts: int, days: int, first_day: int = 0) -> Path:
    with path.open("wb") as out:
        for event in history(hosts, days, first_day=first_day):
            assert event.time is not None
            record = {**event.fields, "TimeCreated": event.time.isoformat().replace("+00:00", "Z")}
            out.write(orjson.dumps(record) + b"\n")
    return path


@pytest.fixture(scope="module")
def telemetry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("logs") / "history.jsonl", 2, 8)


def test_learn_then_show(telemetry: Path, tmp_path: Path) -> None:
    out = tmp_path / "fleet.duckdb"
    runner = CliRunner()
    learned = runner.invoke(main, ["baseline", "learn", str(telemetry), "--out", str(out)])
    assert learned.exit_code == 0, learned.output
    assert (
        f"{out}: run 1, window 2026-03-02 to 2026-03-09, 1952 of 1952 events learned on "
        "16 host-days" in learned.output
    )
    assert "read 1 files, 1952 records, 0 skipped" in learned.output

    shown = runner.invoke(main, ["baseline", "show", str(out), "--top", "2"])
    assert shown.exit_code == 0, shown.output
    assert "2 hosts, 8 days (2026-03-02 to 2026-03-09), 1952 events, 1 learn runs" in shown.output
    assert "process_pair (process_pairs): 4 keys" in shown.output
    assert "[score]" in shown.output and "min_host_days = " in shown.output


def test_show_as_json(telemetry: Path, tmp_path: Path) -> None:
    out = tmp_path / "fleet.duckdb"
    runner = CliRunner()
    runner.invoke(main, ["baseline", "learn", str(telemetry), "-o", str(out), "--days", "3"])
    shown = runner.invoke(main, ["baseline", "show", str(out), "--json"])
    data = orjson.loads(shown.output)
    assert (data["hosts"], data["days"], data["first_day"]) == (2, 3, "2026-03-07")
    assert [p["name"] for p in data["profiles"]] == [
        "process_pair",
        "lolbin_shape",
        "network",
        "dns",
        "autorun",
    ]
    assert data["runs"][0]["events_outside_window"] == 5 * 2 * 122


def test_learning_again_extends_and_reports_overlap(telemetry: Path, tmp_path: Path) -> None:
    out = tmp_path / "fleet.duckdb"
    runner = CliRunner()
    runner.invoke(main, ["baseline", "learn", str(telemetry), "-o", str(out)])
    again = runner.invoke(main, ["baseline", "learn", str(telemetry), "-o", str(out)])
    assert again.exit_code == 3
    assert "1952 events left out on host-days learned before" in again.output
    later = write_jsonl(tmp_path / "later.jsonl", 2, 1, first_day=8)
    extended = runner.invoke(main, ["baseline", "learn", str(later), "-o", str(out)])
    assert extended.exit_code == 0
    assert "run 3, window 2026-03-10 to 2026-03-10, 244 of 244 events" in extended.output


def test_usage_errors(tmp_path: Path, telemetry: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["baseline", "learn", str(tmp_path / "nope"), "-o", "x.duckdb"])
    assert missing.exit_code == 2
    assert "no such path" in missing.output
    contradictory = runner.invoke(
        main,
        [
            "baseline",
            "learn",
            str(telemetry),
            "-o",
            str(tmp_path / "b.duckdb"),
            "--days",
            "2",
            "--start",
            "2026-03-01",
            "--end",
            "2026-03-05",
        ],
    )
    assert contradictory.exit_code == 2
    assert "not all" in contradictory.output
    backwards = runner.invoke(
        main,
        [
            "baseline",
            "learn",
            str(telemetry),
            "-o",
            str(tmp_path / "b.duckdb"),
            "--start",
            "2026-03-05",
            "--end",
            "2026-03-01",
        ],
    )
    assert backwards.exit_code == 2
    assert "is after --end" in backwards.output
    zero = runner.invoke(
        main, ["baseline", "learn", str(telemetry), "-o", "x.duckdb", "--days", "0"]
    )
    assert zero.exit_code == 2
    absent = runner.invoke(main, ["baseline", "show", str(tmp_path / "none.duckdb")])
    assert absent.exit_code == 3
    assert "no baseline file here" in absent.output


def test_event_text_is_shown_as_data_not_markup(tmp_path: Path) -> None:
    from rathunt.baseline import learn

    from .fleet import START, Recorder, process

    rec = Recorder()
    hostile = "C:\\[b]x[/b].exe"
    events = [process(rec, "ws01", START, "C:\\Windows\\explorer.exe", hostile, "x", "corp\\x")]
    out = tmp_path / "b.duckdb"
    learn(events, out)
    shown = CliRunner().invoke(main, ["baseline", "show", str(out)])
    assert "c:\\[b]x[/b].exe" in shown.output


def test_escape_sequences_in_event_text_do_not_reach_the_terminal(tmp_path: Path) -> None:
    from rathunt.baseline import learn

    from .fleet import START, Recorder, process

    rec = Recorder()
    hostile = "C:\\evil\x1b]0;title\x07\x1b[2J\x1b[31mred.exe"
    events = [process(rec, "ws01", START, "C:\\Windows\\explorer.exe", hostile, "x", "corp\\x")]
    out = tmp_path / "b.duckdb"
    learn(events, out)
    shown = CliRunner().invoke(main, ["baseline", "show", str(out)])
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output
    assert "c:\\evilred.exe" in shown.output

"""The hunt end to end: files in, findings, counts and incidents out, as the CLI gets them."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from rathunt.cli import main
from rathunt.hunt import HuntOptions, hunt

VARIANTS = Path(__file__).parent / "packs" / "variants"
DEFAULT = VARIANTS / "default_temp_server_exe.jsonl"


def _keys(result: object) -> list[tuple[str, str | None, int]]:
    return [(f.rule_id, f.computer, f.provenance.record) for f in result.findings]  # type: ignore[attr-defined]


def test_default_njrat_install_is_found_with_attack_names_and_provenance() -> None:
    result = hunt([DEFAULT], HuntOptions(packs=["njrat"]))
    assert result.counts.records_read == sum(1 for _ in DEFAULT.open())
    assert result.counts.records_skipped == 0 and result.counts.files_failed == 0
    titles = {f.rule_title for f in result.findings}
    assert any("netsh" in t.lower() or "firewall" in t.lower() for t in titles), titles
    assert any("run" in t.lower() for t in titles), titles
    for finding in result.findings:
        assert finding.provenance.path == str(DEFAULT)
        assert finding.provenance.kind == "jsonl-line"
        assert finding.tactics and finding.techniques
        assert finding.matched
    tactics = {t.shortname for f in result.findings for t in f.tactics}
    assert {"persistence", "defense-evasion"} <= tactics


def test_seed_pack_misses_the_renamed_install() -> None:
    result = hunt([DEFAULT], HuntOptions(packs=["seed"]))
    assert result.findings == []
    assert result.counts.rules_loaded == 7


def test_worker_processes_give_the_same_answer(tmp_path: Path) -> None:
    for variant in sorted(VARIANTS.glob("*.jsonl")):
        shutil.copy(variant, tmp_path / variant.name)
    one = hunt([tmp_path], HuntOptions(packs=["njrat"], workers=1))
    two = hunt([tmp_path], HuntOptions(packs=["njrat"], workers=2))
    assert one.findings and _keys(one) == _keys(two)
    # Whole findings, correlations among them (workers send most events back as heads only).
    assert any(f.extra.get("correlation") for f in one.findings)
    assert one.findings == two.findings
    assert one.incidents == two.incidents
    assert one.counts == two.counts


def test_overlapping_collections_count_once_unless_kept(tmp_path: Path) -> None:
    shutil.copy(DEFAULT, tmp_path / "a.jsonl")
    shutil.copy(DEFAULT, tmp_path / "b.jsonl")
    lines = sum(1 for _ in DEFAULT.open())

    once = hunt([tmp_path], HuntOptions(packs=["njrat"], workers=2))
    assert once.counts.records_read == 2 * lines
    assert once.counts.duplicates == lines
    assert {f.provenance.path for f in once.findings} == {str(tmp_path / "a.jsonl")}

    kept = hunt([tmp_path], HuntOptions(packs=["njrat"], keep_duplicates=True))
    assert kept.counts.duplicates == 0

    def base_hits(result: object) -> int:
        # A correlation fires once per window, however often its events repeat.
        findings = result.findings  # type: ignore[attr-defined]
        return sum(f.count for f in findings if "correlation" not in f.extra)

    assert base_hits(kept) == 2 * base_hits(once) > 0


def test_min_level_drops_lower_findings() -> None:
    every = hunt([VARIANTS], HuntOptions(packs=["njrat"]))
    high = hunt([VARIANTS], HuntOptions(packs=["njrat"], min_level="high"))
    assert {f.level for f in high.findings} <= {"high", "critical"}
    assert len(high.findings) < len(every.findings)


def test_cli_hunt_writes_outputs_and_exit_codes(tmp_path: Path) -> None:
    out, html = tmp_path / "findings.jsonl", tmp_path / "report.html"
    runner = CliRunner()
    done = runner.invoke(
        main,
        [
            "hunt",
            str(DEFAULT),
            "--pack",
            "njrat",
            "-o",
            str(out),
            "--html",
            str(html),
            "--fail-level",
            "high",
        ],
    )
    assert done.exit_code == 1, done.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and [r["time"] for r in rows] == sorted(r["time"] for r in rows)
    assert "<html" in html.read_text().lower()
    assert "Findings by level" in done.output

    quiet = runner.invoke(main, ["hunt", str(DEFAULT), "--pack", "njrat", "-q"])
    assert quiet.exit_code == 0 and quiet.output == ""

    missing = runner.invoke(main, ["hunt", str(tmp_path / "nope.evtx")])
    assert missing.exit_code == 2 and "no such file" in missing.output

    (tmp_path / "junk.evtx").write_bytes(b"MZ\x90\x00 not an event log")
    junk = runner.invoke(main, ["hunt", str(tmp_path / "junk.evtx"), "--pack", "njrat"])
    assert junk.exit_code == 3
    assert "junk.evtx" in junk.output


def test_a_hunt_with_no_usable_rule_is_no_all_clear(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text("title: x\ndetection: [unclosed\n", encoding="utf-8")
    runner = CliRunner()
    for rules in (tmp_path / "broken.yml", tmp_path / "no-such-rules"):
        done = runner.invoke(main, ["hunt", str(DEFAULT), "--rules", str(rules)])
        assert done.exit_code == 3, done.output
        assert str(rules) in done.output


def test_unknown_pack_is_one_clear_line() -> None:
    done = CliRunner().invoke(main, ["hunt", str(DEFAULT), "--pack", "nosuch"])
    assert done.exit_code == 3
    assert "no rule pack named 'nosuch'" in done.output and "available packs" in done.output


@pytest.mark.data
def test_shared_corpus_reads_every_record(shared_data: Path) -> None:
    result = hunt([shared_data / "evtx"], HuntOptions(packs=["njrat"], workers=2))
    assert result.counts.records_read == 8255
    assert result.counts.records_skipped == 0 and result.counts.files_failed == 0
    assert result.counts.files_ignored == 1  # the licence file beside the samples


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A week of benign history on four hosts, learned; then a day with one intrusion."""
    root = tmp_path_factory.mktemp("baseline")
    runner = CliRunner()
    for args in (
        ["--days", "7", "--benign-only", "-o", str(root / "history")],
        ["--days", "1", "--start", "2026-11-09T00:00Z", "-o", str(root / "day")],
    ):
        done = runner.invoke(main, ["simulate", "njrat", "--hosts", "4", "--seed", "1", *args])
        assert done.exit_code == 0, done.output
    fleet = root / "fleet.duckdb"
    done = runner.invoke(
        main, ["baseline", "learn", str(root / "history" / "telemetry"), "--out", str(fleet)]
    )
    assert done.exit_code == 0, done.output
    return fleet, root / "day" / "telemetry", root / "day" / "labels.jsonl"


def test_baseline_departures_join_the_hunt(learned: tuple[Path, Path, Path]) -> None:
    fleet, day, labels = learned
    infected = {json.loads(line)["host"] for line in labels.read_text().splitlines()}
    result = hunt([day], HuntOptions(packs=["njrat"], baseline=fleet, workers=2))
    departures = [f for f in result.findings if f.logsource == "baseline"]
    assert departures, "the intrusion's new shapes should depart from the baseline"
    assert {f.computer for f in departures} <= infected
    assert {f.rule_id for f in departures} >= {"baseline.process_pair", "baseline.autorun"}
    same = hunt([day], HuntOptions(packs=["njrat"], baseline=fleet, workers=1))
    assert _keys(same) == _keys(result)


@pytest.mark.data
def test_wire_session_joins_the_host_that_had_the_address(
    shared_data: Path, tmp_path: Path
) -> None:
    """The real capture's njRAT session is put on the host whose Sysmon 3 shows the victim
    address at that time, and lands in that host's incident beside its host findings."""
    pack_events = Path(__file__).parents[1] / "src/rathunt/packs/njrat/tests"
    template = json.loads(
        (pack_events / "net_connection_win_user_writable_image_njrat_port/positive.jsonl")
        .read_text()
        .splitlines()[0]
    )
    system, data = template["Event"]["System"], template["Event"]["EventData"]
    system["Computer"] = data["SourceHostname"] = "USER-PC"
    system["TimeCreated"]["#attributes"]["SystemTime"] = "2023-04-19T16:20:16.000000Z"
    data["UtcTime"] = "2023-04-19 16:20:16.000"
    data["SourceIp"], data["DestinationIp"] = "192.168.100.204", "3.126.224.214"
    data["DestinationPort"] = 15145
    (tmp_path / "sysmon.jsonl").write_text(json.dumps(template) + "\n")

    result = hunt(
        [shared_data / "pcap" / "njrat-zeek-detector.pcap", tmp_path / "sysmon.jsonl"],
        HuntOptions(packs=["njrat"]),
    )
    wire = [f for f in result.findings if f.rule_id.startswith("rathunt.network.njrat")]
    assert len(wire) == 1
    assert wire[0].computer == "USER-PC"
    assert wire[0].matched["host_address"] == "192.168.100.204"
    (incident,) = [i for i in result.incidents if i.computer == "USER-PC"]
    evidence = {f.rule_id for _, findings in incident.stages for f in findings}
    assert wire[0].rule_id in evidence and len(evidence) >= 2


def test_correlation_lateness_gives_the_exact_answer_on_time_ordered_input() -> None:
    demo = Path(__file__).parents[1] / "examples" / "njrat-demo" / "telemetry"
    exact = hunt([demo], HuntOptions(packs=["njrat"]))
    bounded = hunt([demo], HuntOptions(packs=["njrat"], correlation_lateness=timedelta(minutes=10)))
    correlated = [f for f in exact.findings if "correlation" in f.extra]
    assert correlated, "the demo intrusion should raise correlation findings"
    assert _keys(bounded) == _keys(exact)


def test_a_rule_rejected_at_compile_time_is_named_in_the_problems(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rule = tmp_path / "missing_filter.yml"
    rule.write_text(
        "title: Condition Names a Missing Selection\n"
        "id: 0b6a5f9e-3c1d-4e7a-9f2b-8d4c6e1a2b3c\n"
        "logsource: {category: process_creation, product: windows}\n"
        "detection:\n"
        "  selection:\n"
        "    Image|endswith: '\\\\whoami.exe'\n"
        "  condition: selection and not filter\n"
        "level: high\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="rathunt.hunt"):
        result = hunt([DEFAULT], HuntOptions(rules=[rule]))
    assert result.counts.rules_rejected == 1
    [problem] = [p for p in result.counts.problems if "rejected" in p]
    assert str(rule) in problem and "0b6a5f9e-3c1d-4e7a-9f2b-8d4c6e1a2b3c" in problem
    assert "'filter' not defined" in problem
    assert problem in caplog.messages  # logged too, as the summary lists only the first few


def test_hunting_a_whole_simulation_folder_skips_nothing(tmp_path: Path) -> None:
    runner = CliRunner()
    for name, extra in (("attack", []), ("benign", ["--benign-only"])):
        args = ["simulate", "njrat", "--hosts", "2", "--days", "0.2", "-o", str(tmp_path / name)]
        done = runner.invoke(main, [*args, *extra])
        assert done.exit_code == 0, done.output
    assert not (tmp_path / "benign" / "labels.jsonl").exists()
    result = hunt([tmp_path], HuntOptions(packs=["njrat"]))
    # labels.jsonl and the two simulation.json manifests are not telemetry.
    assert (result.counts.files_failed, result.counts.records_skipped) == (0, 0)
    assert result.counts.files_ignored == 3


def _scripted_hunt(tmp_path: Path, body: str) -> str:
    """Run a script calling `hunt` on an input of two chunks (513 files); its stderr."""
    import subprocess
    import sys

    data = tmp_path / "data"
    data.mkdir()
    line = DEFAULT.read_text().splitlines()[0]
    for n in range(513):
        (data / f"{n:03}.jsonl").write_text(line + "\n")
    script = tmp_path / "script.py"
    script.write_text(
        "from rathunt.hunt import HuntOptions, hunt\n" + body.replace("DATA", repr(str(data)))
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "records 513" in done.stdout
    return done.stderr


def test_script_without_a_main_guard_runs_in_one_process_and_says_why(tmp_path: Path) -> None:
    """Workers import the main script; unguarded, each would run the hunt again and the pool
    would restart them for ever. The hunt sees that and runs in this process instead."""
    stderr = _scripted_hunt(
        tmp_path,
        "result = hunt([DATA], HuntOptions(packs=['njrat']))\n"
        "print('records', result.counts.records_read)\n",
    )
    assert 'put the call under `if __name__ == "__main__":`' in stderr
    assert "bootstrapping phase" not in stderr


def test_script_with_a_main_guard_uses_workers(tmp_path: Path) -> None:
    stderr = _scripted_hunt(
        tmp_path,
        "if __name__ == '__main__':\n"
        "    result = hunt([DATA], HuntOptions(packs=['njrat']))\n"
        "    print('records', result.counts.records_read)\n",
    )
    assert "runs in one process" not in stderr


def test_ctrl_c_to_the_whole_process_group_stops_a_hunt_with_workers(tmp_path: Path) -> None:
    """Ctrl-C reaches the workers too; they must leave it to the parent, which stops them.
    (A worker that died of it mid-chunk used to leave the parent waiting for ever.)"""
    import subprocess
    import sys

    data = tmp_path / "data"
    data.mkdir()
    line = DEFAULT.read_text().splitlines()[0]
    for n in range(4 * 513):
        (data / f"{n:04}.jsonl").write_text(line + "\n")
    script = tmp_path / "script.py"
    script.write_text(
        "import os, signal, sys\n"
        "from rathunt.hunt import HuntOptions, hunt\n"
        "def progress(records):\n"
        "    os.killpg(os.getpgrp(), signal.SIGINT)  # as a terminal's Ctrl-C does\n"
        "if __name__ == '__main__':\n"
        "    try:\n"
        f"        hunt([{str(data)!r}], HuntOptions(packs=['njrat'], progress=progress))\n"
        "    except KeyboardInterrupt:\n"
        "        print('interrupted')\n"
        "        sys.exit(130)\n"
        "    print('finished')\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        start_new_session=True,
    )
    assert (done.returncode, done.stdout.strip()) == (130, "interrupted"), done.stderr[-2000:]
    assert "Traceback" not in done.stderr


def test_hunt_with_no_loadable_rule_stops_before_reading(tmp_path: Path) -> None:
    shutil.copy(DEFAULT, tmp_path / "a.jsonl")
    result = CliRunner().invoke(
        main, ["hunt", str(tmp_path), "--rules", str(tmp_path / "missing"), "-q"]
    )
    assert result.exit_code == 3
    assert "no rule could be loaded" in result.output
    assert "missing: no such file or directory" in result.output

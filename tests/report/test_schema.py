"""Exported findings and incidents validate against the shipped JSON Schemas."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from report_samples import make_finding, njrat_findings, njrat_incident

from rathunt.model import Finding, Incident, Provenance
from rathunt.report import write_findings, write_incidents
from rathunt.schemas import load_schema

EVTX_SAMPLES = (
    "AutomatedTestingTools/Malware/sideloading_injection_persistence_run_key.evtx",
    "Defense Evasion/de_portforward_netsh_rdp_sysmon_13_1.evtx",
)


def validator(name: str) -> Draft202012Validator:
    """A validator that resolves the incident schema's reference to the finding schema."""
    schemas = [load_schema("finding"), load_schema("incident")]
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def errors_in(path: Path, name: str) -> list[str]:
    """Every schema violation in a JSONL file, each naming its line, in one list."""
    check = validator(name)
    found = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        for error in check.iter_errors(json.loads(line)):
            found.append(f"line {number}: {error.json_path}: {error.message}")
    return found


def test_exported_findings_validate(tmp_path: Path, findings: list[Finding]) -> None:
    odd = make_finding(
        time=None,
        computer=None,
        channel=None,
        event_id=None,
        record_id=None,
        matched={"Data": ["a", 1, None], "Blob": b"MZ"},
        extra={"score": 0.7},
    )
    out = tmp_path / "findings.jsonl"
    write_findings(out, [*findings, odd])
    assert errors_in(out, "finding") == []


def test_exported_incidents_validate(tmp_path: Path, incident: Incident) -> None:
    out = tmp_path / "incidents.jsonl"
    write_incidents(out, [incident])
    assert errors_in(out, "incident") == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time", "2026-03-14 09:26:53", "is not valid under any of the given schemas"),
        ("level", "severe", "is not one of"),
        ("count", 0, "less than the minimum"),
        ("surprise", 1, "Additional properties are not allowed"),
    ],
)
def test_the_schema_rejects_a_wrong_layout(
    tmp_path: Path, findings: list[Finding], field: str, value: object, message: str
) -> None:
    out = tmp_path / "findings.jsonl"
    write_findings(out, findings[:1])
    record = json.loads(out.read_text("utf-8"))
    record[field] = value
    out.write_text(json.dumps(record) + "\n", "utf-8")
    assert any(message in error for error in errors_in(out, "finding"))


def test_an_incident_with_a_broken_finding_is_rejected(tmp_path: Path) -> None:
    incident = njrat_incident(njrat_findings())
    out = tmp_path / "incidents.jsonl"
    write_incidents(out, [incident])
    record = json.loads(out.read_text("utf-8"))
    del record["stages"][0]["findings"][0]["provenance"]
    out.write_text(json.dumps(record) + "\n", "utf-8")
    assert any("'provenance' is a required property" in e for e in errors_in(out, "incident"))


@pytest.mark.data
def test_findings_from_real_evtx_records_validate(shared_data: Path, tmp_path: Path) -> None:
    """Every record of real Sysmon samples, as a finding whose matched fields are its EventData."""
    from evtx import PyEvtxParser

    findings = []
    for name in EVTX_SAMPLES:
        path = shared_data / "evtx" / "EVTX-ATTACK-SAMPLES" / name
        for record in PyEvtxParser(str(path)).records_json():
            assert record is not None
            event = json.loads(record["data"])["Event"]
            system = event["System"]
            stamp = system["TimeCreated"]["#attributes"]["SystemTime"]
            findings.append(
                make_finding(
                    time=datetime.fromisoformat(stamp.replace("Z", "+00:00")),
                    computer=system["Computer"],
                    channel=system["Channel"],
                    event_id=system["EventID"],
                    record_id=system["EventRecordID"],
                    matched=event.get("EventData") or event.get("UserData") or {},
                    provenance=Provenance(str(path), record["event_record_id"], "evtx"),
                )
            )
    assert len(findings) > 5

    out = tmp_path / "findings.jsonl"
    write_findings(out, findings, memory_limit=4, spill_dir=tmp_path)
    assert errors_in(out, "finding") == []
    times = [json.loads(line)["time"] for line in out.read_text("utf-8").splitlines()]
    assert times == sorted(times)

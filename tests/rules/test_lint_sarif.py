"""SARIF 2.1.0 output, checked against the structure the specification requires."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from rathunt.cli import main
from rathunt.rules.lint import lint_paths, to_sarif

SEED = Path(__file__).resolve().parents[2] / "src" / "rathunt" / "packs" / "seed"

# The parts of the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) rathunt emits: required
# properties, the level enumeration, 1-based regions and relative artifact URIs.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "format": "uri"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "uniqueItems": True,
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "shortDescription": {
                                                    "type": "object",
                                                    "required": ["text"],
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {
                                    "type": "object",
                                    "required": ["text"],
                                    "properties": {"text": {"type": "string", "minLength": 1}},
                                },
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation"],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                        "properties": {
                                                            "uri": {
                                                                "type": "string",
                                                                "pattern": "^[^\\\\]+$",
                                                            }
                                                        },
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "properties": {
                                                            "startLine": {
                                                                "type": "integer",
                                                                "minimum": 1,
                                                            }
                                                        },
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_sarif_has_the_required_structure_and_consistent_rule_indexes() -> None:
    report = lint_paths([SEED])
    sarif = to_sarif(report, base=SEED.parent)
    jsonschema.validate(sarif, SARIF_SUBSET)

    [run] = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(report.findings)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_locates_a_placeholder_id_by_relative_uri_and_line() -> None:
    sarif = to_sarif(lint_paths([SEED], sigmahq=False), base=SEED.parent)
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "placeholder-id"]
    first = next(r for r in results if r["properties"]["sigmaRuleId"].startswith("12345678"))
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "seed/1-process-creation.yml"
    assert location["region"]["startLine"] == 2
    assert first["level"] == "error"


def test_cli_writes_sarif_json() -> None:
    result = CliRunner().invoke(main, ["-q", "rules", "lint", "-f", "sarif", str(SEED)])
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    jsonschema.validate(sarif, SARIF_SUBSET)

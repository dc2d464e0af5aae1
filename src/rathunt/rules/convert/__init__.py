"""Conversion of Sigma rules to SIEM query languages through pySigma backends.

report = convert_rules(ruleset.rules, get_target("splunk-sysmon"))
for result in report.results: result.status, result.queries, result.error
text = package(report)          # savedsearches.conf, Elastic NDJSON or Sentinel YAML
"""

from rathunt.rules.convert.converter import (
    ConversionReport,
    ConversionResult,
    convert_rules,
    successful_queries,
)
from rathunt.rules.convert.package import package
from rathunt.rules.convert.targets import EXTRA_HINT, TARGETS, Target, get_target

__all__ = [
    "EXTRA_HINT",
    "TARGETS",
    "ConversionReport",
    "ConversionResult",
    "Target",
    "convert_rules",
    "get_target",
    "package",
    "successful_queries",
]

"""The conversion targets: which pySigma backend, which pipelines, which packaged format.

A target is data. Each names the backend class and the processing pipelines by import path,
so a missing optional package shows up as "not installed" in `rathunt rules targets` instead
of breaking the import of rathunt. Adding a target means adding one `Target` to `TARGETS`.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

from sigma.conversion.base import Backend
from sigma.processing.pipeline import ProcessingPipeline

from rathunt.errors import ConfigError, ConversionError

log = logging.getLogger(__name__)

EXTRA_HINT = "install the conversion backends with: pip install 'rathunt[convert]'"

# Generic Windows log-source categories each Windows target maps to a concrete event source.
# Rules in other categories would convert to a query without any log-source restriction, which
# matches far more than the rule means, so the converter fails them instead.
SYSMON_CATEGORIES = frozenset(
    {
        "process_creation", "file_change", "network_connection", "sysmon_status",
        "process_termination", "driver_load", "image_load", "create_remote_thread",
        "raw_access_thread", "process_access", "file_event", "registry_add", "registry_delete",
        "registry_set", "registry_rename", "registry_event", "create_stream_hash",
        "pipe_created", "wmi_event", "dns_query", "file_delete", "clipboard_capture",
        "process_tampering", "file_delete_detected", "file_block_executable",
        "file_block_shredding", "file_executable_detected", "sysmon_error",
    }
)  # fmt: skip
POWERSHELL_CATEGORIES = frozenset(
    {"ps_module", "ps_script", "ps_classic_start", "ps_classic_provider_start", "ps_classic_script"}
)
AUDIT_CATEGORIES = frozenset({"process_creation", "registry_event", "registry_set", "registry_add"})


@dataclass(frozen=True, slots=True)
class Target:
    """One query language on one schema, as a pySigma backend plus pipelines.

    `backend` and `pipelines` are "module:attribute" paths; `backend_options` go to the
    backend's constructor. `categories`, when set, are the only Windows log-source categories
    the pipelines map; `package` names the deployable format (see `rathunt.rules.convert.package`).
    """

    name: str
    language: str
    schema: str
    backend: str
    distribution: str
    pipelines: tuple[str, ...] = ()
    backend_options: dict[str, Any] = field(default_factory=dict)
    output_format: str = "default"
    correlation_method: str | None = None
    categories: frozenset[str] | None = None
    package: str | None = None

    def is_installed(self) -> bool:
        """True when the backend and every pipeline import cleanly."""
        try:
            _resolve(self.backend)
            for path in self.pipelines:
                _resolve(path)
        except ConversionError:
            return False
        return True

    def supports_correlation(self) -> bool:
        """True when the backend converts Sigma correlation rules at all."""
        try:
            backend_class = _resolve(self.backend)
        except ConversionError:
            return False
        return bool(getattr(backend_class, "correlation_methods", None))

    def make_backend(self) -> Backend:
        """A fresh backend with this target's pipelines, ready to convert."""
        backend_class = _resolve(self.backend)
        pipeline = self.make_pipeline()
        backend: Backend = backend_class(processing_pipeline=pipeline, **self.backend_options)
        backend.init_processing_pipeline(self.output_format)
        return backend

    def make_pipeline(self) -> ProcessingPipeline | None:
        pipeline: ProcessingPipeline | None = None
        for path in self.pipelines:
            part = _resolve(path)()
            pipeline = part if pipeline is None else pipeline + part
        return pipeline


def _resolve(path: str) -> Any:
    """Import "module:attribute"; a missing module becomes a ConversionError naming the extra."""
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ConversionError(
            f"backend module {module_name} is not installed ({err})", hint=EXTRA_HINT
        ) from err
    try:
        return getattr(module, attribute)
    except AttributeError as err:
        raise ConversionError(
            f"{module_name} has no {attribute}; the installed version does not fit rathunt",
            hint=EXTRA_HINT,
        ) from err


_SPLUNK = "sigma.backends.splunk:SplunkBackend"
_KUSTO = "sigma.backends.kusto:KustoBackend"
_SYSMON = "sigma.pipelines.sysmon:sysmon_pipeline"
_AUDIT = "sigma.pipelines.windows:windows_audit_pipeline"
_SPLUNK_WINDOWS = "sigma.pipelines.splunk:splunk_windows_pipeline"
_POWERSHELL = "rathunt.rules.convert.targets:powershell_pipeline"
_ECS = "sigma.pipelines.elasticsearch.windows:ecs_windows"

TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target(
            "splunk-sysmon", "SPL", "Sysmon field names, WinEventLog sources", _SPLUNK,
            "pysigma-backend-splunk", (_SYSMON, _POWERSHELL, _SPLUNK_WINDOWS),
            correlation_method="stats", categories=SYSMON_CATEGORIES | POWERSHELL_CATEGORIES,
            package="savedsearches",
        ),
        Target(
            "splunk-windows", "SPL", "Windows Security audit field names (4688, 4657)",
            _SPLUNK, "pysigma-backend-splunk", (_AUDIT, _POWERSHELL, _SPLUNK_WINDOWS),
            correlation_method="stats", categories=AUDIT_CATEGORIES | POWERSHELL_CATEGORIES,
            package="savedsearches",
        ),
        Target(
            "kql-defender", "KQL", "Microsoft Defender XDR advanced hunting tables", _KUSTO,
            "pysigma-backend-kusto", ("sigma.pipelines.microsoftxdr:microsoft_xdr_pipeline",),
            package="sentinel",
        ),
        Target(
            "kql-sentinel", "KQL", "Microsoft Sentinel ASIM parsers", _KUSTO,
            "pysigma-backend-kusto", ("sigma.pipelines.sentinelasim:sentinel_asim_pipeline",),
            package="sentinel",
        ),
        Target(
            "elastic-lucene", "Lucene", "Elastic Common Schema (Winlogbeat 7+)",
            "sigma.backends.elasticsearch:LuceneBackend", "pysigma-backend-elasticsearch",
            (_ECS,), package="elastic",
        ),
        Target(
            "elastic-eql", "EQL", "Elastic Common Schema (Winlogbeat 7+)",
            "sigma.backends.elasticsearch:EqlBackend", "pysigma-backend-elasticsearch",
            (_ECS,), correlation_method="sequence", package="elastic",
        ),
        Target(
            "elastic-esql", "ES|QL", "Elastic Common Schema (Winlogbeat 7+)",
            "sigma.backends.elasticsearch:ESQLBackend", "pysigma-backend-elasticsearch",
            (_ECS,), correlation_method="stats", package="elastic",
        ),
        Target(
            "spark-sql", "Spark SQL", "Sigma field names, one column per field (Databricks)",
            "rathunt.rules.convert.spark_backend:SigmaSparkBackend", "pysigma-backend-databricks",
        ),
        Target(
            "duckdb", "DuckDB SQL", "Sigma field names, one column per field (table logs)",
            "rathunt.rules.convert.duckdb_sql:SigmaDuckDBBackend", "pysigma-backend-duckdb",
            correlation_method="default",
        ),
    )
}  # fmt: skip


def powershell_pipeline() -> ProcessingPipeline:
    """PowerShell categories to their channel's service and event id, for the Splunk targets.

    pySigma's Windows log-source pipeline does this too, but also adds a `Channel` condition
    that Splunk's WinEventLog events do not carry under that name; the service alone lets the
    Splunk pipeline add the right `source`.
    """
    from sigma.pipelines.windows.windows import windows_generic_category_channel_mapping
    from sigma.processing.conditions import LogsourceCondition
    from sigma.processing.pipeline import ProcessingItem
    from sigma.processing.transformations import (
        AddConditionTransformation,
        ChangeLogsourceTransformation,
    )

    items = []
    for category, info in windows_generic_category_channel_mapping.items():
        service = str(info["service"])
        event_id = int(str(info["EventID"]))
        # A condition object belongs to one item, so each item gets its own.
        items += [
            ProcessingItem(
                AddConditionTransformation({"EventID": event_id}),
                identifier=f"rathunt_{category}_eventid",
                rule_conditions=[LogsourceCondition(category=category, product="windows")],
            ),
            ProcessingItem(
                ChangeLogsourceTransformation(
                    category=category, product="windows", service=service
                ),
                identifier=f"rathunt_{category}_service",
                rule_conditions=[LogsourceCondition(category=category, product="windows")],
            ),
        ]
    return ProcessingPipeline(name="rathunt PowerShell log sources", priority=10, items=items)


def get_target(name: str) -> Target:
    """The target by name, or a ConfigError listing the names there are."""
    try:
        return TARGETS[name]
    except KeyError:
        names = ", ".join(sorted(TARGETS))
        raise ConfigError(
            f"unknown conversion target {name!r}", hint=f"use one of {names}"
        ) from None

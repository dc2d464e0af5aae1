"""One error tree for rathunt.

Every error names where it happened (a file, a record, a chunk, a rule, a line) and, where
the user can act, what to do next. The library raises or collects these; only the CLI turns
them into one-line messages and exit codes.

    RathuntError
    ├── InputError          telemetry that cannot be read (file, record, chunk)
    │   └── UnknownFormatError
    │       └── NotTelemetryError
    ├── RuleError           a rule that cannot be loaded or compiled (file, rule id, line)
    │   └── UnsupportedFeatureError
    ├── ConfigError         a bad option, config file or placeholder definition
    ├── ConversionError     a rule a backend cannot express (rule, target, feature)
    └── WorkerError         a worker process that stopped before finishing its files
"""

from __future__ import annotations


class RathuntError(Exception):
    """Root of every error rathunt raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        where: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.where = where
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        place = ""
        if self.path:
            place = self.path + (f" ({self.where})" if self.where else "") + ": "
        elif self.where:
            place = self.where + ": "
        text = place + self.message
        if self.hint:
            text += f"; {self.hint}"
        return text


class InputError(RathuntError):
    """Telemetry that could not be read: a corrupt chunk, a bad JSON line, a missing file."""


class UnknownFormatError(InputError):
    """A file whose content is none of the formats rathunt reads."""


class NotTelemetryError(UnknownFormatError):
    """Valid JSON whose first record is no event in any layout rathunt reads (a labels file,
    a configuration): not telemetry at all, rather than telemetry with a bad record."""


class RuleError(RathuntError):
    """A rule that could not be loaded or compiled."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        where: str | None = None,
        hint: str | None = None,
        rule_id: str | None = None,
    ) -> None:
        self.rule_id = rule_id
        if rule_id and not where:
            where = f"rule {rule_id}"
        super().__init__(message, path=path, where=where, hint=hint)


class UnsupportedFeatureError(RuleError):
    """A Sigma feature the engine cannot evaluate; names the feature."""

    def __init__(self, feature: str, **kwargs: str | None) -> None:
        self.feature = feature
        super().__init__(f"unsupported Sigma feature: {feature}", **kwargs)


class ConfigError(RathuntError):
    """A bad option value, config file or placeholder definition."""


class ConversionError(RathuntError):
    """A rule that a conversion backend cannot express."""


class WorkerError(RathuntError):
    """A worker process ended before it finished its files (killed, or out of memory)."""

"""DuckDB SQL that means what Sigma means: pySigma-backend-duckdb with its mismatches fixed.

Running the upstream backend's SQL against the engine over the same events (see
`sqlcheck.py` and docs/convert.md) showed five ways its queries differ from Sigma:

1. plain equality is `=`, which is case-sensitive; Sigma string matching is not;
2. `%` and `_` in a rule's value are not escaped, so `%APPDATA%\\` or `______.exe` act as
   LIKE wildcards and match far more;
3. `NOT (a OR b)` drops an event where `a` names a field the event lacks, because SQL's
   NOT NULL is NULL; in Sigma a missing field simply does not match, so the NOT holds;
4. field names are quoted only when they are not plain words, so `Binary` or `Value` break
   the parse as SQL keywords;
5. a quote inside a regular expression is backslash-escaped, which SQL does not accept.

This backend fixes each of them and keeps everything else of the upstream backend.
"""

from __future__ import annotations

from typing import Any

from sigma.conditions import ConditionFieldEqualsValueExpression, ConditionNOT
from sigma.conversion.state import ConversionState
from sigma.types import SigmaNumber, SigmaRegularExpression, SigmaString, SpecialChars
from sigma_backend_duckdb import DuckDBBackend


class SigmaDuckDBBackend(DuckDBBackend):  # type: ignore[misc]
    """DuckDB SQL over a table `logs` with one text column per Sigma field."""

    name = "rathunt DuckDB SQL"

    def escape_and_quote_field(self, field_name: str) -> str:
        return '"' + field_name.replace('"', '""') + '"'

    def convert_condition_field_eq_val_str(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str:
        """Every string match as a case-insensitive LIKE with the value's own % and _ escaped."""
        value = cond.value
        if not isinstance(value, SigmaString):
            raise TypeError(f"expected a string value, got {type(value).__name__}")
        pattern = like_pattern(value)
        return f"{self.escape_and_quote_field(cond.field)} ILIKE '{pattern}' ESCAPE '\\'"

    def convert_condition_field_eq_val_num(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str:
        """A number matches the field's text, as Sigma compares (`Details: 1` and "1")."""
        value = cond.value
        number = value.number if isinstance(value, SigmaNumber) else value
        return f"CAST({self.escape_and_quote_field(cond.field)} AS VARCHAR) = '{number}'"

    def convert_condition_not(self, cond: ConditionNOT, state: ConversionState) -> Any:
        """NOT over a missing field is true in Sigma; coalesce SQL's NULL to false first."""
        inner = self.convert_condition(cond.args[0], state)
        if inner is None or not isinstance(inner, str):
            return super().convert_condition_not(cond, state)
        return f"NOT coalesce(({inner}), false)"

    def convert_value_re(self, r: SigmaRegularExpression, state: ConversionState) -> Any:
        converted = super().convert_value_re(r, state)
        return converted.replace("'", "''") if isinstance(converted, str) else converted


def like_pattern(value: SigmaString) -> str:
    """A Sigma string as an ILIKE pattern with `\\` as the escape character, quotes doubled."""
    parts = []
    for part in value.s:
        if part == SpecialChars.WILDCARD_MULTI:
            parts.append("%")
        elif part == SpecialChars.WILDCARD_SINGLE:
            parts.append("_")
        elif isinstance(part, str):
            escaped = part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            parts.append(escaped.replace("'", "''"))
        else:
            raise TypeError(f"unresolved placeholder {part} in value {value}")
    return "".join(parts)

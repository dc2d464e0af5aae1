"""Spark SQL that keeps Sigma's meaning of NOT: the Databricks backend with one fix.

Run against the engine (docs/convert.md), the Databricks backend's queries missed real
attack events in six SigmaHQ rules: `NOT (lower(f) = lower(v))` is NULL when the event has
no field `f`, and Spark drops rows whose condition is NULL, while in Sigma a missing field
does not match, so the NOT holds. Coalescing the negated part to false restores that.
"""

from __future__ import annotations

from typing import Any

from sigma.backends.databricks.databricks import DatabricksBackend
from sigma.conditions import ConditionNOT
from sigma.conversion.state import ConversionState


class SigmaSparkBackend(DatabricksBackend):
    """Databricks Spark SQL with NULL-safe negation."""

    def convert_condition_not(self, cond: ConditionNOT, state: ConversionState) -> Any:
        inner = self.convert_condition(cond.args[0], state)
        if inner is None or not isinstance(inner, str):
            return super().convert_condition_not(cond, state)
        return f"NOT coalesce(({inner}), false)"

"""A loaded rule: the parsed pySigma object plus what rathunt knows about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

SupportStatus = Literal["full", "degraded", "rejected"]


@dataclass(slots=True)
class Support:
    """How completely the engine can evaluate a rule.

    full: every part of the detection is evaluated as the specification says.
    degraded: the rule runs, but a named feature is approximated (`reasons` says which).
    rejected: the rule cannot run at all (`reasons` says why); it never produces findings.
    """

    status: SupportStatus = "full"
    reasons: list[str] = field(default_factory=list)

    def degrade(self, reason: str) -> None:
        if self.status == "full":
            self.status = "degraded"
        if reason not in self.reasons:
            self.reasons.append(reason)

    def reject(self, reason: str) -> None:
        self.status = "rejected"
        if reason not in self.reasons:
            self.reasons.append(reason)


@dataclass(slots=True, eq=False)
class Rule:
    """One Sigma rule (or correlation rule) as rathunt runs it."""

    sigma: SigmaRule | SigmaCorrelationRule
    path: str | None = None
    pack: str | None = None
    support: Support = field(default_factory=Support)

    @property
    def id(self) -> str:
        return str(self.sigma.id) if self.sigma.id else (self.sigma.name or self.sigma.title)

    @property
    def title(self) -> str:
        return str(self.sigma.title)

    @property
    def level(self) -> str:
        level = self.sigma.level
        return level.name.lower() if level is not None else "medium"

    @property
    def status(self) -> str | None:
        status = self.sigma.status
        return status.name.lower() if status is not None else None

    @property
    def tags(self) -> list[str]:
        return [f"{tag.namespace}.{tag.name}" for tag in self.sigma.tags]

    @property
    def is_correlation(self) -> bool:
        return isinstance(self.sigma, SigmaCorrelationRule)

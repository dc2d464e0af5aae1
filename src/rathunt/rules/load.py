"""Load Sigma rules from files, directories, the SigmaHQ layout and the bundled packs.

Loading never stops on a bad rule: each problem becomes a `RuleError` naming the file, the
line (for YAML errors) and the rule id, and the rest of the set loads. Filters (Sigma
meta-filters) are applied to the rules they name, and correlation rules are linked to their
base rules, across all files given together.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule

from rathunt.collector import collector_paused
from rathunt.errors import ConfigError, RuleError
from rathunt.rules.rule import Rule

log = logging.getLogger(__name__)

# libyaml's safe loader when PyYAML was built with it: the same documents, ten times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PACKS_DIR = Path(__file__).resolve().parent.parent / "packs"
RULE_SUFFIXES = (".yml", ".yaml")
# Folders that hold test data, not rules, in SigmaHQ and in rathunt's packs.
SKIPPED_DIRS = frozenset(
    {"tests", "regression_data", "deprecated", "unsupported", ".git", "__pycache__"}
)
# The rule folders of a SigmaHQ checkout; `rules-placeholder` needs placeholder values and
# `deprecated` is retired content, so neither loads unless named directly.
SIGMAHQ_RULE_DIRS = (
    "rules",
    "rules-emerging-threats",
    "rules-threat-hunting",
    "rules-compliance",
    "rules-dfir",
)


@dataclass(slots=True)
class RuleSet:
    """The outcome of loading: rules that parsed, and every problem met on the way."""

    rules: list[Rule] = field(default_factory=list)
    problems: list[RuleError] = field(default_factory=list)
    files: int = 0
    files_failed: int = 0
    filters: int = 0
    # Rules that parsed as Sigma documents but carry errors (bad modifier, bad id, ...).
    rejected: int = 0

    def extend(self, other: RuleSet) -> None:
        self.rules.extend(other.rules)
        self.problems.extend(other.problems)
        self.files += other.files
        self.files_failed += other.files_failed
        self.filters += other.filters
        self.rejected += other.rejected


def available_packs() -> list[str]:
    """Names of the rule packs that ship with rathunt."""
    return sorted(
        p.name
        for p in PACKS_DIR.iterdir()
        if p.is_dir() and not p.name.startswith(("_", ".")) and any(_rule_files(p))
    )


def load_pack(name: str) -> RuleSet:
    """Load a bundled pack by name (`seed`, `njrat`)."""
    path = PACKS_DIR / name
    if not path.is_dir():
        raise ConfigError(
            f"no rule pack named {name!r}", hint=f"available packs: {', '.join(available_packs())}"
        )
    return load_rules([path], pack=name)


def load_rules(paths: Sequence[str | Path], *, pack: str | None = None) -> RuleSet:
    """Load every rule under `paths` together, so filters and correlations see each other."""
    with collector_paused(), warnings.catch_warnings():
        # pySigma checks regexes with Python's parser, which notes syntax it may read
        # differently one day (`[[:digit:]]`); the engine runs them on RE2, so the note is
        # noise to a rule author.
        warnings.filterwarnings("ignore", "Possible nested set", FutureWarning)
        return _load_rules(paths, pack)


def _load_rules(paths: Sequence[str | Path], pack: str | None) -> RuleSet:
    ruleset = RuleSet()
    parsed: list[tuple[SigmaRule | SigmaCorrelationRule | SigmaFilter, Path]] = []
    for path in _expand(paths, ruleset):
        ruleset.files += 1
        items = _load_file(path, ruleset)
        if items is None:
            ruleset.files_failed += 1
            continue
        parsed.extend((item, path) for item in items)

    filters = [item for item, _ in parsed if isinstance(item, SigmaFilter)]
    ruleset.filters = len(filters)
    rules = [(item, path) for item, path in parsed if not isinstance(item, SigmaFilter)]
    collection = SigmaCollection([item for item, _ in rules], resolve_references=False)

    for item, path in rules:
        if isinstance(item, SigmaRule) and filters:
            item = _apply_filters(item, filters, path, ruleset)
        rule = Rule(sigma=item, path=str(path), pack=pack)
        if isinstance(item, SigmaCorrelationRule):
            _link_correlation(rule, item, collection)
        ruleset.rules.append(rule)

    log.info(
        "loaded %d rules from %d files (%d files failed, %d filters applied)",
        len(ruleset.rules),
        ruleset.files,
        ruleset.files_failed,
        ruleset.filters,
    )
    return ruleset


def _rule_files(directory: Path) -> Iterable[Path]:
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).parts
        if any(part in SKIPPED_DIRS for part in relative[:-1]):
            continue
        if path.suffix.lower() in RULE_SUFFIXES and path.is_file():
            yield path


def _expand(paths: Sequence[str | Path], ruleset: RuleSet) -> Iterable[Path]:
    """Files to load: directories walked, a SigmaHQ checkout reduced to its rule folders."""
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            yield path
        elif path.is_dir():
            subdirs = [path / name for name in SIGMAHQ_RULE_DIRS if (path / name).is_dir()]
            for directory in subdirs if (path / "rules").is_dir() and subdirs else [path]:
                yield from _rule_files(directory)
        else:
            ruleset.problems.append(
                RuleError(
                    "no such file or directory", path=str(path), hint="check the --rules path"
                )
            )
            ruleset.files_failed += 1


def _load_file(
    path: Path, ruleset: RuleSet
) -> list[SigmaRule | SigmaCorrelationRule | SigmaFilter] | None:
    """Parse one file; rules with errors are reported and left out, the rest are kept."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        ruleset.problems.append(RuleError(f"cannot read rule file: {err}", path=str(path)))
        return None
    try:
        documents = list(yaml.load_all(text, Loader=_YAML_LOADER))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(err, "problem", None) or str(err)
        # Where the broken construct began (an unclosed quote) is often far from where the
        # parser gave up (the end of the file); say both.
        context, start = getattr(err, "context", None), getattr(err, "context_mark", None)
        if context and start:
            problem += f" ({context} started at line {start.line + 1}, column {start.column + 1})"
        ruleset.problems.append(
            RuleError(
                f"invalid YAML: {problem}", path=str(path), where=where, hint="fix the YAML syntax"
            )
        )
        return None
    documents = [doc for doc in documents if doc is not None]
    bad = [i for i, doc in enumerate(documents, 1) if not isinstance(doc, dict)]
    if bad or not documents:
        ruleset.problems.append(
            RuleError(
                "not a Sigma rule: expected a YAML mapping"
                + (f" (document {bad[0]})" if bad else ", found an empty file"),
                path=str(path),
            )
        )
        return None

    try:
        collection = SigmaCollection.from_dicts(
            documents,
            collect_errors=True,
            source=SigmaRuleLocation(path),
            collect_filters=True,
            resolve_references=False,
        )
    except SigmaError as err:
        ruleset.problems.append(_rule_error(err, path, None, text))
        return None

    items: list[SigmaRule | SigmaCorrelationRule | SigmaFilter] = []
    for item in [*collection.rules, *collection.filters]:
        if item.errors:
            ruleset.rejected += 1
            for error in item.errors:
                ruleset.problems.append(_rule_error(error, path, item, text))
            continue
        items.append(item)
    for error in collection.errors:
        if not any(error in item.errors for item in [*collection.rules, *collection.filters]):
            ruleset.problems.append(_rule_error(error, path, None, text))
    return items


def _rule_error(error: SigmaError, path: Path, item: object, text: str) -> RuleError:
    rule_id = str(getattr(item, "id", "") or "") or None
    message = (
        str(getattr(error, "args", [error])[0]) if getattr(error, "args", None) else str(error)
    )
    where = None
    if rule_id:
        start = _line_of(text, rule_id)
        # The line the message's quoted name stands on (an unknown modifier, a selection),
        # looked for from the rule's own id on, as a file may hold several rules.
        named = _QUOTED.search(message)
        line = _line_of(text, named.group(1), after=start or 0) if named else None
        line = line or start
        where = f"line {line}, rule {rule_id}" if line else f"rule {rule_id}"
    return RuleError(
        message,
        path=str(path),
        where=where,
        rule_id=rule_id,
        hint="fix or remove the rule; the rest of the set still loads",
    )


def _line_of(text: str, needle: str, after: int = 0) -> int | None:
    """The 1-based number of the first line from line `after` on that holds `needle`."""
    for number, line in enumerate(text.splitlines(), 1):
        if number >= after and needle in line:
            return number
    return None


_QUOTED = re.compile(r"'([^'\n]{2,80})'")


def _apply_filters(
    rule: SigmaRule, filters: list[SigmaFilter], path: Path, ruleset: RuleSet
) -> SigmaRule:
    for sigma_filter in filters:
        try:
            filtered = sigma_filter.apply_on_rule(rule)
            if isinstance(filtered, SigmaRule):  # a detection rule stays one
                rule = filtered
        except SigmaError as err:
            ruleset.problems.append(
                RuleError(
                    f"filter {sigma_filter.title!r} could not be applied: {err}",
                    path=str(path),
                    rule_id=str(rule.id) if rule.id else None,
                )
            )
    return rule


def _link_correlation(
    rule: Rule, correlation: SigmaCorrelationRule, collection: SigmaCollection
) -> None:
    """Resolve a correlation's base-rule references; an unknown reference rejects it."""
    try:
        correlation.resolve_rule_references(collection)
    except SigmaError as err:
        rule.support.reject(f"unresolved rule reference: {err}")

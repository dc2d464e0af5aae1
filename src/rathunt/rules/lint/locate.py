"""Line numbers for the parts of a rule file a finding points at.

pySigma keeps no line numbers, so each rule file is composed once more with PyYAML and the
key paths (`id`, `logsource.category`, `detection.selection.Image|endswith`) are looked up
in the node tree. Files with several documents are searched document by document, matching
the rule by its id or title.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import yaml

# libyaml composes about ten times faster than the pure-Python parser; both give the same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RuleLines:
    """Finds the 1-based line of a key path in one rule's YAML document."""

    def __init__(self, document: yaml.Node | None) -> None:
        self.document = document

    def line(self, *keys: str) -> int | None:
        """The line of the deepest key of `keys` that exists; None without a document."""
        node = self.document
        best: int | None = node.start_mark.line + 1 if node is not None else None
        for key in keys:
            child = _child(node, key)
            if child is None:
                return best
            key_node, node = child
            best = key_node.start_mark.line + 1
        return best

    def field_line(self, field: str) -> int | None:
        """The first line under `detection` whose key names `field` (with any modifiers)."""
        detection = _child(self.document, "detection")
        if detection is None:
            return self.line("detection")
        found = _find_key(detection[1], field)
        return found if found is not None else detection[0].start_mark.line + 1


def _child(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _find_key(node: yaml.Node, field: str) -> int | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value.split("|")[0] == field:
                return int(key_node.start_mark.line) + 1
            found = _find_key(value_node, field)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _find_key(item, field)
            if found is not None:
                return found
    return None


@lru_cache(maxsize=64)
def _documents(path: str) -> Sequence[yaml.Node]:
    try:
        with open(path, encoding="utf-8") as handle:
            return [node for node in yaml.compose_all(handle, Loader=_LOADER) if node is not None]
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []


def rule_lines(path: str | None, rule_id: str | None, title: str | None) -> RuleLines:
    """The located document of the rule in `path`: by id, else by title, else the first."""
    documents = _documents(path) if path else []
    for wanted, key in ((rule_id, "id"), (title, "title")):
        for document in documents:
            found = _child(document, key)
            if (
                wanted
                and found
                and isinstance(found[1], yaml.ScalarNode)
                and found[1].value == wanted
            ):
                return RuleLines(document)
    return RuleLines(documents[0] if documents else None)

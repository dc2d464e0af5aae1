"""Rules: loading rule sets and packs, ATT&CK lookup, lint and conversion."""

from rathunt.rules.load import RuleSet, available_packs, load_pack, load_rules
from rathunt.rules.rule import Rule, Support

__all__ = ["Rule", "RuleSet", "Support", "available_packs", "load_pack", "load_rules"]

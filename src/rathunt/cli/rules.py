"""`rathunt rules ...`: check, lint, convert and list rule sets.

Each subcommand lives in its own module (`rules_check`, `rules_lint`, `rules_convert`) and
defines a click command named `command`; missing modules are skipped.
"""

from __future__ import annotations

import importlib

import click

SUBCOMMAND_MODULES = ("rules_check", "rules_lint", "rules_convert")


@click.group(name="rules")
def command() -> None:
    """Check, lint and convert Sigma rules."""


for _name in SUBCOMMAND_MODULES:
    try:
        _module = importlib.import_module(f"rathunt.cli.{_name}")
    except ModuleNotFoundError as _err:
        if _err.name != f"rathunt.cli.{_name}":
            raise
        continue
    commands = getattr(_module, "commands", None) or [_module.command]
    for _cmd in commands:
        command.add_command(_cmd)

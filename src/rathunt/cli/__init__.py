"""The command line: one thin layer over the library.

Each command lives in its own module and registers itself on `main`. Errors from the
library become one-line messages and documented exit codes here, and only here:

    0  the work finished (findings or not)
    1  findings at or above --fail-level (hunt), a gate failed (validate, lint)
    2  bad usage: unknown option, missing path, bad value
    3  nothing could be done: every input or every rule was unusable
    4  an internal error (a bug: rerun with --debug and report the traceback)
  141  the reader of the output went away (`rathunt ... | head`), as for any command cut off
       by SIGPIPE
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
from typing import Any

import click

from rathunt import __version__
from rathunt.errors import RathuntError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_NOTHING = 3
EXIT_INTERNAL = 4
EXIT_PIPE = 141
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_TERMINATED = 143  # SIGTERM


class _Terminated(BaseException):
    """SIGTERM, raised where the program is so that open work (workers, files) is closed.
    A BaseException, as KeyboardInterrupt is, so no `except Exception` swallows it."""


def _terminate(signum: int, frame: Any) -> None:
    raise _Terminated


# Modules under rathunt.cli that each define a click command or group named `command`.
COMMAND_MODULES = ("hunt", "rules", "simulate", "validate", "baseline", "network")

log = logging.getLogger("rathunt")


def _setup_logging(debug: bool, verbose: bool, quiet: bool) -> None:
    from rich.console import Console
    from rich.logging import RichHandler

    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    handler = RichHandler(
        console=Console(stderr=True), show_path=debug, markup=False, rich_tracebacks=debug
    )
    logging.basicConfig(level=level, handlers=[handler], format="%(message)s", force=True)


class _Group(click.Group):
    """Turns library errors into one line and an exit code; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RathuntError as err:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"rathunt: error: {err}", err=True)
            sys.exit(EXIT_NOTHING)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # `rathunt ... | head` closed the pipe: stop, and quietly
            _silence_stdout()
            sys.exit(EXIT_PIPE)
        except KeyboardInterrupt:
            click.echo("rathunt: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except _Terminated:
            click.echo("rathunt: terminated", err=True)
            sys.exit(EXIT_TERMINATED)
        except Exception as err:  # a bug: say so plainly, keep the traceback for --debug
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(
                f"rathunt: internal error: {type(err).__name__}: {err} "
                "(rerun with --debug for the traceback)",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit does not fail a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rathunt")
@click.option("--debug", is_flag=True, help="Log per-rule detail and show tracebacks.")
@click.option("-v", "--verbose", is_flag=True, help="Log each file read and rule set loaded.")
@click.option("-q", "--quiet", is_flag=True, help="No summary or progress; warnings only.")
@click.pass_context
def main(ctx: click.Context, debug: bool, verbose: bool, quiet: bool) -> None:
    """Hunt remote-access trojans in Windows telemetry with Sigma rules."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["quiet"] = quiet
    _setup_logging(debug, verbose, quiet)
    signal.signal(signal.SIGTERM, _terminate)


def _register() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"rathunt.cli.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"rathunt.cli.{name}":
                continue
            raise
        main.add_command(module.command)


_register()

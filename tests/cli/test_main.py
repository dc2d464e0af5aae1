"""The command group: library errors and a closed output pipe become exit codes, not tracebacks."""

from __future__ import annotations

import subprocess
import sys

from rathunt.cli import EXIT_PIPE


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    # As `rathunt rules targets | head -0`: the pipe is closed before rathunt writes.
    command = [sys.executable, "-c", "from rathunt.cli import main; main()", "rules", "targets"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == EXIT_PIPE
    assert "internal error" not in errors and "Traceback" not in errors
    assert "BrokenPipeError" not in errors

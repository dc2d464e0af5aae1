"""Reading telemetry: files and directories in, normalised events out, one file at a time.

`read_file` reads one file whatever its format and is a plain module-level function of plain
arguments, so a worker process can run it and send its `ReadStats` back to be merged.
`read_paths` walks the given paths (directories recursively, in sorted order, so two runs
read in the same order), reads each file and drops exact duplicate records across all of
them unless asked to keep them.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from rathunt.errors import InputError, NotTelemetryError, UnknownFormatError
from rathunt.events.dedup import Deduplicator
from rathunt.events.detect import format_of, read_head
from rathunt.events.evtx_reader import read_evtx
from rathunt.events.json_reader import read_json_documents, read_json_lines
from rathunt.events.stats import ProblemLog, ReadStats
from rathunt.events.xml_reader import read_xml
from rathunt.model import Event

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

# Extensions telemetry exports carry; in a directory walk, an unrecognised file without one of
# these is not telemetry (a README, a licence) and is counted as ignored rather than failed.
TELEMETRY_SUFFIXES = frozenset({".evtx", ".json", ".jsonl", ".ndjson", ".xml", ".gz"})


def read_paths(
    paths: Iterable[PathLike], *, stats: ReadStats, keep_duplicates: bool = False
) -> Iterator[Event]:
    """Events of every file under `paths`, streamed file by file, exact repeats dropped."""
    dedup = None if keep_duplicates else Deduplicator()
    for path, walked in sources(paths, stats):
        for event in read_file(path, stats, walked=walked):
            if dedup is not None and dedup.seen(event):
                stats.duplicates += 1
                continue
            yield event


def iter_files(paths: Iterable[PathLike], stats: ReadStats) -> Iterator[str]:
    """The files named or under the directories named, in a stable order; missing paths are
    counted as failed files."""
    for path, _ in sources(paths, stats):
        yield path


def sources(paths: Iterable[PathLike], stats: ReadStats) -> Iterator[tuple[str, bool]]:
    """Files to read, each with whether it was found by walking a directory."""
    for given in paths:
        path = os.fspath(given)
        if os.path.isdir(path):
            for found in _walk(path, stats):
                yield found, True
        elif os.path.exists(path):
            yield path, False
        else:
            stats.files += 1
            ProblemLog(stats, path).fail(
                InputError("no such file or directory", path=path, hint="check the path")
            )


def read_file(path: PathLike, stats: ReadStats, *, walked: bool = False) -> Iterator[Event]:
    """Events of one file in any format rathunt reads; problems go into `stats`.

    `walked` says the file was met while walking a directory: then a file that is plainly
    not telemetry (unknown content, no telemetry extension) is counted as ignored, not failed.
    """
    path = os.fspath(path)
    stats.files += 1
    problems = ProblemLog(stats, path)
    if _is_stream(path):
        # Opening a named pipe with no writer blocks forever; a stream cannot be re-read anyway.
        problems.fail(
            InputError(
                "not a regular file (a pipe, socket or device)",
                path=path,
                hint="save the data to a file and read that",
            )
        )
        return
    try:
        compressed, head = read_head(path)
        kind = format_of(path, head)
    except UnknownFormatError as err:
        if walked and Path(path).suffix.lower() not in TELEMETRY_SUFFIXES:
            stats.files_ignored += 1
            log.info("ignored %s: not telemetry", path)
            return
        problems.fail(err)
        return
    except InputError as err:
        problems.fail(err)
        return
    except OSError as err:
        problems.fail(
            InputError(
                f"cannot read the file: {err.strerror or err}",
                path=path,
                hint="check that it exists and is readable",
            )
        )
        return

    name = kind + (".gz" if compressed else "")
    if kind == "evtx" and compressed:
        problems.fail(
            InputError(
                "compressed EVTX is not read directly",
                path=path,
                hint="decompress it first (gunzip)",
            )
        )
        return

    counts: dict[str, int] = {}
    try:
        yield from _read_kind(path, kind, compressed, head, problems, counts)
    except NotTelemetryError as err:
        if walked:
            stats.files_ignored += 1
            log.info("ignored %s: %s", path, err.message)
        else:
            problems.fail(err)
    except OSError as err:
        if counts:
            problems.add(f"reading stopped: {err}", hint="check that it is a whole file", skipped=1)
        else:
            problems.fail(
                InputError(
                    f"cannot read the file: {err}",
                    path=path,
                    hint="check that it is a whole, readable file",
                )
            )
    finally:
        problems.close()
        _count(stats, name, counts)
        log.info("read %s (%s): %d records", path, name, sum(counts.values()))


def _is_stream(path: str) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:  # missing or unreadable: reading it says so
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


def _count(stats: ReadStats, name: str, counts: dict[str, int]) -> None:
    stats.records_read += sum(counts.values())
    stats.count_format(name, 0)
    for layout, count in counts.items():
        stats.records_by_format[layout] = stats.records_by_format.get(layout, 0) + count


def _read_kind(
    path: str,
    kind: str,
    compressed: bool,
    head: bytes,
    problems: ProblemLog,
    counts: dict[str, int],
) -> Iterator[Event]:
    if kind == "evtx":
        yield from read_evtx(path, problems, counts)
    elif kind == "jsonl":
        yield from read_json_lines(path, compressed, head, problems, counts)
    elif kind == "json":
        yield from read_json_documents(path, compressed, head, problems, counts)
    else:
        yield from read_xml(path, compressed, head, problems, counts)


def _walk(directory: str, stats: ReadStats) -> Iterator[str]:
    def unreadable(err: OSError) -> None:
        where = err.filename or directory
        stats.files += 1
        ProblemLog(stats, where).fail(
            InputError(
                f"cannot list the directory: {err.strerror or err}",
                path=where,
                hint="check its permissions",
            )
        )

    for root, dirs, files in os.walk(directory, onerror=unreadable):
        dirs.sort()
        for name in sorted(files):
            yield str(Path(root) / name)

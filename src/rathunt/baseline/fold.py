"""Folding: the volatile parts of paths and command lines, replaced by placeholders.

Two runs of the same ordinary work differ in user names, GUIDs, temp file names, process ids
and version numbers. Folding those to `<user>`, `<guid>`, `<tmp>`, `<n>` gives the shape
of a command line or path, and shapes can be counted and compared across days, users and
hosts. Every fold is a vectorised polars expression over a whole batch (the regex engine
behind it runs in linear time), and input is cut to a fixed length first, so the work per
event is bounded whatever an attacker puts in a command line.
"""

from __future__ import annotations

import polars as pl

# The longest command line, path or registry value kept for folding; the rest is cut.
MAX_TEXT = 2048

# Living-off-the-land binaries whose command-line shapes are profiled, by file name.
LOLBINS: frozenset[str] = frozenset(
    {
        "at.exe",
        "bitsadmin.exe",
        "certreq.exe",
        "certutil.exe",
        "cmd.exe",
        "cmstp.exe",
        "cscript.exe",
        "curl.exe",
        "esentutl.exe",
        "expand.exe",
        "extrac32.exe",
        "forfiles.exe",
        "ftp.exe",
        "hh.exe",
        "installutil.exe",
        "mavinject.exe",
        "msbuild.exe",
        "msdt.exe",
        "mshta.exe",
        "msiexec.exe",
        "msxsl.exe",
        "net.exe",
        "net1.exe",
        "netsh.exe",
        "odbcconf.exe",
        "pcalua.exe",
        "powershell.exe",
        "pwsh.exe",
        "reg.exe",
        "regasm.exe",
        "regsvcs.exe",
        "regsvr32.exe",
        "rundll32.exe",
        "sc.exe",
        "schtasks.exe",
        "wmic.exe",
        "wscript.exe",
    }
)

# Path folds, applied in order to lowercased text. Profile folders other than the shared
# ones become <user>, so one user's Temp is the same place as another's.
_PATH_FOLDS: tuple[tuple[str, str], ...] = (
    (r"\\device\\harddiskvolume\d+\\", "c:\\"),
    (r"\\\\\?\\", ""),
    (r"([a-z]:\\users\\)(public|default)\\", "${1}<${2}>\\"),
    (r"([a-z]:\\users\\)[^\\<>\"]+\\", "${1}<user>\\"),
    (r"<(public|default)>", "${1}"),
    (r"\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?", "<guid>"),
    (r"s-1-5-21-[0-9-]+", "<sid>"),
    (r"\btmp[0-9a-f]{1,8}\.tmp\b", "<tmp>"),
    (r"~df[0-9a-f]+\.tmp\b", "<tmp>"),
    (r"\b[0-9a-f]{16,}\b", "<hex>"),
    (r"\b\d+(?:\.\d+){1,3}\b", "<ver>"),
)

# Command-line folds on top of the path folds: addresses, numbers, then whitespace.
_COMMAND_FOLDS: tuple[tuple[str, str], ...] = (
    (r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", "<ip>"),
    *_PATH_FOLDS,
    (r"\b0x[0-9a-f]+\b", "<n>"),
    (r"\b\d+\b", "<n>"),
    (r"\s+", " "),
)

# Names (Run values, services, tasks) keep their letters: only GUIDs and SIDs vary.
_NAME_FOLDS: tuple[tuple[str, str], ...] = (
    (r"\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?", "<guid>"),
    (r"s-1-5-21-[0-9-]+", "<sid>"),
)

# Registry hives as Sysmon and the kernel spell them, folded to the short names.
_HIVE_FOLDS: tuple[tuple[str, str], ...] = (
    (r"^\\registry\\machine\\", "hklm\\"),
    (r"^\\registry\\user\\s-1-5-[0-9-]+(?:_classes)?\\", "hkcu\\"),
    (r"^hku\\s-1-5-[0-9-]+(?:_classes)?\\", "hkcu\\"),
    (r"^hkey_local_machine\\", "hklm\\"),
    (r"^hkey_current_user\\", "hkcu\\"),
)

# The program token at the start of a command line: quoted, or up to the first blank.
_PROGRAM = r'^\s*(?:"[^"]*"|\S+)\s*'


def _apply(expr: pl.Expr, folds: tuple[tuple[str, str], ...]) -> pl.Expr:
    for pattern, replacement in folds:
        expr = expr.str.replace_all(pattern, replacement)
    return expr


def _clean(column: str) -> pl.Expr:
    return pl.col(column).fill_null("").cast(pl.String).str.slice(0, MAX_TEXT).str.to_lowercase()


def path_shape(column: str) -> pl.Expr:
    """A file path with user names, GUIDs, temp names and versions folded."""
    return _apply(_clean(column), _PATH_FOLDS).str.strip_chars(' "')


def text_shape(column: str) -> pl.Expr:
    """Free text (an autorun's target command): path folds, blanks collapsed, quotes kept."""
    return _apply(_clean(column), (*_PATH_FOLDS, (r"\s+", " "))).str.strip_chars()


def command_shape(column: str, binary: str) -> pl.Expr:
    """A command line as `<binary> <folded arguments>`, whatever the program token's form.

    `"C:\\Windows\\System32\\cmd.exe" /c`, `cmd.exe /c` and `cmd /c` all start `cmd.exe /c`.
    """
    arguments = _clean(column).str.replace(_PROGRAM, "")
    folded = _apply(arguments, _COMMAND_FOLDS).str.strip_chars()
    return pl.concat_str([pl.col(binary), folded], separator=" ").str.strip_chars()


def name_shape(column: str) -> pl.Expr:
    """A value, service or task name: lowercased, GUIDs and SIDs folded."""
    return _apply(_clean(column), _NAME_FOLDS).str.strip_chars()


def registry_shape(column: str) -> pl.Expr:
    """A registry path with hives shortened, per-user hives as `hkcu`, volatile parts folded."""
    return _apply(_apply(_clean(column), _HIVE_FOLDS), _PATH_FOLDS)


def binary_name(image: str, original: str, command: str) -> pl.Expr:
    """The binary's file name, lowercased, from the image path, else the command line.

    A renamed copy of a LOLBin keeps its PE OriginalFileName, so that name wins when it is a
    known LOLBin: `C:\\Temp\\cu.exe` with OriginalFileName `CertUtil.exe` is certutil.
    """
    from_image = _clean(image).str.replace(r"^.*[\\/]", "")
    program = _clean(command).str.extract(r'^\s*"?([^"\s]+)', 1).fill_null("")
    from_command = program.str.replace(r"^.*[\\/]", "")
    from_command = (
        pl.when(from_command.str.contains(r"\."))
        .then(from_command)
        .otherwise(from_command + ".exe")
    )
    name = pl.when(from_image != "").then(from_image).otherwise(from_command)
    name = pl.when(name == ".exe").then(pl.lit("")).otherwise(name)
    renamed = _clean(original)
    return pl.when(renamed.is_in(sorted(LOLBINS))).then(renamed).otherwise(name)


def clipped(column: str) -> pl.Expr:
    """The raw text, cut to `MAX_TEXT`: kept as an example an analyst can read."""
    return pl.col(column).fill_null("").cast(pl.String).str.slice(0, MAX_TEXT)


def fold_frame(frame: pl.DataFrame, exprs: dict[str, pl.Expr]) -> pl.DataFrame:
    """The frame with the given folded columns added (or replaced)."""
    if frame.is_empty():
        return frame.with_columns([pl.lit("").alias(name) for name in exprs])
    return frame.with_columns([expr.alias(name) for name, expr in exprs.items()])

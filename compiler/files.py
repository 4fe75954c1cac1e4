"""File-system edge: finding SOP files, reading them, writing outputs atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

SOP_SUFFIXES = (".yaml", ".yml")


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
                if candidate.suffix in SOP_SUFFIXES and candidate.is_file() \
                        and not any(p.startswith(".") for p in relative):
                    found.setdefault(candidate)
        elif path.is_file():
            found.setdefault(path)
        else:
            raise UsageError(f"no such file or directory: {name}")
    return list(found)


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

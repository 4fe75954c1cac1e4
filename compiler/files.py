"""File-system edge: finding SOP files, reading them, writing outputs atomically."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path, PurePath, PurePosixPath

from compiler.i18n.prose import translation_file

MAX_BYTES = 1 << 20
"""The largest SOP file read and parsed (the loader refuses a larger one with SOP002)."""
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


def sop_and_side_files(files: list[tuple[str, bytes]]) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    """(path, bytes) of the SOP files, and of the others (translations, the glossary), each in the order given."""
    sops = [(path, raw) for path, raw in files if is_sop_file(PurePath(path))]
    return sops, [(path, raw) for path, raw in files if not is_sop_file(PurePath(path))]


def read_all(paths: Iterable[Path], limit: int = MAX_BYTES) -> list[tuple[str, bytes]]:
    """(path as text, at most limit + 1 bytes) for each file; an unreadable file is a usage error.

    limit + 1 bytes are enough to tell that a file is too large (the loader says so), and a huge or
    endless file costs no more than that.
    """
    files = []
    for path in paths:
        try:
            files.append((str(path), read_bounded(path, limit)))
        except OSError as err:
            raise UsageError(f"cannot read {path}: {err.strerror or err}") from err
    return files


def read_bounded(path: Path, limit: int) -> bytes:
    """At most limit + 1 bytes of a regular file (OSError for anything else: a device, a FIFO, a folder).

    Opened without blocking, so a FIFO cannot hold the reader; a symlink to /dev/zero is refused by stat.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        chunks, left = [], limit + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


@cache
def _umask() -> int:
    """The process's umask, read without changing it (Linux reports it in /proc/self/status)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and put back, once
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, *, exclusive: bool = False, sync: bool = True) -> None:
    """Write a file so that readers see the old or the new content, never a mix.

    With exclusive=True the file must not exist yet (checked again at the
    final link, so a concurrent writer cannot be overwritten). With
    sync=False the data is not flushed to the disk first (still atomic for
    readers, not durable through a power cut: for a preview's throwaway output).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600: the file gets the mode a plain open would give it
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
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


class Busy(UsageError):
    """The staging folder of a swap disappeared: another process took it; nothing was changed."""


@contextmanager
def project_lock(folder: Path, name: str = ".sopc-build.lock") -> Iterator[None]:
    """Hold an exclusive flock on folder/name; a second holder waits for the first to finish.

    The lock dies with its process, so a killed build never leaves the project locked.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _start_time(pid: int) -> str | None:
    """When a process started (clock ticks since boot, from /proc), or None if it does not exist."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)  # no /proc: the process exists or not, without its start time
        except ProcessLookupError:
            return None
        except PermissionError:
            return "?"
        return "?"
    return stat.rsplit(b")", 1)[-1].split()[19].decode()  # field 22; the name before ")" may hold spaces


def owner_tag() -> str:
    """This process as a staging folder names its owner: pid and start time (a reused pid starts later)."""
    return f"{os.getpid()}.{_start_time(os.getpid()) or '?'}"


def _owner_alive(name: str) -> bool:
    """Whether the process named in a staging folder's name (.x.new-<pid>.<start>.<random>) is still running."""
    parts = name.split("-", 1)[-1].split(".")
    if len(parts) not in (2, 3) or not parts[0].isdigit():
        return False  # no owner in the name: left by an older sopc, whose build is long over
    started = _start_time(int(parts[0]))
    return started is not None and (started == parts[1] or "?" in (started, parts[1]))


def clear_dead_staging(target: Path) -> None:
    """Remove the hidden folders in which a process that has since died was making `target`."""
    for leftover in sorted(target.parent.glob(f".{target.name}.new-*")):
        if not _owner_alive(leftover.name):
            shutil.rmtree(leftover, ignore_errors=True)


def _clear_leftovers(target: Path) -> None:
    """Remove staging folders of builds that died; a living build's folders are its own."""
    for leftover in sorted(target.parent.glob(f".{target.name}.[no][el][wd]-*")):
        if _owner_alive(leftover.name):
            continue
        kept = leftover / target.name
        if leftover.name.startswith(f".{target.name}.old-") and kept.is_dir() and not target.exists():
            os.rename(kept, target)  # killed between the two renames of the fallback: put the old tree back
        shutil.rmtree(leftover, ignore_errors=True)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE); False if the system cannot.

    Any other failure (a folder that is gone) is an OSError: the caller must not fall back.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a))


_RENAME_NOREPLACE = 1


def rename_new(source: Path, target: Path) -> None:
    """Rename source to target, which must not exist (FileExistsError otherwise, even against a racing writer)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    at_fdcwd = -100
    if renameat2 is not None:
        if renameat2(at_fdcwd, os.fsencode(source), at_fdcwd, os.fsencode(target), _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(target))
    if target.exists():  # no renameat2: checked, then renamed (a folder is never renamed onto a full one)
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    os.rename(source, target)


def replace_tree(target: Path, files: dict[str, bytes]) -> bool:
    """Make target hold exactly these files, all at once; False when it held them already (nothing written).

    The new tree is written to a staging folder beside target, named after
    its owner (pid and start time), and swapped in with one atomic exchange,
    so a build that is interrupted or killed at any point leaves either the
    old tree or the new one, never a mix. Only the staging folders of dead
    owners are cleared: another build's work in progress is never touched.
    If this build's own staging folder is gone at the swap, nothing is
    changed (Busy) rather than falling back to a non-atomic path.

    A file whose bytes are those already in target is not written again: the
    new tree links it, so it keeps its modification time and a watcher
    (`mkdocs serve --dirty`) rebuilds only what changed. When target already
    holds exactly these files, nothing is written at all.
    """
    checked = {safe_relative(name): data for name, data in files.items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(target)
    if _holds(target, checked):
        return False
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-{owner_tag()}.", dir=target.parent))
    try:
        for relative, data in sorted(checked.items()):
            path = staging.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not _link_unchanged(target.joinpath(*relative.parts), path, data):
                path.write_bytes(data)
        for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            folder.chmod(0o755)
        _swap(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return True


def _holds(target: Path, files: dict[PurePosixPath, bytes]) -> bool:
    """Whether target is a folder of exactly these files with these bytes: regular files, and no other
    entry than the folders they are in (no symbolic link, nothing extra, no empty folder)."""
    folders = {str(parent) for name in files for parent in name.parents if str(parent) != "."}
    wanted = {str(name): data for name, data in files.items()}
    seen = 0
    try:
        if not stat.S_ISDIR(os.lstat(target).st_mode):
            return False
        for folder, subfolders, names in os.walk(target):
            base = Path(folder).relative_to(target)
            for name in subfolders:
                relative = (base / name).as_posix()
                if relative not in folders or not stat.S_ISDIR(os.lstat(Path(folder, name)).st_mode):
                    return False
            for name in names:
                relative = (base / name).as_posix()
                data = wanted.get(relative)
                info = os.lstat(Path(folder, name))
                if data is None or not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
                    return False
                if Path(folder, name).read_bytes() != data:
                    return False
                seen += 1
    except OSError:
        return False
    return seen == len(wanted)


def _link_unchanged(old: Path, new: Path, data: bytes) -> bool:
    """Hard-link old as new if it holds exactly data; False (and nothing at new) otherwise.

    Checked after linking, on the file linked: no file of a tree is changed in place (trees are swapped
    whole), so what was linked is what was read, even if another build swapped target meanwhile.
    """
    try:
        if old.stat().st_size != len(data):
            return False
        os.link(old, new)
    except OSError:
        return False
    try:
        if new.read_bytes() == data:
            return True
    except OSError:
        pass
    new.unlink()
    return False


def _swap(staging: Path, target: Path) -> None:
    """Put staging in target's place; afterwards staging holds the old tree (or is gone)."""
    if not staging.is_dir():
        raise Busy(f"{staging} disappeared before the swap; {target} was left as it was")
    if not target.exists():
        os.rename(staging, target)
        return
    try:
        if _exchange(staging, target):
            return
    except FileNotFoundError as err:
        raise Busy(f"{staging} disappeared before the swap; {target} was left as it was") from err
    # No atomic exchange on this system: the old tree goes aside, the new one in, the old one back on failure.
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{owner_tag()}.", dir=target.parent))
    os.rename(target, aside / target.name)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(aside / target.name, target)
        raise
    finally:
        if target.exists():
            shutil.rmtree(aside, ignore_errors=True)


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

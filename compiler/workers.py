"""Work spread over the cores by worker processes that die with their parent (checking files, compiling skills).

A forked worker inherits everything its parent imported and built, without
pickling it. A process with threads (an open DuckDB) could hand a held lock
to a forked child, so such a process starts its workers from a clean server
process instead, and those inherit nothing.
"""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


WORKER_GC = (50_000, 10, 10)
"""A worker's collector thresholds. A check builds and drops hundreds of thousands of small objects (YAML
events, DuckDB's parse trees as JSON), most freed as soon as they are dropped; at Python's default (700) the
collector ran every few hundred of them and took about a tenth of a worker's time. What only it frees (sqlglot's
trees link parent and child) now waits a little longer: validate's peak memory stayed under 300 MiB."""


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def forkable() -> bool:
    """Whether this process has a single thread, so its workers may be forked from it."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of workers: forked when this process may fork (see the module's comment), else served."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # here: a run whose files are all cached never loads it

    forked = forkable()
    context = multiprocessing.get_context("fork" if forked else "forkserver")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start,
                               initargs=(os.getpid() if forked else 0,))


def _start(parent: int) -> None:
    """A worker's first act: end with its parent, and collect garbage less often."""
    from compiler.lifetime import die_with_parent

    die_with_parent(parent)
    gc.freeze()  # what it inherited (imports, the CEL grammar) is never scanned again, and its pages stay shared
    gc.set_threshold(*WORKER_GC)

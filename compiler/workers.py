"""Work spread over the cores by worker processes that die with their parent (checking files, compiling skills).

A forked worker inherits everything its parent imported and built, without
pickling it. A process with threads (an open DuckDB) could hand a held lock
to a forked child, so such a process starts its workers from a clean server
process instead, and those inherit nothing.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


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

    from compiler.lifetime import die_with_parent

    forked = forkable()
    context = multiprocessing.get_context("fork" if forked else "forkserver")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent,
                               initargs=(os.getpid() if forked else 0,))

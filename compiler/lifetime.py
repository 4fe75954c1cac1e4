"""Worker processes end with their parent, even when it is killed with SIGKILL.

An orphan keeps copies of its parent's descriptors (a project lock, a run's
lock, the pipe of its own children) and goes on working for nobody: a
resumed command would then meet its runs held by a process it cannot see.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int = 0) -> None:
    """Ask Linux to kill this process when its parent ends. parent: the pid this process must see as its
    parent now (0 for a child of a fork server, whose parent is the server, which ends with its owner)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # Linux only
    if parent and os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)

"""Why a run cannot go on. Every one becomes a one-line message and an event, never a traceback."""

from __future__ import annotations


class RunError(Exception):
    """The run stopped: a query failed or ran too long, a condition could not be evaluated, a skill is unusable.

    Raised by the engine and the database adapter; the engine records it as
    a step_failed event before the CLI prints it.
    """


class RecordBusy(RunError):
    """Another writer holds the run's record (a resume, or another client's submission); nothing was written."""


class QueryRefused(RunError):
    """A query is not a single read-only SELECT over the canonical tables; it was never sent to the database."""


def first_line(err: BaseException) -> str:
    """The first line of an error's message (DuckDB's run to several), or its type when it has none."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__

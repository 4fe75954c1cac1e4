"""sopc triage: every alert of a file taken to its runbook and as far as the machine can go.

The plan (compiler/runner/queue.py) says, per alert, which run to start;
this module starts or continues those runs in worker processes, each with
its own read-only connection to the data, and writes queue.json and
queue.md. A run's id is a function of its alert id, so triage is
idempotent: an alert whose run exists is read, not run again, and a run a
killed triage left half-way (its record says it was still running) is
continued from its last complete step. Each alert therefore ends up with
exactly one run, whatever was killed when.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.files import UsageError, write_atomic
from compiler.lifetime import die_with_parent
from compiler.runner.answers import GivenAnswers
from compiler.runner.database import DEFAULT_LIMITS, Database
from compiler.runner.errors import RunError
from compiler.runner.events import read_record
from compiler.runner.inputs import RFC3339
from compiler.runner.queue import Planned, entry_from_state, parse_alerts, plan, queue_document, queue_markdown
from compiler.runner.run import (
    EVENTS,
    REPORT_HTML,
    REPORT_JSON,
    REPORT_MD,
    SKILL,
    Finished,
    load_skill,
    proceed,
    read_skill,
    reopen,
    resume,
    start,
)
from compiler.runner.runstate import run_state
from compiler.runner.sparkconf import SparkOptions
from compiler.runner.state import replay
from compiler.runner.worker import Limits

QUEUE_JSON, QUEUE_MD, RUNS = "queue.json", "queue.md", "runs"
MAX_ALERTS_FILE = 1 << 30
"""Largest alerts file read (bytes)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the data, skills and runs are, who starts the runs, and the per-query limits."""

    db: Path
    skills: Path
    runs: Path
    by: str
    limits: Limits = DEFAULT_LIMITS
    spark: SparkOptions | None = None
    """Apache Spark's options when the runs go to Spark (None: DuckDB); each worker process starts its own session."""


def triage(alerts_file: Path, settings: Settings, out: Path, *, workers: int,
           progress: Callable[[int], None] = lambda _: None) -> dict[str, Any]:
    """Read the alerts, run what can run, write queue.json and queue.md into `out`; the queue document."""
    planned = plan(parse_alerts(_lines(alerts_file)), _catalog(settings.skills))
    to_run = [p for p in planned if p.entry is None]
    progress(len(planned) - len(to_run))
    entries: dict[int, dict[str, Any]] = {}
    for line, entry in _advance_all(to_run, settings, workers):
        entries[line] = entry
        progress(1)
    queue = queue_document(planned, entries, str(alerts_file))
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / QUEUE_JSON, (json.dumps(queue, indent=2, ensure_ascii=False) + "\n").encode())
    write_atomic(out / QUEUE_MD, queue_markdown(queue).encode())
    return queue


def count_lines(alerts_file: Path) -> int:
    """How many alert lines the file holds (for a progress bar)."""
    return sum(1 for line in _lines(alerts_file) if line.strip())


def _lines(path: Path) -> Iterator[bytes]:
    try:
        if path.stat().st_size > MAX_ALERTS_FILE:
            raise UsageError(f"{path} is larger than {MAX_ALERTS_FILE:,} bytes; split it")
        with path.open("rb") as handle:
            yield from handle
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from err


def _catalog(skills: Path) -> list[dict[str, Any]]:
    try:
        index = json.loads((skills / "index.json").read_bytes())
    except (OSError, ValueError) as err:
        raise UsageError(f"cannot read {skills / 'index.json'}; run: sopc build") from err
    return [load_skill(skills / entry["id"] / SKILL) for entry in index.get("skills", [])]


def _advance_all(to_run: Sequence[Planned], settings: Settings, workers: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, queue entry) of every planned run, as they finish."""
    if workers <= 1 or len(to_run) <= 1:
        _Worker.open(settings)
        try:
            for item in to_run:
                yield item.line, _Worker.advance(item)
        finally:
            _Worker.close()
        return
    # Each worker keeps its connection (and its query worker) for all its runs. Alerts are handed out one
    # at a time: a run takes from milliseconds to many seconds, and a chunk of long ones would leave the
    # other workers idle at the end.
    context = multiprocessing.get_context("spawn")  # no DuckDB state is ever copied into a child
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_Worker.open,
                             initargs=(settings, os.getpid())) as pool:
        yield from zip([p.line for p in to_run], pool.map(_Worker.advance, to_run), strict=True)


class _Worker:
    """One process's connection to the data and its skills, opened once and used for every run it is given."""

    settings: Settings | None = None
    database: Database | None = None
    skills: dict[str, tuple[dict[str, Any], bytes]] = {}  # noqa: RUF012 -- per process, filled as skills are used

    @classmethod
    def open(cls, settings: Settings, parent: int = 0) -> None:
        """parent: the triage's pid, for a worker process, which must not outlive it (it would go on
        running alerts while a resumed triage runs them too)."""
        if parent:
            die_with_parent(parent)
        cls.settings = settings
        try:
            cls.database = Database.open(settings.db, settings.limits, spark=settings.spark)
        except RunError as err:
            raise UsageError(str(err)) from err

    @classmethod
    def close(cls) -> None:
        if cls.database is not None:
            cls.database.close()
            cls.database = None

    @classmethod
    def advance(cls, item: Planned) -> dict[str, Any]:
        """Start the alert's run, continue it if a killed triage left it running, or read where it stands.

        A folder under the run's id always holds the run's first event: a start killed before that left
        only a hidden staging folder, which `start` clears (compiler/files.py, clear_dead_staging).
        """
        assert cls.settings is not None and cls.database is not None and item.sop and item.run_id
        folder = cls.settings.runs / item.run_id
        try:
            if (folder / EVENTS).is_file():
                return cls._continued(folder)
            skill, raw = cls._skill(item.sop)
            finished = start(skill, cls.database, dict(item.inputs), GivenAnswers({}), cls.settings.runs,
                             started_by=cls.settings.by, run_id=item.run_id, raw=raw, alert=_alert(item))
            return _entry(skill, finished)
        except (UsageError, RunError) as err:
            return {"status": "failed", "message": str(err)}

    @classmethod
    def _skill(cls, sop: str) -> tuple[dict[str, Any], bytes]:
        """The compiled skill, read and checked against the skill schema once per worker."""
        assert cls.settings is not None
        if sop not in cls.skills:
            cls.skills[sop] = read_skill(cls.settings.skills / sop / SKILL)
        return cls.skills[sop]

    @classmethod
    def _continued(cls, folder: Path) -> dict[str, Any]:
        assert cls.settings is not None
        skill, log, events, torn = reopen(folder)
        state = replay(events)
        if state.status == "running":
            # A killed triage left it mid-run: on from its last complete step, with no answers given.
            return _entry(skill, proceed(folder, skill, log, events, state, GivenAnswers({}), by=cls.settings.by,
                                         database=cls.database, torn=torn))
        log.close()
        if not all((folder / name).is_file() for name in (REPORT_JSON, REPORT_MD, REPORT_HTML)):
            return _entry(skill, resume(folder, GivenAnswers({}), by=cls.settings.by, database=cls.database))
        _, _, head = read_record(folder / EVENTS)
        return entry_from_state(run_state(skill, state, {"events": len(events), "head": head}, str(folder)))


def _alert(item: Planned) -> dict[str, str]:
    """What the run records of its alert: id and name, and the time when it is RFC 3339 (the queue keeps any)."""
    alert = {"id": item.alert_id, "name": item.name}
    if item.ts is not None and RFC3339.fullmatch(item.ts):
        alert["ts"] = item.ts
    return {k: v for k, v in alert.items() if v is not None}


def _entry(skill: Mapping[str, Any], done: Finished) -> dict[str, Any]:
    """The queue entry of a run sopc just took as far as it could (its skill: the one it ran)."""
    return entry_from_state(run_state(skill, done.state, done.report["record"], str(done.folder)))


def default_workers() -> int:
    """One worker per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)

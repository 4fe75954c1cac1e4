"""The run record: events.jsonl, append-only, one JSON object per line.

Each event is written to the file as it happens, so a killed process loses
none. The file is synced to disk before each query is sent (on its own
thread, while DuckDB works), before a person is asked, and when the run
stops or pauses; a power cut in between can cost only the events since the
last sync, which a resume computes again from the record.

Every event carries its sequence number and the sha256 of the line before
it, so a record that was edited, reordered or cut in the middle no longer
verifies. A run killed while writing leaves at most one torn last line; it
was never complete, so resuming drops it (and says so in the next event).
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from compiler.files import read_bounded
from compiler.resources import schema_json
from compiler.runner.errors import RecordBusy, RunError
from compiler.runner.values import iso

GENESIS = "sha256:" + "0" * 64
Clock = Callable[[], datetime.datetime]


def utc_now() -> datetime.datetime:
    """The wall clock, in UTC: events record when they happened (reports and skills never do)."""
    return datetime.datetime.now(datetime.UTC)


def line_hash(line: bytes) -> str:
    """sha256 of one line of the record, newline excluded."""
    return "sha256:" + hashlib.sha256(line).hexdigest()


def encode(event: dict[str, Any]) -> bytes:
    """An event as one line of compact JSON, its fields in the order they were made.

    Keeping the order (a query's columns as selected, seq and type first)
    means a run resumed from its record reports exactly what a run that
    never stopped reports.
    """
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def read_events(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The complete events of a record and the byte length of a torn last line (0 if none).

    Raises RunError if the chain does not verify: the record was altered.
    """
    events, torn, _ = read_record(path)
    return events, torn


MAX_RECORD_BYTES = 256 << 20
"""A record larger than this is not read (a run of a thousand steps at --max-rows 1000 stays far below)."""


def read_record(path: Path) -> tuple[list[dict[str, Any]], int, str]:
    """The complete events, the torn bytes after them, and the hash of the last complete line.

    A run folder is untrusted input: the record must be a regular file of bounded size, and each line
    a JSON event that fits schema/run.schema.json and continues the hash chain. Anything else is a
    RunError naming the line.
    """
    try:
        data = read_bounded(path, MAX_RECORD_BYTES)
    except OSError as err:
        raise RunError(f"cannot read the run record {path}: {err.strerror or err}") from err
    if len(data) > MAX_RECORD_BYTES:
        raise RunError(f"{path}: the record is over {MAX_RECORD_BYTES:,} bytes; it was not read")
    complete, _, torn = data.rpartition(b"\n")
    if not data.endswith(b"\n") and b"\n" not in data:
        complete, torn = b"", data
    events: list[dict[str, Any]] = []
    previous = GENESIS
    for number, line in enumerate(complete.split(b"\n") if complete else [], start=1):
        try:
            event = json.loads(line)
        except RecursionError as err:
            raise RunError(f"{path}:{number}: nested too deeply to be an event; the record is damaged") from err
        except ValueError as err:
            raise RunError(f"{path}:{number}: not a JSON event; the record is damaged") from err
        if not isinstance(event, dict) or event.get("seq") != number or event.get("prev") != previous:
            raise RunError(f"{path}:{number}: the hash chain breaks here; the record was altered")
        problem = _shape_problem(event)
        if problem is not None:
            raise RunError(f"{path}:{number}: not a run event ({problem}); the record was altered")
        events.append(event)
        previous = line_hash(line)
    return events, len(torn), previous


@cache
def _validator() -> Any:
    return jsonschema.Draft202012Validator(schema_json("run.schema.json"))


def _shape_problem(event: dict[str, Any]) -> str | None:
    """Why an event does not fit schema/run.schema.json (its first error, located), or None."""
    try:
        error = next(iter(sorted(_validator().iter_errors(event), key=lambda e: list(e.absolute_path))), None)
    except RecursionError:
        return "nested too deeply"
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "top level"
    return f"{where}: {first_line_of(error.message)[:200]}"


def first_line_of(text: str) -> str:
    """The first line of a message."""
    return text.strip().splitlines()[0] if text.strip() else ""


def _lock(path: Path, *, create: bool) -> int:
    """An exclusive lock on the record for as long as this process writes it; two writers would fork the chain."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | (os.O_CREAT | os.O_EXCL if create else 0), 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as err:
        os.close(fd)
        raise RecordBusy(f"another sopc process is writing {path}; wait for it to finish") from err
    return fd


class EventLog:
    """Appends events to a run's events.jsonl; nothing is ever rewritten."""

    def __init__(self, path: Path, clock: Clock = utc_now, *, create: bool = False) -> None:
        self.path = path
        self._fd = _lock(path, create=create)
        self._seq = 0
        self._prev = GENESIS
        self._clock = clock
        self._unsynced = False
        self._syncer: ThreadPoolExecutor | None = None
        self._syncing: Future[None] | None = None

    def close(self) -> None:
        """Sync, then release the record."""
        if self._fd >= 0:
            try:
                self.sync()
            finally:
                if self._syncer is not None:
                    self._syncer.shutdown()
                os.close(self._fd)
                self._fd = -1

    @property
    def head(self) -> str:
        """sha256 of the last line written: names the whole record, as each line names the one before."""
        return self._prev

    @property
    def count(self) -> int:
        """Events in the record."""
        return self._seq

    @classmethod
    def create(cls, path: Path, clock: Clock = utc_now) -> EventLog:
        """A new, empty record; refuses to touch an existing one."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return cls(path, clock, create=True)
        except FileExistsError as err:
            raise RunError(f"{path} already exists; a run record is never overwritten") from err
        except OSError as err:
            raise RunError(f"cannot create {path}: {err.strerror or err}") from err

    @classmethod
    def reopen(cls, path: Path, clock: Clock = utc_now) -> tuple[EventLog, list[dict[str, Any]], int]:
        """An existing record to append to, its events, and the torn bytes it dropped."""
        log = cls(path, clock)  # take the lock before reading, so nobody appends in between
        try:
            events, torn, head = read_record(path)
            if torn:
                os.ftruncate(log._fd, path.stat().st_size - torn)
                os.fsync(log._fd)
        except BaseException:
            log.close()
            raise
        log._seq, log._prev = len(events), head
        return log, events, torn

    def append(self, event_type: str, /, **fields: Any) -> dict[str, Any]:
        """Write one event to the record (it reaches the disk with the next sync)."""
        event = {"seq": self._seq + 1, "type": event_type, "at": iso(self._clock()), "prev": self._prev, **fields}
        try:
            line = encode(event)
        except (ValueError, UnicodeEncodeError) as err:
            raise RunError(f"cannot record a {event_type} event: {err}") from err
        data = line + b"\n"
        try:
            while data:
                data = data[os.write(self._fd, data):]
        except OSError as err:  # a full disk: at most a torn line, which a resume drops
            raise RunError(f"cannot write the run record {self.path}: {err.strerror or err}") from err
        self._seq += 1
        self._prev = line_hash(line)
        self._unsynced = True
        return event

    def sync(self, *, wait: bool = True) -> None:
        """Sync the record to disk.

        With wait=False the sync runs beside the caller (the run asks DuckDB
        its next query meanwhile); the next sync or close waits for it.
        """
        self._join()
        if not self._unsynced:
            return
        if wait:
            try:
                os.fdatasync(self._fd)  # the lines and the file's new length
            except OSError as err:
                raise RunError(f"cannot sync the run record {self.path}: {err.strerror or err}") from err
        else:
            if self._syncer is None:  # one thread for the record's syncs: it waits on the disk, not the CPU
                self._syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sopc-record-sync")
            self._syncing = self._syncer.submit(os.fdatasync, self._fd)
        self._unsynced = False

    def _join(self) -> None:
        if self._syncing is not None:
            syncing, self._syncing = self._syncing, None
            try:
                syncing.result()
            except OSError as err:
                self._unsynced = True  # still not on disk: the next sync tries again
                raise RunError(f"cannot sync the run record {self.path}: {err.strerror or err}") from err

"""Starting and resuming runs: the run folder, the skill copy, the record and the reports.

A run folder holds everything an auditor needs: skill.json exactly as run,
events.jsonl (the record) and report.json / report.md (rebuilt from the
record whenever the run stops or pauses).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from compiler.approvers import Registry
from compiler.files import UsageError, clear_dead_staging, owner_tag, read_bounded, rename_new, write_atomic
from compiler.resources import schema_json
from compiler.runner.answers import Answers
from compiler.runner.database import Database
from compiler.runner.engine import Engine
from compiler.runner.errors import RecordBusy, RunError, first_line
from compiler.runner.events import Clock, EventLog, utc_now
from compiler.runner.inputs import checked_inputs
from compiler.runner.origin import origin
from compiler.runner.querycheck import canonical_tables
from compiler.runner.report import documents, findings
from compiler.runner.report_lang import localized_report
from compiler.runner.sparkconf import SparkOptions
from compiler.runner.state import ENDED, RunState, data_source, replay
from compiler.runner.worker import Limits

EVENTS, REPORT_JSON, REPORT_MD, SKILL = "events.jsonl", "report.json", "report.md", "skill.json"
REPORT_HTML = "report.html"
MAX_SKILL_BYTES = 16 << 20
"""A compiled skill is tens of kilobytes; a larger file is not read."""
_DAMAGED = (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError)
"""What replaying a record that fits the schema but not the runner's logic can raise."""
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def sha256(data: bytes) -> str:
    """sha256 of bytes, as the record names files."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Finished:
    """Where a run stands after sopc ran it as far as it could."""

    folder: Path
    state: RunState
    report: dict[str, Any]


def load_skill(path: Path) -> dict[str, Any]:
    """A compiled skill, checked against the skill schema (the runner trusts nothing it did not check)."""
    return read_skill(path)[0]


def read_skill(path: Path) -> tuple[dict[str, Any], bytes]:
    """A checked compiled skill and the bytes it was read from (kept as they are in the run folder)."""
    try:
        raw = read_bounded(path, MAX_SKILL_BYTES)
        if len(raw) > MAX_SKILL_BYTES:
            raise UsageError(f"{path} is over {MAX_SKILL_BYTES:,} bytes; it is not a compiled skill")
        skill = json.loads(raw)
    except FileNotFoundError as err:
        raise UsageError(f"no compiled skill at {path}; run: sopc build") from err
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from err
    except (ValueError, RecursionError) as err:
        raise UsageError(f"cannot read {path}: not JSON ({first_line(err) if isinstance(err, ValueError) else 'nested too deeply'})") from err
    if not isinstance(skill, dict):
        raise UsageError(f"{path} is not a valid skill (top level: not an object)")
    try:
        errors = sorted(jsonschema.Draft202012Validator(schema_json("skill.schema.json")).iter_errors(skill),
                        key=lambda e: list(e.absolute_path))
    except RecursionError as err:
        raise UsageError(f"{path} is not a valid skill (nested too deeply)") from err
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "top level"
        raise UsageError(f"{path} is not a valid skill ({where}: {errors[0].message})")
    return dict(skill), raw


def new_run_id(skill_id: str, clock: Clock = utc_now) -> str:
    """<skill>-<UTC time>-<random>: sortable, and unique without coordination."""
    return f"{skill_id}-{clock().strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def skill_bytes(skill: dict[str, Any]) -> bytes:
    """The skill as the run folder keeps it."""
    return (json.dumps(skill, indent=2, ensure_ascii=False) + "\n").encode()


def start(skill: dict[str, Any], database: Database, inputs: dict[str, Any], answers: Answers, out: Path, *,
          started_by: str, run_id: str | None = None, clock: Clock = utc_now, raw: bytes | None = None,
          registry: Registry | None = None, lang: str = "en", alert: Mapping[str, Any] | None = None,
          case_id: str | None = None) -> Finished:
    """Check the inputs, then run a skill from its first step (raw: the skill file's bytes, when read from one;
    registry: the approver registry signed approvals are checked against; lang: the language of report.md and
    report.html, one the skill has a translation in; alert ({id, name, ts}) and case_id: what the run was started
    for, recorded and named in the reports)."""
    if lang != "en" and lang not in skill.get("translations", {}):
        raise UsageError(f"the skill {skill['id']} has no {lang} translation: run sopc translate {skill['id']} "
                         f"--lang {lang}, translate it, then sopc build")
    values = checked_inputs(inputs, skill)
    started_for = origin(alert, case_id)
    run_id = run_id or new_run_id(skill["id"], clock)
    if not RUN_ID.fullmatch(run_id):
        raise UsageError(f"run id {run_id!r}: use letters, digits, '-', '_' and '.' (at most 128)")
    folder = out / run_id
    if folder.exists():
        raise UsageError(f"{folder} already exists; a run record is never overwritten")
    clear_dead_staging(folder)  # a start of this id that was killed before its folder was whole
    engine = _create(folder, skill, raw, database, answers, clock, started_by, run_id, values, registry, lang,
                     started_for)
    return _finish(folder, skill, engine)


def _create(folder: Path, skill: dict[str, Any], raw: bytes | None, database: Database, answers: Answers,
            clock: Clock, started_by: str, run_id: str, values: dict[str, Any], registry: Registry | None,
            lang: str, started_for: dict[str, Any]) -> Engine:
    """The run folder, complete (the skill copy and the first event, synced) or not at all.

    It is made under a hidden name beside its place and renamed into it, so a full disk or a kill
    leaves no half-made folder under the run's id, and the id can be used again.
    """
    staging = folder.parent / f".{folder.name}.new-{owner_tag()}"
    log: EventLog | None = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        log = EventLog.create(staging / EVENTS, clock)
        kept = raw if raw is not None else skill_bytes(skill)
        write_atomic(staging / SKILL, kept)
        engine = Engine(skill, database, answers, log, RunState(), operator=started_by, registry=registry,
                        clock=clock)
        engine.begin(run_id, values, sha256(kept), lang, started_for)
        log.sync()
        try:
            database.ready()  # opened meanwhile by its worker; data that cannot be opened leaves no run folder
        except RunError as err:
            raise UsageError(str(err)) from err
        rename_new(staging, folder)
        log.path = folder / EVENTS
        return engine
    except BaseException as err:
        if log is not None:
            log.close()  # release the record and its lock
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(err, UsageError):
            raise
        if isinstance(err, FileExistsError):
            raise UsageError(f"{folder} already exists; a run record is never overwritten") from err
        if isinstance(err, OSError | RunError):
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            raise UsageError(f"cannot create the run folder {folder}: {reason}") from err
        raise


def reopen(folder: Path, clock: Clock = utc_now) -> tuple[dict[str, Any], EventLog, list[dict[str, Any]], int]:
    """A run's skill and its record, locked for appending: the events and the torn bytes dropped.

    The caller closes the record. Only one writer holds it at a time, so
    whatever the caller decides from these events still holds when it appends;
    RecordBusy when another holds it now.
    """
    if not (folder / EVENTS).is_file():
        raise UsageError(f"{folder} holds no run record ({EVENTS})")
    skill = load_skill(folder / SKILL)
    try:
        log, events, torn = EventLog.reopen(folder / EVENTS, clock)
    except RecordBusy:
        raise  # the caller may say who else is writing
    except RunError as err:
        raise UsageError(str(err)) from err
    if not events or events[0]["type"] != "run_started":
        log.close()
        raise UsageError(f"run in {folder} never started; start a new one")
    return skill, log, events, torn


def resume(folder: Path, answers: Answers, *, by: str, database: Database | None = None,
           clock: Clock = utc_now, registry: Registry | None = None) -> Finished:
    """Continue a paused, failed or killed run from its last complete step."""
    try:
        skill, log, events, torn = reopen(folder, clock)
    except RecordBusy as err:
        raise UsageError(str(err)) from err
    try:
        try:
            state = replay(events)
        except _DAMAGED as err:
            raise UsageError(f"{folder / EVENTS} cannot be replayed ({type(err).__name__}); the record was altered") from err
        if state.status in ENDED:
            if not all((folder / name).is_file() for name in (REPORT_JSON, REPORT_MD, REPORT_HTML)):
                # Killed after its end was recorded but before the reports were written: write them now.
                log.close()
                return _reported(folder, skill, state, log, data_source(events))
            raise UsageError(f"run {state.run_id} already ended ({state.status}); nothing to resume")
    except BaseException:
        log.close()
        raise
    return proceed(folder, skill, log, events, state, answers, by=by, database=database, torn=torn, clock=clock,
                   registry=registry)


def proceed(folder: Path, skill: dict[str, Any], log: EventLog, events: list[dict[str, Any]], state: RunState,
            answers: Answers, *, by: str, database: Database | None = None, torn: int = 0,
            checked: dict[str, Any] | None = None, clock: Clock = utc_now,
            registry: Registry | None = None) -> Finished:
    """Run a reopened record on from where it stands (checked: an output_checked event to record first)."""
    try:
        if sha256(read_bounded(folder / SKILL, MAX_SKILL_BYTES)) != events[0].get("skill_sha256"):
            raise UsageError(f"{folder / SKILL} changed since the run started; a run continues with the skill it began")
        # On the engine the run began on (records from before Spark ran on DuckDB); Spark on this machine, unless
        # the caller opened the data with its own master and settings.
        spark = SparkOptions() if events[0].get("engine", {}).get("name") == "spark" else None
        data = database or Database.open(recorded_source(events), Limits.recorded(events[0]["limits"]), spark=spark)
    except BaseException:
        log.close()
        raise
    try:
        data.ready()  # data that cannot be opened is a usage error, before anything is recorded
    except BaseException:
        log.close()
        if database is None:
            data.close()
        raise
    try:
        engine = Engine(skill, data, answers, log, state, operator=by, registry=registry, clock=clock)
        try:
            engine.emit("run_resumed", by=by, from_step=state.current, discarded_torn_bytes=torn,
                        source=data.source, limits=data.limits, engine=data.record)
            if checked is not None:
                engine.emit("output_checked", **checked)
        except BaseException:
            log.close()
            raise
        return _finish(folder, skill, engine)
    finally:
        if database is None:  # opened here, so closed here
            data.close()


def append(folder: Path, skill: dict[str, Any], log: EventLog, events: list[dict[str, Any]], event_type: str,
           **fields: Any) -> Finished:
    """Record one event on a reopened record, close it and rewrite the reports (which name the record's end)."""
    try:
        event = log.append(event_type, **fields)
    finally:
        log.close()
    return _reported(folder, skill, replay([*events, event]), log, data_source(events))


def recorded_source(events: list[dict[str, Any]]) -> Path:
    """The data a run last ran on, if it still looks like exchange data; else a UsageError asking for --db.

    The record is not signed: a crafted one may name any path. Only a DuckDB file or a folder holding
    canonical table files is reopened without the user naming it.
    """
    source = Path(data_source(events))
    if source.is_file():
        try:
            with source.open("rb") as handle:
                looks_right = handle.read(12)[8:12] == b"DUCK"
        except OSError:
            looks_right = False
    else:
        looks_right = source.is_dir() and any(
            (source / f"{table}{suffix}").is_file() for table in canonical_tables() for suffix in (".parquet", ".csv"))
    if not looks_right:
        raise UsageError(f"the record names {str(source)[:200]!r} as its data, which is not a DuckDB file or a "
                         "folder of exchange tables; give the data with --db")
    return source


def _finish(folder: Path, skill: dict[str, Any], engine: Engine) -> Finished:
    try:
        state = engine.run()
    except KeyboardInterrupt:  # stopped at a prompt or in a query: the reports still match the record
        engine.log.close()
        _reported(folder, skill, engine.state, engine.log, engine.database.source)
        raise
    finally:
        engine.log.close()
    return _reported(folder, skill, state, engine.log, engine.database.source)


def report_files(skill: dict[str, Any], state: RunState, record: dict[str, Any],
                 source: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The findings and the bytes of report.json, .md and .html: a function of the skill and the record alone
    (.md and .html in the run's language; report.json stays as the findings schema says)."""
    report = findings(skill, state, record)
    shown_skill, shown = (skill, report) if state.lang == "en" else localized_report(skill, state, record, state.lang)
    text, page = documents(shown_skill, shown, state.started_by, source, state.lang)
    return report, {REPORT_JSON: (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode(),
                    REPORT_MD: text.encode(), REPORT_HTML: page.encode()}


def _reported(folder: Path, skill: dict[str, Any], state: RunState, log: EventLog, source: str) -> Finished:
    """Write report.json and report.md from the run's state and its closed record."""
    report, files = report_files(skill, state, {"events": log.count, "head": log.head}, source)
    for name, data in files.items():
        try:
            write_atomic(folder / name, data)
        except OSError as err:  # the record is complete: sopc run --resume writes the reports again
            raise RunError(f"cannot write {folder / name}: {err.strerror or err}; once there is room, "
                           f"sopc run --resume {folder} writes it") from err
    return Finished(folder, state, report)

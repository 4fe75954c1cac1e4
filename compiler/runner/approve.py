"""`sopc approve`: sign a decision at a paused run's gate, and hand it to the run.

The approver signs what they see: the run waiting at the step, the record as
it stands (its last line's hash goes into the statement). The signed
approval is appended to the run's record (an `approval_submitted` event, the
reports rewritten to show it) or returned for an answers file; the runner
decides whether it counts when the run is resumed.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compiler.approvers import Registry
from compiler.files import UsageError, write_atomic
from compiler.runner import signing
from compiler.runner.errors import RunError
from compiler.runner.events import Clock, EventLog, read_record, utc_now
from compiler.runner.run import EVENTS, SKILL, load_skill, report_files
from compiler.runner.state import data_source, replay
from compiler.runner.values import iso


def signed_approval(folder: Path, step: str, key: Ed25519PrivateKey, registry: Registry, *, approved: bool,
                    note: str | None, clock: Clock = utc_now) -> dict[str, Any]:
    """A signed statement of this key's holder about the run in folder, waiting at step."""
    holder = registry.by_key(signing.public_text(key.public_key()))
    if holder is None:
        raise UsageError("this key is not in the approver registry; add the entry `sopc keys new` printed")
    try:
        events, torn, head = read_record(folder / EVENTS)
    except RunError as err:
        raise UsageError(str(err)) from err
    if torn:
        raise UsageError(f"the record of {folder} ends in a torn line; resume the run before approving")
    state = replay(events)
    waiting = state.waiting or {}
    if state.status != "awaiting_approval" or waiting.get("step") != step:
        where = f"waits at {waiting.get('step')!r} for {waiting.get('reason')}" if waiting else f"is {state.status}"
        raise UsageError(f"run {state.run_id or folder} is not waiting for an approval at {step!r} (it {where})")
    role = str(waiting.get("role"))
    if role not in holder.roles:
        raise UsageError(f"step {step!r} needs the role {role!r}; the registry gives {holder.name} "
                         f"{', '.join(holder.roles)}")
    skill = load_skill(folder / SKILL)
    now = clock()
    if not holder.valid_at(now):
        raise UsageError(f"your key is valid from {holder.valid_from} to {holder.valid_until}, not today")
    claims = signing.statement(run_id=state.run_id, skill_digest=skill["digest"], step=step,
                               role=role, approved=approved, note=note, approver=holder.name,
                               time=iso(now.astimezone(datetime.UTC)), head=head)
    return signing.sign(key, claims)


def submit(folder: Path, envelope: dict[str, Any], clock: Clock = utc_now) -> int:
    """Append a signed approval to the run's record and rewrite its reports; the record's new length."""
    skill = load_skill(folder / SKILL)
    try:
        log, events, _ = EventLog.reopen(folder / EVENTS, clock)
    except RunError as err:
        raise UsageError(str(err)) from err
    try:
        event = log.append("approval_submitted", step=envelope["statement"]["step"], signed=envelope)
        events.append(event)
    finally:
        log.close()
    _, files = report_files(skill, replay(events), {"events": log.count, "head": log.head}, data_source(events))
    for name, data in files.items():
        write_atomic(folder / name, data)
    return log.count

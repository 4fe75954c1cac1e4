"""Where a run came from: the alert that raised it and the case it belongs to.

Pure. Both are recorded in the run's first event (`run_started`), so the
report names them, a resume keeps them and `sopc verify` rebuilds the same
report. They are references for people, never read by a step: inputs carry
what the queries need.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compiler.files import UsageError, read_bounded
from compiler.runner.inputs import RFC3339

MAX_ID = 128
"""Longest alert id, alert name or case id recorded."""
MAX_ALERT_FILE = 1 << 20
"""Largest alert file `sopc run --alert` reads (one alert, as triage reads one line)."""


def _reference(what: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID or not value.isprintable():
        raise UsageError(f"the {what} must be text of 1 to {MAX_ID} printable characters")
    return value


def origin(alert: Mapping[str, Any] | None = None, case_id: str | None = None) -> dict[str, Any]:
    """The run_started fields naming the alert ({id, name, ts}, each when known) and the case id, checked."""
    found: dict[str, Any] = {}
    if alert:
        kept = {key: _reference(f"alert's {key}", alert[key]) for key in ("id", "name") if alert.get(key) is not None}
        ts = alert.get("ts")
        if ts is not None:
            if not isinstance(ts, str) or not RFC3339.fullmatch(ts):
                raise UsageError("the alert's ts must be an RFC 3339 timestamp, like 2026-01-05T09:30:00Z")
            kept["ts"] = ts
        if kept:
            found["alert"] = kept
    if case_id is not None:
        found["case_id"] = _reference("case id", case_id)
    return found


def read_alert(path: Path) -> dict[str, Any]:
    """One alert {id, name, ts, payload} from a JSON file (the shape of a line of sopc triage's alerts file)."""
    try:
        raw = read_bounded(path, MAX_ALERT_FILE)
    except FileNotFoundError as err:
        raise UsageError(f"no alert file {path}") from err
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from err
    if len(raw) > MAX_ALERT_FILE:
        raise UsageError(f"{path} is over {MAX_ALERT_FILE:,} bytes; an alert file holds one alert")
    try:
        alert = json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise UsageError(f"{path} is not JSON: {err if isinstance(err, ValueError) else 'nested too deeply'}") from err
    if not isinstance(alert, dict) or not isinstance(alert.get("name"), str) or \
            not isinstance(alert.get("payload"), dict):
        raise UsageError(f"{path}: an alert is a JSON object {{id, name, ts, payload}} with a name and a payload")
    return alert

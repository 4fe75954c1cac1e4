"""Values crossing the run's edges: SQL rows and answers to JSON, JSON to CEL, CEL to SQL parameters.

One path for everything: database values become JSON (what the event log
keeps), and conditions read CEL values made from that JSON, so a resumed run
sees exactly what the first run saw.
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from celpy import celtypes
from celpy.adapter import json_to_cel

UTC = datetime.UTC
_INT64 = 2**63


def iso(moment: datetime.datetime) -> str:
    """ISO 8601 in UTC with a Z; naive datetimes from DuckDB TIMESTAMP columns are UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    text = moment.isoformat()
    return f"{text}Z"


def parse_timestamp(text: str) -> datetime.datetime:
    """An aware UTC datetime from ISO 8601 text (Z or an offset; no offset means UTC)."""
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def recordable(value: Any, where: str = "value") -> list[str]:
    """Why a value cannot go into the record (empty when it can): NaN and infinity, unpaired surrogates."""
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{where}: {value} is not a number the record can hold"]
    if isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        return [f"{where}: {str(value)[:24]}{'…' if len(str(value)) > 24 else ''} is outside the 64-bit integers "
                "the record and CEL hold"]
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [f"{where}: text is not valid UTF-8"]
        return []
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in recordable(v, f"{where}.{k}")]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in recordable(v, f"{where}[{i}]")]
    return []


def to_json(value: Any) -> Any:
    """A JSON value for anything DuckDB returns (timestamps as ISO text, decimals as numbers)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return to_json(float(value))
    if isinstance(value, datetime.datetime):
        return iso(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [to_json(v) for v in value]
    return str(value)


def is_time_type(sql_type: str) -> bool:
    """Whether a DuckDB column type holds points in time (read as CEL timestamps)."""
    return sql_type.upper().startswith(("TIMESTAMP", "DATE"))


def cel(value: Any, timestamp: bool = False) -> Any:
    """The CEL value of a JSON value; timestamp=True reads ISO text as a CEL timestamp."""
    if timestamp and isinstance(value, str):
        return celtypes.TimestampType(parse_timestamp(value))
    return json_to_cel(value)


def cel_rows(columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]]) -> Any:
    """CEL list of maps for query rows, with time columns as timestamps."""
    times = {name for name, sql_type in columns if is_time_type(sql_type)}
    return celtypes.ListType([
        celtypes.MapType({celtypes.StringType(k): cel(v, k in times) for k, v in row.items()})
        for row in rows
    ])


def cel_query(columns: Sequence[tuple[str, str]], result: Mapping[str, Any]) -> Any:
    """CEL map of a query step's result: rows (time columns as timestamps) and row_count."""
    return celtypes.MapType({
        celtypes.StringType("rows"): cel_rows(columns, result["rows"]),
        celtypes.StringType("row_count"): celtypes.IntType(result["row_count"]),
    })


def cel_object(values: Mapping[str, Any], schema: Mapping[str, Any]) -> Any:
    """CEL map of named values, reading date-time fields of the JSON Schema as timestamps."""
    properties = schema.get("properties", {})
    return celtypes.MapType({
        celtypes.StringType(name): cel(value, properties.get(name, {}).get("format") == "date-time")
        for name, value in values.items()
    })


def typed(text: str, spec: Mapping[str, Any]) -> Any:
    """Text from the command line or a prompt as the JSON value its schema asks for.

    Text that does not read as that type stays text, and the schema check
    then says what is wrong with it, in one place for inputs and answers.
    """
    kind, word = spec.get("type"), text.strip()
    if kind == "boolean":
        return {"true": True, "yes": True, "false": False, "no": False}.get(word.lower(), text)
    if kind in ("integer", "number"):
        if not word.isascii() or "_" in word:  # int() also reads other scripts' digits and 1_000
            return text
        try:
            return int(word) if kind == "integer" else float(word)
        except ValueError:
            return text
    if kind == "array":
        if word.startswith("{"):
            return text  # an object is not a list of comma-separated items
        if word.startswith("["):
            try:
                value = json.loads(word)
            except ValueError:
                return text
            return value if isinstance(value, list) else text
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def fixed_activation(inputs: Mapping[str, Any], skill: Mapping[str, Any]) -> dict[str, Any]:
    """The CEL names a run has before its first step: inputs and thresholds."""
    return {"inputs": cel_object(inputs, skill["inputs_schema"]),
            "thresholds": cel({name: t["value"] for name, t in skill["thresholds"].items()})}


def from_cel(value: Any) -> Any:
    """A Python value for SQL parameters and the event log (timestamps as naive UTC datetimes)."""
    if isinstance(value, celtypes.TimestampType):
        return datetime.datetime.fromtimestamp(value.timestamp(), UTC).replace(tzinfo=None)
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, celtypes.IntType | celtypes.UintType):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.DurationType):
        return value.total_seconds()
    if isinstance(value, celtypes.MapType):
        return {str(k): from_cel(v) for k, v in value.items()}
    if isinstance(value, celtypes.ListType):
        return [from_cel(v) for v in value]
    if value is None or isinstance(value, celtypes.NullType):
        return None
    return value


def sql_value(value: Any, timestamp: bool = False) -> Any:
    """A JSON input value as a DuckDB parameter (timestamps as naive UTC datetimes)."""
    if timestamp and isinstance(value, str):
        return parse_timestamp(value).replace(tzinfo=None)
    return value

"""The approver registry: who may approve a gate, in which roles, with which key, and when.

`approvers.yaml` lives beside the SOP library (sops/approvers.yaml) and is
read with the SOP loader's rules (no anchors, aliases or tags; size and depth
limits), checked against `schema/approvers.schema.json`, then for what a
schema cannot say: a key that is not an Ed25519 key, a key listed twice, a
validity that ends before it begins or has ended. Problems are located
diagnostics, as for SOPs. Pure: the caller reads the file.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Diagnostic, Severity, make
from compiler.files import REGISTRY
from compiler.schema_check import check_schema
from compiler.yamlload import load_bytes

FILE_NAME = REGISTRY
SCHEMA = "approvers.schema.json"


def person(name: str) -> str:
    """A name as compared for four-eyes: case and spacing do not make another person."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class Approver:
    """One registry entry: a person, their roles and one key with its validity."""

    name: str
    roles: tuple[str, ...]
    public_key: str
    """ed25519:<base64>, as `sopc keys new` prints it."""
    valid_from: datetime.date
    valid_until: datetime.date
    """Inclusive: the key signs until the end of this day (UTC)."""

    def valid_at(self, moment: datetime.datetime) -> bool:
        """Whether the key may sign at this moment (UTC)."""
        return self.valid_from <= moment.astimezone(datetime.UTC).date() <= self.valid_until

    def entry(self) -> dict[str, Any]:
        """The entry as the run record keeps it beside an accepted signature."""
        return {"name": self.name, "roles": list(self.roles), "public_key": self.public_key,
                "valid_from": self.valid_from.isoformat(), "valid_until": self.valid_until.isoformat()}


@dataclass(frozen=True, slots=True)
class Registry:
    """The checked registry and the sha256 of the file it was read from."""

    approvers: tuple[Approver, ...]
    sha256: str

    def by_key(self, public_key: str) -> Approver | None:
        """The entry holding this key, if any."""
        return next((a for a in self.approvers if a.public_key == public_key), None)


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def check_registry(path: str, raw: bytes, today: datetime.date) -> tuple[Registry | None, list[Diagnostic]]:
    """The registry of a file's bytes (None when it has errors) and every problem found, located."""
    from compiler.runner.signing import public_key  # the registry is read by validate too; keep crypto lazy

    doc, diagnostics = load_bytes(path, raw)
    if doc is None:
        return None, diagnostics
    diagnostics = [d for d in diagnostics if d.code != "SOP012"]  # the modeline names the SOP schema
    schema = check_schema(doc, SCHEMA)
    diagnostics += schema
    if schema:
        return None, sorted(diagnostics)
    seen: dict[str, int] = {}
    entries: list[Approver] = []
    for number, item in enumerate(doc.data["approvers"]):
        at = f"/approvers/{number}"
        key = item["public_key"]
        try:
            public_key(key)
        except ValueError as err:
            diagnostics.append(make(path, doc.source.value(f"{at}/public_key"), "SOP801",
                                    f"not an Ed25519 public key: {err}", f"{at}/public_key",
                                    "paste the line `sopc keys new` printed"))
        if key in seen:
            diagnostics.append(make(path, doc.source.value(f"{at}/public_key"), "SOP802",
                                    f"this key is already listed for approver {seen[key] + 1} "
                                    f"({doc.data['approvers'][seen[key]]['name']})", f"{at}/public_key",
                                    "every person signs with a key of their own"))
        seen.setdefault(key, number)
        start, end = _date(item["valid_from"]), _date(item["valid_until"])
        for field, value in (("valid_from", start), ("valid_until", end)):
            if value is None:
                diagnostics.append(make(path, doc.source.value(f"{at}/{field}"), "SOP803",
                                        f"{item[field]!r} is not a date", f"{at}/{field}", "write YYYY-MM-DD"))
        if start and end and end < start:
            diagnostics.append(make(path, doc.source.value(f"{at}/valid_until"), "SOP803",
                                    f"the key's validity ends ({end}) before it starts ({start})",
                                    f"{at}/valid_until"))
        elif end and end < today:
            diagnostics.append(make(path, doc.source.value(f"{at}/valid_until"), "SOP804",
                                    f"the key of {item['name']} expired on {end}", f"{at}/valid_until",
                                    "give the person a new key (sopc keys new) in a new entry"))
        if start and end:
            entries.append(Approver(item["name"], tuple(item["roles"]), key, start, end))
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return None, sorted(diagnostics)
    return Registry(tuple(entries), "sha256:" + hashlib.sha256(raw).hexdigest()), sorted(diagnostics)


def entry_text(name: str, key: str, roles: list[str], today: datetime.date) -> str:
    """The YAML lines of a new registry entry, valid for a year from today."""
    until = today.replace(year=today.year + 1) if (today.month, today.day) != (2, 29) \
        else today.replace(year=today.year + 1, day=28)
    role_list = ", ".join(roles) if roles else "ROLE"
    return (f"  - name: {_yaml_string(name)}\n    roles: [{role_list}]\n    public_key: \"{key}\"\n"
            f"    valid_from: \"{today.isoformat()}\"\n    valid_until: \"{until.isoformat()}\"\n")


def _yaml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def recorded_entry(entry: Mapping[str, Any]) -> Approver | None:
    """The entry a run record keeps beside an accepted signature, read back (None if it is not one)."""
    try:
        return Approver(str(entry["name"]), tuple(str(r) for r in entry["roles"]), str(entry["public_key"]),
                        datetime.date.fromisoformat(entry["valid_from"]),
                        datetime.date.fromisoformat(entry["valid_until"]))
    except (KeyError, TypeError, ValueError):
        return None

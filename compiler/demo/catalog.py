"""The catalog of injected cases: what each one is and the rows it adds."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

Rows = Mapping[str, Sequence[Mapping[str, Any]]]
"""Rows of canonical tables by table name; each row maps column to value."""


@dataclass(frozen=True, slots=True)
class Case:
    """One injected case of the demo exchange."""

    name: str
    """Identifier scenarios use as their `data:` (snake_case, unique)."""
    typology: str
    """The risk typology it belongs to, e.g. wash-trading, account-takeover."""
    benign: bool
    """True for a look-alike that a good SOP must not escalate."""
    summary: str
    """One sentence: what happened, with the figures an analyst would quote."""
    subjects: Mapping[str, str]
    """The ids a run starts from, by input name (account_id, symbol, p2p_order_id...)."""
    window: tuple[str, str]
    """Start and end of the case's activity, ISO 8601 UTC."""
    rows: Callable[[], Rows]
    """The rows it adds. Pure and deterministic: no clock, no global random state."""


@cache
def cases() -> dict[str, Case]:
    """Every case, by name, from the typology modules in `compiler.demo.cases`."""
    from compiler.demo.cases import ALL

    found: dict[str, Case] = {}
    for case in ALL:
        if case.name in found:
            raise ValueError(f"two demo cases are named {case.name!r}")
        found[case.name] = case
    return dict(sorted(found.items()))

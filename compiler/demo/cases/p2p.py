"""Demo-data cases: p2p."""

from __future__ import annotations

from compiler.demo.catalog import Case

CASES: tuple[Case, ...] = ()

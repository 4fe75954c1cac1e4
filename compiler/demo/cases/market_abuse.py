"""Demo-data cases: market abuse."""

from __future__ import annotations

from compiler.demo.catalog import Case

CASES: tuple[Case, ...] = ()

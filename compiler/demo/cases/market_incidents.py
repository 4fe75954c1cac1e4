"""Demo-data cases: market incidents."""

from __future__ import annotations

from compiler.demo.catalog import Case

CASES: tuple[Case, ...] = ()

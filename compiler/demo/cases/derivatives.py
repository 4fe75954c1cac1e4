"""Demo-data cases: derivatives."""

from __future__ import annotations

from compiler.demo.catalog import Case

CASES: tuple[Case, ...] = ()

"""Demo-data cases: user risk."""

from __future__ import annotations

from compiler.demo.catalog import Case

CASES: tuple[Case, ...] = ()

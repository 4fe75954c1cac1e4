"""Fixtures more than one test module shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.demo.generate import generate


@pytest.fixture(scope="session")
def demo_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo exchange at scale 1 as a folder of Parquet files, made once: DuckDB and Spark read the very same
    bytes, and the kept Spark session's views of them serve every test that reads it."""
    folder = tmp_path_factory.mktemp("parquet") / "demo"
    generate(folder)
    return folder

"""The loader's diagnostics do not depend on the YAML library's version.

PyYAML 6.0.4 bundles a libyaml with a nesting limit of its own, met while its
scanner reads ahead of the events it hands out; earlier versions have none.
Both paths must end in the loader's own SOP010, at the place where the
loader's limit is crossed, and a document within the loader's limit must load
whatever the library's limit is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from compiler import yamlload
from compiler.yamlload import MAX_DEPTH, load_text

MODELINE = "# yaml-language-server: $schema=../../schema/sop.schema.json\n"


def _flow(levels: int) -> str:
    return MODELINE + "edge_cases: " + "[" * levels + "x" + "]" * levels + "\n"


def _block(levels: int) -> str:
    return MODELINE + "".join(" " * i + "k:\n" for i in range(levels)) + " " * levels + "v\n"


def _shown(text: str) -> list[tuple[int, int, str, str, str]]:
    _, diagnostics = load_text("k.yaml", text)
    return [(d.line, d.col, d.code, d.message, d.pointer) for d in diagnostics]


@pytest.fixture
def pure_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader on PyYAML's Python parser alone: the path of a PyYAML without libyaml's limit."""
    monkeypatch.setattr(yamlload, "_Parser", yaml.SafeLoader)


@pytest.fixture
def libyaml_limit() -> Iterator[Any]:
    """libyaml's own nesting limit, lowered for the test and restored after it."""
    native: Any = getattr(yaml, "_yaml", None)
    if native is None or not hasattr(native, "_set_max_nest_level"):
        pytest.fail(f"PyYAML {yaml.__version__} has no libyaml nesting limit; the lock pins one that has")
    default = native._get_max_nest_level()
    yield native
    native._set_max_nest_level(default)


@pytest.mark.parametrize("text", [_flow(10_000), _flow(MAX_DEPTH + 1), _block(MAX_DEPTH + 5)], ids=["flow-10000", "flow-65", "block-69"])
def test_loader_limit_alone(text: str, pure_parser: None) -> None:
    """Without the library's limit, the loader's check reports SOP010 at the first level too deep."""
    shown = _shown(text)
    assert [s[2] for s in shown] == ["SOP010"], shown
    assert shown[0][4].count("/") == MAX_DEPTH


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 100, 10_000])
def test_library_limit_gives_the_loaders_diagnostic(levels: int, libyaml_limit: Any) -> None:
    """libyaml's limit, met first or later than the loader's, gives the same diagnostic as the Python parser."""
    text = _flow(levels)
    for library_limit in (MAX_DEPTH + 2, 1_000):
        libyaml_limit._set_max_nest_level(library_limit)
        with_limit = _shown(text)
        assert [s[2] for s in with_limit] == ["SOP010"], with_limit
        assert with_limit == _shown_pure(text)


def test_library_limit_below_the_loaders_does_not_refuse(libyaml_limit: Any) -> None:
    """A document the loader accepts loads even when libyaml's own limit is lower."""
    libyaml_limit._set_max_nest_level(10)
    text = _flow(20)
    assert _shown(text) == []
    document, _ = load_text("k.yaml", text)
    assert document is not None
    value: Any = document.data["edge_cases"]
    for _ in range(19):
        value = value[0]
    assert value == ["x"]


def _shown_pure(text: str) -> list[tuple[int, int, str, str, str]]:
    saved = yamlload._Parser
    yamlload._Parser = yaml.SafeLoader
    try:
        return _shown(text)
    finally:
        yamlload._Parser = saved

"""Pages taken from a memo are the pages a full render makes, after every kind of edit, and only those are rendered."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.model import Sop, build
from compiler.sitegen import render_pages
from compiler.sitegen.memo import PageMemo, load_memo

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["market-abuse/wash-trading-linked-accounts", "user-risk/linked-account-group",
           "market-abuse/spoofing-layering", "p2p/p2p-money-mule-review", "p2p/p2p-counterparties"]
TODAY = datetime.date(2026, 11, 22)
SKILLS = {"wash-trading-linked-accounts": {"skill.json": b"{}\n", "SKILL.md": b"# Wash trading\n"}}

Library = dict[str, dict[str, Any]]
"""SOP documents by id."""


def _base() -> Library:
    docs = {}
    for name in SHIPPED:
        data = yaml.safe_load((ROOT / "sops" / f"{name}.yaml").read_text(encoding="utf-8"))
        docs[data["id"]] = data
    docs["spoofing-layering"] |= {"status": "deprecated", "superseded_by": "spoofing-v2"}  # not there yet
    return docs


def _models(docs: Library) -> list[Sop]:
    return [build(f"sops/{d['domain']}/{d['id']}.yaml", d) for d in docs.values()]


def _render(docs: Library, today: datetime.date = TODAY, skills: dict[str, dict[str, bytes]] = SKILLS,
            memo: PageMemo | None = None) -> dict[str, bytes]:
    return render_pages(_models(docs), skills, today=today, examples={}, schema={}, memo=memo)


def _threshold(docs: Library) -> None:
    name = next(iter(docs["p2p-money-mule-review"]["thresholds"]))
    docs["p2p-money-mule-review"]["thresholds"][name]["value"] *= 2


def _included_title(docs: Library) -> None:
    docs["linked-account-group"]["title"] = "Linked accounts, renamed"


def _added(docs: Library) -> None:
    docs["spoofing-v2"] = copy.deepcopy(docs["spoofing-layering"]) | {"id": "spoofing-v2", "status": "active",
                                                                       "title": "Spoofing, second edition"}
    del docs["spoofing-v2"]["superseded_by"]


def _removed_included(docs: Library) -> None:
    del docs["linked-account-group"]


def _domain_moved(docs: Library) -> None:
    docs["wash-trading-linked-accounts"]["domain"] = "derivatives"


def _alert_renamed(docs: Library) -> None:
    docs["spoofing-layering"]["triggers"][0]["alert"] = "spoofing_renamed"


EDITS: dict[str, Callable[[Library], None]] = {
    "a threshold": _threshold,
    "the title of an included SOP": _included_title,
    "a new SOP, the successor a deprecated one names": _added,
    "an included SOP removed": _removed_included,
    "an SOP moved to another domain": _domain_moved,
    "an alert renamed": _alert_renamed,
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_after_an_edit_the_memo_gives_what_a_full_render_gives(edit: str) -> None:
    docs = _base()
    memo = PageMemo()
    _render(docs, memo=memo)
    EDITS[edit](docs)
    memo.rendered = memo.reused = 0
    assert _render(docs, memo=memo) == _render(docs)
    assert memo.reused > 0, "nothing was taken from the memo"


def test_a_threshold_edit_renders_that_sops_page_alone() -> None:
    docs = _base()
    memo = PageMemo()
    first = _render(docs, memo=memo)
    memoized = [p for p in first if p.startswith("alerts/") or (p.count("/") == 2 and not p.endswith("index.md"))]
    _threshold(docs)
    memo.rendered = memo.reused = 0
    _render(docs, memo=memo)
    alerts = len(docs["p2p-money-mule-review"]["triggers"])  # its alert pages show its badges: rendered again
    assert memo.rendered == 1 + alerts
    assert memo.reused == len([p for p in memoized if p.endswith(".md")]) - memo.rendered


@pytest.mark.parametrize(("later", "changes"), [(datetime.date(2026, 12, 31), False), (datetime.date(2027, 6, 1), True)])
def test_the_date_matters_only_through_overdue_reviews(later: datetime.date, changes: bool) -> None:
    docs = _base()
    memo = PageMemo()
    before = _render(docs, memo=memo)
    after = _render(docs, today=later, memo=memo)
    assert after == _render(docs, today=later)
    assert (after != before) is changes


def test_changed_skill_files_change_the_page_that_links_them() -> None:
    docs = _base()
    memo = PageMemo()
    _render(docs, memo=memo)
    skills = {"wash-trading-linked-accounts": {**SKILLS["wash-trading-linked-accounts"], "tools.json": b"[]\n"}}
    assert _render(docs, skills=skills, memo=memo) == _render(docs, skills=skills)


def test_a_saved_memo_reads_back_only_pages_that_still_have_their_digest() -> None:
    docs = _base()
    written = _render(docs, memo=(memo := PageMemo("code-1", keep=False)))
    on_disk = dict(written)
    page = "runbooks/market-abuse/wash-trading-linked-accounts.md"
    on_disk[page] = b"edited by hand\n"
    loaded = load_memo(memo.dumps(), "code-1", on_disk.get)
    assert _render(docs, memo=loaded) == written
    assert loaded.rendered == 1  # the page whose file no longer matches, and no other


@pytest.mark.parametrize("text", ["", "{", "[]", '{"format": 1, "fingerprint": "code-1", "pages": {"a": 1}}',
                                  '{"format": 99, "fingerprint": "code-1", "pages": {}}'])
def test_a_damaged_or_foreign_memo_is_ignored(text: str) -> None:
    memo = load_memo(text, "code-1", lambda path: None)
    assert memo.entries == {}


def test_a_memo_of_other_code_is_ignored() -> None:
    memo = PageMemo("code-1", keep=False)
    _render(_base(), memo=memo)
    assert load_memo(memo.dumps(), "code-2", lambda path: None).entries == {}
    assert load_memo(memo.dumps(), "code-1", lambda path: None).entries == memo.entries

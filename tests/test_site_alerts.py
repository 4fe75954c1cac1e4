"""The page per alert, the search boost that breaks ties, and the generated navigation."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.model import Sop, build
from compiler.sitegen import render_pages
from compiler.sitegen.alerts import search_boost

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml"
TODAY = datetime.date(2026, 11, 22)


def _sop(**changes: Any) -> Sop:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data.update(changes)
    return build(f"sops/{data['domain']}/{data['id']}.yaml", data)


def _render(sops: list[Sop]) -> dict[str, str]:
    return {p: d.decode() for p, d in render_pages(sops, {}, today=TODAY, examples={}).items()}


def test_an_alert_with_one_runbook_sends_the_browser_on_to_it() -> None:
    page = _render([_sop()])["alerts/stp_prevented_match_spike.md"]
    assert '<meta http-equiv="refresh" content="0; url=../../runbooks/market-abuse/wash-trading-linked-accounts/">' \
        in page
    assert "(../runbooks/market-abuse/wash-trading-linked-accounts.md)" in page  # and links it, checked by MkDocs
    assert f"  boost: {search_boost('stp_prevented_match_spike')}" in page


def test_an_alert_shared_by_several_runbooks_lists_them() -> None:
    other = _sop(id="wash-trading-variant", title="Another wash trading review", severity="medium",
                 triggers=[{"alert": "stp_prevented_match_spike", "when": "The same alert, read another way."}])
    files = _render([_sop(), other])
    page = files["alerts/stp_prevented_match_spike.md"]
    assert "http-equiv" not in page and "2 runbooks handle this alert" in page
    first, second = page.index("wash-trading-linked-accounts.md"), page.index("wash-trading-variant.md")
    assert first < second  # the more severe first
    assert "The same alert, read another way." in page
    index = files["runbooks/alerts.md"]
    assert index.count("(../alerts/stp_prevented_match_spike.md)") == 1


def test_an_alert_name_that_cannot_name_a_page_is_listed_without_one() -> None:
    files = _render([_sop(triggers=[{"alert": "Bad Name/../x", "when": "Never published as a page."}])])
    assert not any(p.startswith("alerts/") for p in files)
    assert "Never published as a page." in files["runbooks/alerts.md"]


@pytest.mark.parametrize(("shorter", "longer"), [("p2p_payer_name_mismatch", "p2p_payer_name_mismatch_cluster"),
                                                  ("liquidation_burst", "liquidation_burst_large_x")])
def test_fewer_words_boost_a_little_more(shorter: str, longer: str) -> None:
    ratio = search_boost(shorter) / search_boost(longer)
    assert 1.0 < ratio < 5 / 4.2  # breaks a tie; never outweighs a missing word (see alerts.py)
    assert search_boost(shorter) > 2  # above the runbook pages' boost


def test_navigation_names_domains_from_the_table_and_lists_their_index_pages() -> None:
    sops = [_sop(), _sop(id="p2p-x", domain="p2p"), _sop(id="ai-x", domain="ai-operations")]
    files = _render(sops)
    nav = yaml.safe_load(files["runbooks/.nav.yml"])["nav"]
    runbooks = next(entry["Runbooks"] for entry in nav if "Runbooks" in entry)
    sections = {next(iter(e)): e[next(iter(e))] for e in runbooks if isinstance(e, dict)}
    assert sections == {"Market abuse": "runbooks/market-abuse/index.md", "P2P": "runbooks/p2p/index.md",
                        "AI operations": "runbooks/ai-operations/index.md"}
    listed = set(sections.values()) | {e for e in runbooks if isinstance(e, str)}
    indexes = {p for p in files if p.startswith("runbooks/") and (p.endswith("/index.md") or p.count("/") == 1)}
    assert listed == {p for p in indexes if p.endswith(".md")}


def test_every_generated_page_is_in_the_navigation_or_declared_out_of_it() -> None:
    """The strict build stops on a page in neither; the SOP pages are out of it, whatever the library's size."""
    from mkdocs.utils import yaml_load
    from pathspec import GitIgnoreSpec

    sops = [_sop(id=f"wash-{n}", title=f"Wash {n}") for n in range(30)] + [_sop(id="p2p-x", domain="p2p")]
    files = _render(sops)
    nav_text = files["runbooks/.nav.yml"]
    config = (ROOT / "site" / "mkdocs.yml").read_text(encoding="utf-8")
    not_in_nav = GitIgnoreSpec.from_lines(yaml_load(config.replace("INHERIT:", "#"))["not_in_nav"].splitlines())
    for path in (p for p in files if p.endswith(".md")):
        listed = f'"{path}"' in nav_text
        assert listed != not_in_nav.match_file(path), path
    assert len(nav_text) == len(_render([_sop(id="wash-0", title="Wash 0"), _sop(id="p2p-x", domain="p2p")])[
        "runbooks/.nav.yml"])

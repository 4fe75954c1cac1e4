"""The glossary: the team's fixed terms, and where a translation departs from them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any


@cache
def _pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?:s|es)?(?!\w)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Term:
    """One concept with its English forms and its one Chinese word."""

    en: tuple[str, ...]
    zh: str
    also: tuple[str, ...] = ()
    """Other Chinese forms that count as the term."""
    avoid: tuple[str, ...] = ()
    """Chinese words that must not stand for it."""

    @property
    def pattern(self) -> re.Pattern[str]:
        """The English forms as whole words, case ignored, with an optional plural."""
        return _pattern(self.en)


@dataclass(frozen=True, slots=True)
class Glossary:
    """sops/glossary.yaml."""

    terms: tuple[Term, ...]

    def words(self) -> list[str]:
        """Every Chinese word of the glossary (terms and variants), for the search dictionary."""
        return sorted({w for t in self.terms for w in (t.zh, *t.also)})


def parse(data: dict[str, Any]) -> Glossary:
    """The glossary in data that passed its schema."""
    return Glossary(tuple(Term(tuple(t["en"]), t["zh"], tuple(t.get("also", ())), tuple(t.get("avoid", ())))
                          for t in data["terms"]))


@dataclass(frozen=True, slots=True)
class Departure:
    """A translation that does not use the glossary's word for a term of its English."""

    term: Term
    english: str
    """The form found in the English."""
    used: str | None
    """The avoided word the translation uses, if that is the problem."""


def departures(glossary: Glossary, english: str, translated: str) -> Iterator[Departure]:
    """Terms the English uses whose word the translation lacks, and avoided words it uses."""
    for term in glossary.terms:
        found = term.pattern.search(english)
        if found is None:
            continue
        used = next((w for w in term.avoid if w in translated), None)
        if used is not None or not any(w in translated for w in (term.zh, *term.also)):
            yield Departure(term, found.group(0), used)

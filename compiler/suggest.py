"""'Did you mean' hints for misspelled names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: object, options: Iterable[str]) -> str:
    """A 'did you mean' hint naming the closest option, or '' when nothing is close."""
    if not isinstance(word, str):
        return ""
    match = difflib.get_close_matches(word, sorted(set(options)), n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else ""


def article(word: str) -> str:
    """'an action', 'a query': the indefinite article and the word."""
    return f"{'an' if word[:1].lower() in 'aeiou' and word[:1] else 'a'} {word}"

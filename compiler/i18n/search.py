"""The user dictionary of the Chinese site search, generated from the glossary.

Material's search plugin segments Chinese text with jieba when building the
index. jieba does not know the team's terms and would cut 对敲 or 关联账户
into single characters or other words, so a search for the term would not
find it. Its user dictionary (`word frequency tag` per line) makes each
glossary word one token.
"""

from __future__ import annotations

from compiler.i18n.glossary import Glossary

FREQUENCY = 100_000
"""High enough that jieba keeps a glossary word whole rather than cutting it into more frequent words."""


def jieba_user_dict(glossary: Glossary) -> str:
    """The dictionary text: every Chinese word of the glossary, sorted, one per line."""
    return "".join(f"{word} {FREQUENCY} n\n" for word in glossary.words() if " " not in word)

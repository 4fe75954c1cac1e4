"""A skill's translations: SKILL.<lang>.md and the `translations` block of skill.json.

The translated SKILL.md is the skill compiled from the SOP with its prose in
the other language (English where a translation is stale, behind the stale
note), rendered with that language's fixed words. Its digest is the
English one: a translation never changes what the skill does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from compiler.document import Document
from compiler.i18n.translation import Translation, localized_document, texts_block
from compiler.model import Sop, build
from compiler.skill.compile import compile_skill
from compiler.skill.markdown import render_skill_md


def skill_md_name(lang: str) -> str:
    """SKILL.zh.md beside SKILL.md."""
    return f"SKILL.{lang}.md"


def add_translations(skill: dict[str, Any], doc: Document, library: Mapping[str, Sop],
                     translations: Sequence[Translation], tool_names: list[str],
                     documents: Mapping[str, Document] | None = None) -> dict[str, bytes]:
    """Record each translation in skill['translations'] and return the SKILL.<lang>.md files."""
    files: dict[str, bytes] = {}
    block: dict[str, Any] = {}
    for translation in sorted(translations, key=lambda t: t.lang):
        lang = translation.lang
        local = localized_document(doc, translation, lang)
        local_skill = compile_skill(build(doc.path, local.data), local, library, documents)
        local_skill["digest"] = skill["digest"]
        files[skill_md_name(lang)] = render_skill_md(local_skill, tool_names, lang).encode("utf-8")
        block[lang] = {"skill_md": skill_md_name(lang), "texts": texts_block(doc.data, translation)}
    if block:
        skill["translations"] = block
    return files

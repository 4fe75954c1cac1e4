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
from compiler.i18n.translation import Translation, localized_document, skill_md_name, translations_block
from compiler.model import Sop, build
from compiler.skill.compile import compile_skill
from compiler.skill.markdown import render_skill_md


def add_translations(skill: dict[str, Any], doc: Document, library: Mapping[str, Sop],
                     translations: Sequence[Translation], tool_names: list[str],
                     documents: Mapping[str, Document] | None = None,
                     by_sop: Mapping[str, Sequence[Translation]] | None = None) -> dict[str, bytes]:
    """Record each translation in skill['translations'] and return the SKILL.<lang>.md files.

    by_sop: the library's translations, as the English skill was compiled with them, so that the included
    skills (and the sha256 that pins each) are the same in SKILL.<lang>.md as in skill.json."""
    files: dict[str, bytes] = {}
    for translation in sorted(translations, key=lambda t: t.lang):
        lang = translation.lang
        local = localized_document(doc, translation, lang)
        local_skill = compile_skill(build(doc.path, local.data), local, library, documents, by_sop)
        local_skill["digest"] = skill["digest"]
        files[skill_md_name(lang)] = render_skill_md(local_skill, tool_names, lang).encode("utf-8")
    if translations:
        skill["translations"] = translations_block(doc.data, translations)
    return files

"""A compiled skill with its prose in another language, from the skill's own `translations` block.

The runner reads skill.json only, never the SOP or its translation file, so
a report in another language takes its titles from the block `sopc build`
wrote into the skill. The block is keyed by the SOP's JSON pointers, which
name the same fields in the skill (/title, /steps/3/title, /outcomes/x/title).
An included skill is embedded with its own block, so its steps are shown in
the language too.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from compiler.document import pointer_tokens
from compiler.i18n.translation import STALE_NOTE


def _place(skill: dict[str, Any], pointer: str, make: Any) -> None:
    """Replace the string at pointer with make(old); fields the skill does not carry are left alone."""
    *parents, last = pointer_tokens(pointer)
    node: Any = skill
    for token in parents:
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            return
    if isinstance(node, list) and last.isdigit() and int(last) < len(node) and isinstance(node[int(last)], str):
        node[int(last)] = make(node[int(last)])
    elif isinstance(node, dict) and isinstance(node.get(last), str):
        node[last] = make(node[last])


def localized_skill(skill: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A copy of the skill, and of each skill it includes, with each translated text in place; a stale one keeps
    its English behind the note."""
    result: dict[str, Any] = copy.deepcopy(dict(skill))
    for step in result["steps"]:
        if step.get("kind") == "include":
            step["include"]["skill"] = localized_skill(step["include"]["skill"], lang)
    texts: Mapping[str, Any] = skill.get("translations", {}).get(lang, {}).get("texts", {})
    for pointer, entry in texts.items():
        tokens = pointer_tokens(pointer)
        if len(tokens) == 3 and tokens[0] == "steps" and tokens[2] == "message":
            pointer = f"/steps/{tokens[1]}/escalation/message"  # compiled escalate steps keep it there
        if "text" in entry:
            _place(result, pointer, lambda _old, text=entry["text"]: text)
        elif entry.get("stale"):
            _place(result, pointer, lambda old: STALE_NOTE[lang] + old)
    return result

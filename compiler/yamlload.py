"""Safe YAML loading with a source map and strict rules.

We build the data from the parser's event stream ourselves instead of using a
loader's constructor, so that:

- no tag can construct an object or run code (no constructor is ever called
  for a tag we did not allow);
- anchors, aliases and merge keys are refused before they are expanded, so an
  alias bomb costs nothing;
- nesting is tracked on an explicit stack: deep input gets a diagnostic, never
  a RecursionError;
- every value and key is located, and unquoted scalars that YAML 1.1 read as
  another type (1.10, no, 12:30) are remembered so the schema check can ask
  for quotes.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from compiler.diagnostics import Diagnostic, make
from compiler.document import Document, Position, SourceMap, pointer_join
from compiler.files import MAX_BYTES as MAX_BYTES  # the loader's limit, imported from here too

MAX_DEPTH = 64
MODELINE = "# yaml-language-server: $schema="
_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""Line breaks as the YAML parser counts them (str.splitlines knows more)."""

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PURE_PARSER: Any = yaml.SafeLoader
"""PyYAML's own Python parser: slower, but with no nesting limit of its own (see `_library_depth_error`)."""
_RESOLVER = yaml.resolver.Resolver()
# Typed handle on the resolver (its stub is untyped): implicit tag of a plain scalar.
_resolve_tag: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = _RESOLVER.resolve
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_CORE = "tag:yaml.org,2002:"
_INT = f"{_CORE}int"
_STR = f"{_CORE}str"
_TEXT_TAGS = frozenset({_STR, f"{_CORE}timestamp"})
_DECIMAL = re.compile("-?(?:0|[1-9][0-9]{0,17})")
"""An integer written plainly in decimal (no sign +, no _, no YAML 1.1 octal 0...), of at most 18 digits: a longer
one takes PyYAML's way, which keeps one past Python's digit limit as text."""
_ALLOWED_EXPLICIT = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null")} | {"!"}


@dataclass(slots=True)
class _Frame:
    """A mapping or sequence being filled."""

    container: dict[str, Any] | list[Any]
    pointer: str
    key: str | None = None
    key_pointer: str = ""
    """The pointer of the entry whose key was just read (where its value goes)."""
    key_ok: bool = True
    key_pos: Position = (1, 1)
    seen: dict[str, Position] = field(default_factory=dict)


class _Abort(Exception):
    """Stops building after a diagnostic that makes the rest meaningless."""


def _pos(mark: Any) -> Position:
    return (mark.line + 1, mark.column + 1)


class _Builder:
    """Turns parser events into data and a source map, collecting diagnostics."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self.source = SourceMap()
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0
        # Anchor name -> (index of the diagnostic for its first alias, uses, line of the last use).
        # An alias bomb repeats a few aliases thousands of times: one diagnostic per
        # anchor (with the count) tells the author everything without a flood.
        self.aliases: dict[str, tuple[int, int, int]] = {}

    def report(self, pos: Position, code: str, message: str, pointer: str = "", hint: str = "") -> None:
        self.diagnostics.append(make(self.path, pos, code, message, pointer, hint))

    # -- where the next value goes ------------------------------------------
    def _slot(self) -> tuple[_Frame | None, str]:
        """The frame that receives the next node and that node's pointer."""
        if not self.stack:
            return None, ""
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            return frame, f"{frame.pointer}/{len(frame.container)}"
        if frame.key is not None and frame.key_ok:
            return frame, frame.key_pointer
        return frame, pointer_join(frame.pointer, frame.key or "")

    def _place(self, value: Any, pos: Position) -> None:
        frame, pointer = self._slot()
        if frame is None:
            self.root = value
            self.source.values[""] = pos
            return
        if isinstance(frame.container, list):
            frame.container.append(value)
        else:
            key, frame.key = frame.key, None
            if not frame.key_ok or key is None:
                return
            frame.container[key] = value
        self.source.values[pointer] = pos

    def _take_key(self, frame: _Frame, value: Any, raw: str, pos: Position, tag: str) -> None:
        """A scalar in key position of a mapping."""
        frame.key_pos = pos
        if tag == f"{_CORE}merge":
            self.report(pos, "SOP006", "merge key '<<' is not allowed", frame.pointer, "write the merged entries out in full")
            frame.key, frame.key_ok = raw, False
            return
        if not isinstance(value, str):
            self.report(pos, "SOP007", f"mapping key {raw!r} is read as {_type_name(value)}, not a string",
                        frame.pointer, f'quote the key: "{raw}"')
            frame.key, frame.key_ok = raw, False
            return
        first = frame.seen.get(value)
        pointer = f"{frame.pointer}/{value.replace('~', '~0').replace('/', '~1')}"  # pointer_join, inlined: every key
        if first is not None:
            self.report(pos, "SOP005", f"duplicate key {value!r}", pointer,
                        f"first defined at line {first[0]}; remove or rename one of them")
            frame.key, frame.key_ok = value, False
            return
        frame.seen[value] = pos
        frame.key, frame.key_ok, frame.key_pointer = value, True, pointer
        self.source.keys[pointer] = pos

    def _expects_key(self) -> _Frame | None:
        if self.stack and isinstance(self.stack[-1].container, dict) and self.stack[-1].key is None:
            return self.stack[-1]
        return None

    # -- events -----------------------------------------------------------------
    def feed(self, event: Any) -> None:
        """Any event but a scalar's (`_scalar`: most events, `_build` sends them there straight)."""
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.report(_pos(event.start_mark), "SOP008", "a second YAML document starts here",
                            hint="an SOP file holds one document: remove the '---' separator or split the file")
                raise _Abort
            return
        if isinstance(event, yaml.AliasEvent):
            pos = _pos(event.start_mark)
            anchor = str(event.anchor)
            if anchor in self.aliases:
                index, uses, _ = self.aliases[anchor]
                self.aliases[anchor] = (index, uses + 1, pos[0])
            else:
                self.aliases[anchor] = (len(self.diagnostics), 1, pos[0])
                self.report(pos, "SOP006", f"alias '*{anchor}' is not allowed", self._slot()[1],
                            "write the content out in full instead of referring to an anchor")
            frame = self._expects_key()
            if frame is not None:
                frame.key, frame.key_ok = "*" + str(event.anchor), False
            else:
                self._place(None, pos)
            return
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self._check_node(event)
            pos = _pos(event.start_mark)
            if self._expects_key() is not None:
                self.report(pos, "SOP007", "a mapping key must be a string, not a collection", self.stack[-1].pointer,
                            "write a plain name as the key; complex keys ('? [a, b]' or '? {a: b}') are not SOP fields")
                raise _Abort
            if len(self.stack) >= MAX_DEPTH:
                self.report(pos, "SOP010", f"nesting deeper than {MAX_DEPTH} levels", self._slot()[1])
                raise _Abort
            container: dict[str, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
            _, pointer = self._slot()
            self._place(container, pos)
            self.stack.append(_Frame(container, pointer))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.stack.pop()

    def _scalar(self, event: Any) -> None:
        """A scalar event: _check_node, _construct and _scalar_or_key in one, for the common cases (most events)."""
        written = event.tag
        if event.anchor is not None or (written is not None and written not in _ALLOWED_EXPLICIT):
            self._check_node(event)
        raw = event.value
        plain = not event.style and bool(event.implicit[0])
        value: Any = raw
        if written is not None:
            value, tag = self._construct(event)
        elif not plain:
            tag = _STR  # quoted or block: text
        elif (tag := _implicit_tag(raw)) not in _TEXT_TAGS:
            value, tag = self._construct(event)
        mark = event.start_mark
        pos = (mark.line + 1, mark.column + 1)
        if not self.stack:
            self._scalar_or_key(value, raw, pos, tag, plain=plain)
            return
        frame = self.stack[-1]
        container = frame.container
        if isinstance(container, list):
            pointer = f"{frame.pointer}/{len(container)}"
            if plain and value is not None and not isinstance(value, str):
                self.source.coerced[pointer] = raw
            container.append(value)
            self.source.values[pointer] = pos
            return
        key = frame.key
        if key is None:
            self._take_key(frame, value, raw, pos, tag)
            return
        pointer = frame.key_pointer if frame.key_ok else pointer_join(frame.pointer, key)
        if plain and value is not None and not isinstance(value, str):
            self.source.coerced[pointer] = raw
        frame.key = None
        if frame.key_ok:
            container[key] = value
            self.source.values[pointer] = pos

    def finish(self) -> None:
        """Add the number of uses to the diagnostic of each alias used more than once."""
        for anchor, (index, uses, last) in self.aliases.items():
            if uses > 1:
                first = self.diagnostics[index]
                self.diagnostics[index] = replace(
                    first, hint=f"{first.hint}; '*{anchor}' is used {uses} times in all, the last at line {last}")

    def _check_node(self, event: Any) -> None:
        if event.anchor is None and (event.tag is None or event.tag in _ALLOWED_EXPLICIT):
            return  # nearly every node: nothing to report
        pos = _pos(event.start_mark)
        if event.anchor is not None:
            self.report(pos, "SOP006", f"anchor '&{event.anchor}' is not allowed", self._slot()[1],
                        "remove the anchor and write the content out wherever it is needed")
        tag = event.tag
        if tag is not None and tag not in _ALLOWED_EXPLICIT:
            self.report(pos, "SOP009", f"YAML tag {_shown_tag(tag)!r} is not allowed", self._slot()[1],
                        "remove the tag; sopc reads plain strings, numbers, booleans, lists and mappings only")

    def _construct(self, event: Any) -> tuple[Any, str]:
        """Build a plain value for a scalar, without any custom constructor."""
        if _is_plain(event) and event.tag in (None, "!"):
            tag = _implicit_tag(event.value)
        elif event.tag in _ALLOWED_EXPLICIT and event.tag != "!":
            tag = event.tag
        else:
            tag = _STR
        if tag in _TEXT_TAGS:
            return event.value, tag  # text, and timestamps, which stay text: the schema validates dates as strings
        if tag == _INT and _DECIMAL.fullmatch(event.value):
            return int(event.value), tag  # most numbers: what construct_yaml_int makes of them, without its steps
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        try:
            if tag == _INT:
                return _CONSTRUCTOR.construct_yaml_int(node), tag
            if tag == f"{_CORE}float":
                number = _CONSTRUCTOR.construct_yaml_float(node)
                if not math.isfinite(number):
                    self.source.non_finite.append(_pos(event.start_mark))
                return number, tag
            if tag == f"{_CORE}bool":
                return _CONSTRUCTOR.construct_yaml_bool(node), tag
            if tag == f"{_CORE}null":
                return None, tag
        except (ValueError, yaml.YAMLError):
            return event.value, _STR
        # Timestamps stay text: dates are validated as strings by the schema.
        return event.value, tag

    def _scalar_or_key(self, value: Any, raw: str, pos: Position, tag: str, plain: bool = False) -> None:
        frame = self._expects_key()
        if frame is not None:
            self._take_key(frame, value, raw, pos, tag)
            return
        _, pointer = self._slot()
        if plain and not isinstance(value, str) and value is not None:
            self.source.coerced[pointer] = raw
        self._place(value, pos)


_IMPLICIT: dict[str, str] = {}
"""The implicit tag of each plain scalar's text met so far (keys and many values repeat in every file)."""


def _implicit_tag(text: str) -> str:
    """The tag YAML gives a plain scalar with this text (the resolver's answer, kept)."""
    tag = _IMPLICIT.get(text)
    if tag is None:
        if len(_IMPLICIT) >= 65536:
            _IMPLICIT.clear()
        tag = _IMPLICIT[text] = _resolve_tag(yaml.ScalarNode, text, (True, False))
    return tag


def _is_plain(event: Any) -> bool:
    """Unquoted, untagged scalar (the C parser reports style '' and the pure one None)."""
    return not event.style and bool(event.implicit[0])


def _shown_tag(tag: str) -> str:
    """The tag as authors write it: !!python/object, not tag:yaml.org,2002:python/object."""
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if value is None:
        return "null"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "a date"
    return type(value).__name__


def decode(path: str, raw: bytes) -> tuple[str | None, list[Diagnostic]]:
    """Check size and encoding; return the text or a diagnostic."""
    if len(raw) > MAX_BYTES:
        return None, [make(path, (1, 1), "SOP002", f"file is over {MAX_BYTES:,} bytes, the limit",
                           hint="split the SOP or remove embedded data")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        before = raw[: err.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, [make(path, (line, col), "SOP001", f"byte 0x{raw[err.start]:02x} is not valid UTF-8",
                           hint="save the file as UTF-8")]
    return text, []


def _tab_diagnostics(path: str, text: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if "\t" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            found.append(make(path, (number, indent.index("\t") + 1), "SOP004", "tab used for indentation",
                              hint="indent with spaces"))
    return found


_OPENED = re.compile(r"^while (?:parsing|scanning) (?:a|an|the) (.+)$")


def _library_depth_error(err: yaml.MarkedYAMLError) -> bool:
    """True when the YAML library, not the document's syntax, refused the nesting."""
    return "nesting depth" in (err.problem or "")


def _syntax_hint(err: yaml.MarkedYAMLError, pos: Position, text: str = "") -> str:
    """What to fix: quote a value holding ': ' or ', ', re-indent a line, or close what was opened.

    A truncated file fails at its very end; the useful place to look is
    where the unclosed quote, bracket or mapping opened (the context mark).
    """
    problem = err.problem or ""
    lines = _BREAKS.split(text)
    line = lines[pos[0] - 1] if 0 < pos[0] <= len(lines) else ""
    key = re.match(r"^(\s*(?:- )?)([^\s:#][^:]*?):\s+(\S.*)$", line)
    if "mapping values are not allowed" in problem and key and pos[1] - 1 > key.end(2):
        return f'the value holds ": ", which YAML reads as another key: quote it: {key.group(2)}: "{key.group(3)}"'
    flow = list(re.finditer(r"[{,]\s*([^\s:,{}]+):\s", line[: pos[1] - 1]))
    if "expected ',' or '}'" in problem and flow:
        rest = line[flow[-1].end(): line.rfind("}") if "}" in line else len(line)]
        value = re.split(r",\s*[a-z_]\w*:\s", rest)[0].strip()
        return f'inside {{…}} ": " and ", " end a value: quote it: {flow[-1].group(1)}: "{value}"'
    if "mapping values are not allowed" in problem or "expected key" in problem or "'-' indicator" in problem:
        above = next((x for x in reversed(lines[: pos[0] - 1]) if x.strip() and not x.lstrip().startswith("#")), "")
        indent, before = (len(x) - len(x.lstrip(" ")) for x in (line, above))
        return f"line {pos[0]} is indented {indent} spaces and the line above it {before}: " \
            "indent it exactly as the keys it belongs with"
    hint = "check indentation and that every bracket and quote is closed"
    if err.context_mark is None or _pos(err.context_mark) == pos:
        return hint
    line_no, col = _pos(err.context_mark)
    opened = _OPENED.match((err.context or "").strip())
    what = f"the {opened.group(1)}" if opened else "it"
    return f"{what} started at line {line_no}, column {col}; {hint}"


def _build(builder: _Builder, text: str, parser: Any) -> None:
    """Feed every event of text to builder (what yaml.parse does, without its generator: a call less per event)."""
    loader = parser(text)
    try:
        next_event, scalar, feed = loader.get_event, builder._scalar, builder.feed
        while (event := next_event()) is not None:
            if type(event) is yaml.ScalarEvent:  # most events: straight to the scalar's handler
                scalar(event)
            else:
                feed(event)
    finally:
        loader.dispose()


def load_text(path: str, text: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse decoded text into a Document; None when it cannot be used at all."""
    tabs = _tab_diagnostics(path, text)
    if tabs:
        return None, tabs
    builder = _Builder(path)
    try:
        try:
            _build(builder, text, _Parser)
        except yaml.MarkedYAMLError as err:
            if not _library_depth_error(err):
                raise
            # libyaml (PyYAML >= 6.0.4) has a nesting limit of its own, met while scanning ahead of
            # the events it has handed out. Read again with the limitless Python parser so that the
            # builder's own check decides, at its own place: same diagnostic whatever the version.
            builder = _Builder(path)
            _build(builder, text, _PURE_PARSER)
    except _Abort:
        builder.finish()
        return None, builder.diagnostics
    except yaml.MarkedYAMLError as err:
        builder.finish()
        mark = err.problem_mark or err.context_mark
        pos = _pos(mark) if mark is not None else (1, 1)
        problem = (err.problem or "syntax error").strip()
        context = f" {err.context.strip()}" if err.context else ""
        builder.report(pos, "SOP003", f"YAML syntax error: {problem}{context}",
                       hint=_syntax_hint(err, pos, text))
        return None, builder.diagnostics
    except yaml.reader.ReaderError as err:
        # A control character: the reader knows the offset, not the line; locate it ourselves.
        builder.finish()
        before = _BREAKS.split(text[: max(err.position, 0)])
        code = err.character if isinstance(err.character, int) else ord(str(err.character)[:1] or "?")
        builder.report((len(before), len(before[-1]) + 1), "SOP003",
                       f"YAML syntax error: character U+{code:04X} is not allowed in YAML",
                       hint="remove the control character (often pasted from a terminal, a PDF or a spreadsheet)")
        return None, builder.diagnostics
    except yaml.YAMLError as err:
        builder.finish()
        builder.report((1, 1), "SOP003", f"YAML error: {err}")
        return None, builder.diagnostics
    builder.finish()
    diagnostics = builder.diagnostics
    if not isinstance(builder.root, dict):
        diagnostics.append(make(path, (1, 1), "SOP011", "the file does not hold a mapping of SOP fields",
                                hint="start from `sopc new` or the example in the README"))
        return None, diagnostics
    if not text.startswith(MODELINE):
        diagnostics.append(make(path, (1, 1), "SOP012", "first line is not a schema modeline",
                                hint=f"start the file with '{MODELINE}<relative path to schema/sop.schema.json>'"))
    return Document(path, text, builder.root, builder.source), diagnostics


_ANCHOR = re.compile(r"&\S+\s+")


def _tag_refused(token: str) -> bool:
    """Whether a tag as written (!!python/x, !include, !<...>) is one the loader refuses."""
    if token.startswith("!<") and token.endswith(">"):
        return token[2:-1] not in _ALLOWED_EXPLICIT
    if token.startswith("!!"):
        return f"{_CORE}{token[2:]}" not in _ALLOWED_EXPLICIT
    return token != "!"


def refused_values(doc: Document) -> frozenset[str]:
    """Pointers of values the loader already refused: aliases (SOP006) and refused tags (SOP009).

    What stands there is a placeholder (null for an alias, the bare text or
    collection for a tagged node), not what the author meant; later checks skip
    it instead of reporting the same mistake again as a wrong type. Found from
    the text at each value's position, because the Document carries no flags.
    """
    lines = _BREAKS.split(doc.text)
    refused: set[str] = set()
    for pointer, (line, col) in doc.source.values.items():
        if not 0 < line <= len(lines):
            continue
        fragment = lines[line - 1][col - 1:]
        if fragment[:1] not in ("*", "!", "&"):
            continue
        fragment = _ANCHOR.sub("", fragment, count=1) if fragment.startswith("&") else fragment
        if fragment.startswith("*") or (fragment.startswith("!") and _tag_refused(fragment.split(maxsplit=1)[0])):
            refused.add(pointer)
    return frozenset(refused)


def load_bytes(path: str, raw: bytes) -> tuple[Document | None, list[Diagnostic]]:
    """Decode and parse one SOP file's bytes."""
    text, diagnostics = decode(path, raw)
    if text is None:
        return None, diagnostics
    return load_text(path, text)

"""A YAML document as a tree of positioned nodes, composed from PyYAML's event parser.

Guarantees:

* Fast: events come from libyaml through PyYAML's C extension (``yaml.CSafeLoader``);
  nothing is constructed by PyYAML, this module builds the tree itself in one pass.
  Without libyaml the events come from ruamel.yaml's pure-Python parser, not PyYAML's:
  PyYAML's own parser rejects a ``?`` inside flow collections (``[Why?, How?]``), which
  libyaml and ruamel.yaml accept, and a plan must check the same on every machine.
* Positions: every mapping, sequence and scalar keeps the 0-based line and column where
  it starts; mappings also keep where each key and each value was written, sequences
  where each item was written. An alias is placed where the alias (``*name``) is written.
* YAML 1.2 core schema: a plain scalar's ``value`` is None (``~``, ``null``, empty), a
  bool (``true``/``false`` only: ``yes``, ``no``, ``on`` stay text), an int (``08`` is 8,
  ``0x1f``, ``0o17``; ``1_000`` stays text), a float, or the text. Quoted and block
  scalars are always text, and no scalar is ever a date: ``text`` always holds the
  characters as written, so a reader that wants text, or a date, takes ``text``.
* Never raises for bad input: syntax errors, duplicate keys, undefined or recursive
  aliases, unsupported tags, non-scalar keys and a second document become ``Issue``
  values, all collected. A syntax error is worded by ruamel.yaml's parser (which says
  what it found, e.g. "expected ',' or ']', but got '-'") when it stops at the same
  place as libyaml; it is re-run on that error path only.
* Anchors, aliases and merge keys (``<<: *defaults``; keys written in the mapping win)
  are supported. Nodes reached through aliases are shared, never copied, so a small
  file cannot expand into a huge tree.
* Bounded depth, whatever the parser's version: a collection nested deeper than
  ``MAX_DEPTH`` is a syntax issue where that level opens, and the parser is stopped
  there, so a hostile ``[[[[…`` costs neither time nor memory (PyYAML 6.0.4 added a
  limit of its own at about 1,000 levels; older releases had none).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union

import yaml

LIBYAML = hasattr(yaml, "CSafeLoader")  # PyYAML may be built without libyaml
COMPOSER = "libyaml (PyYAML C extension)" if LIBYAML else "ruamel.yaml pure Python"

Mark = tuple[int, int]  # 0-based (line, column)

MAX_DEPTH = 64  # a plan nests about 8 levels (goals, milestones, steps, their fields)

_CORE = "tag:yaml.org,2002:"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True,
          "false": False, "False": False, "FALSE": False}
_NUMBER_START = frozenset("0123456789+-.")
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"([-+]?)\.(?:inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)\Z")


@dataclass(slots=True)
class Scalar:
    """A scalar as written (``text``) and as the YAML 1.2 core schema reads it (``value``)."""

    text: str
    value: Any  # None | bool | int | float | str
    line: int
    col: int


class YamlMap(dict[str, "Node"]):
    """A mapping: keys are the key scalars' text, values are nodes, in written order."""

    __slots__ = ("line", "col", "key_at", "value_at")

    def __init__(self, line: int, col: int) -> None:
        super().__init__()
        self.line, self.col = line, col
        self.key_at: dict[str, Mark] = {}
        self.value_at: dict[str, Mark] = {}

    @classmethod
    def single(cls, key: str, node: Node, line: int, col: int) -> YamlMap:
        """A one-entry mapping standing where ``node`` was written (e.g. a title alone)."""
        made = cls(line, col)
        made[key] = node
        made.key_at[key] = made.value_at[key] = (line, col)
        return made


class YamlSeq(list["Node"]):
    """A sequence; ``item_at[i]`` is where item ``i`` was written."""

    __slots__ = ("line", "col", "item_at")

    def __init__(self, line: int, col: int) -> None:
        super().__init__()
        self.line, self.col = line, col
        self.item_at: list[Mark] = []


Node = Union[Scalar, YamlMap, YamlSeq]  # noqa: UP007 (a runtime alias; `|` on a str fails)


@dataclass(frozen=True, slots=True)
class Issue:
    """Why the text is not a usable YAML document, and where (0-based)."""

    code: str  # yaml-syntax, yaml-duplicate-key, yaml-tag or wrong-type
    message: str
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Composed:
    """The document's root node (None for an empty file) and every issue found."""

    root: Node | None
    issues: list[Issue] = field(default_factory=list)


def compose(text: str) -> Composed:
    """Return the tree of the single YAML document in ``text`` and the issues found.

    When there is a syntax error ``root`` is None and the issues end with it.
    """
    composer = _Composer()
    try:
        root = composer.build(_libyaml_events(text) if LIBYAML else _ruamel_events(text))
    except _Unparsable as failed:
        return Composed(None, [*composer.issues, failed.issue])
    return Composed(root, composer.issues)


def core_value(text: str) -> Any:
    """The YAML 1.2 core-schema value of the plain scalar ``text``."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text[0] not in _NUMBER_START:
        return text
    try:
        if _INT.match(text):
            return int(text)
        if _FLOAT.match(text):
            return float(text)
        if _OCT.match(text):
            return int(text[2:], 8)
        if _HEX.match(text):
            return int(text[2:], 16)
    except ValueError:  # more digits than int() converts
        return text
    inf = _INF.match(text)
    if inf:
        return -math.inf if inf[1] == "-" else math.inf
    return math.nan if _NAN.match(text) else text


# --------------------------------------------------------------------------- composer


class _Frame:
    """A mapping or sequence being filled, with what it still waits for."""

    __slots__ = ("node", "anchor", "key", "key_mark", "key_plain", "merges")

    def __init__(self, node: YamlMap | YamlSeq, anchor: str | None) -> None:
        self.node = node
        self.anchor = anchor
        self.key: str | None = None  # a mapping's key waiting for its value
        self.key_mark: Mark = (0, 0)
        self.key_plain = False
        self.merges: list[tuple[YamlMap, Mark]] = []


_SKIP = "\x00skip"  # stands for a key that was reported; its value is dropped


class _Composer:
    """Builds the tree from parser events (PyYAML's or ruamel.yaml's: they have the same
    names and fields); collects ``issues``."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.anchors: dict[str, Node] = {}
        self.building: set[str] = set()

    def issue(self, code: str, message: str, mark: Mark) -> None:
        self.issues.append(Issue(code, message, mark[0], mark[1]))

    def build(self, events: Iterator[Any]) -> Node | None:
        root: Node | None = None
        stack: list[_Frame] = []
        documents = 0
        for event in events:
            kind = type(event).__name__
            mark = (event.start_mark.line, event.start_mark.column)
            node: Node | None = None
            plain = False
            if kind == "ScalarEvent":
                node = self._scalar(event, mark)
                plain = event.implicit[0] and event.tag is None
            elif kind == "MappingStartEvent" or kind == "SequenceStartEvent":
                self._check_collection_tag(event, mark)
                if len(stack) >= MAX_DEPTH:
                    raise _Unparsable(_too_deep(*mark))
                made = YamlMap(*mark) if kind == "MappingStartEvent" else YamlSeq(*mark)
                if event.anchor:
                    self.building.add(event.anchor)
                stack.append(_Frame(made, event.anchor))
                continue
            elif kind == "MappingEndEvent" or kind == "SequenceEndEvent":
                frame = stack.pop()
                node = frame.node
                if isinstance(node, YamlMap):
                    _merge(node, frame.merges)
                if frame.anchor:
                    self.building.discard(frame.anchor)
                    self.anchors[frame.anchor] = node
                mark = (node.line, node.col)
            elif kind == "AliasEvent":
                node = self._alias(event.anchor, mark)
            elif kind == "DocumentStartEvent":
                documents += 1
                if documents > 1:
                    self.issue("yaml-syntax", "YAML syntax error: a second YAML document starts "
                               "here; a plan is one document (remove this part or the `---`)",
                               mark)
                    return root
                continue
            else:  # stream start and end, document end
                continue
            if not stack:
                root = node
            else:
                self._attach(stack[-1], node, mark, plain)
        return root

    def _scalar(self, event: Any, mark: Mark) -> Scalar:
        text, tag = event.value, event.tag
        if tag is None:
            value = core_value(text) if event.implicit[0] else text
        else:
            value = self._tagged(text, tag, mark)
        scalar = Scalar(text, value, mark[0], mark[1])
        if event.anchor:
            self.anchors[event.anchor] = scalar
        return scalar

    def _tagged(self, text: str, tag: str, mark: Mark) -> Any:
        """The value of a scalar with an explicit tag: core tags only."""
        name = tag[len(_CORE):] if tag.startswith(_CORE) else None
        if tag == "!" or name in ("str", "timestamp"):
            return text
        if name in ("null", "bool", "int", "float"):
            value = core_value(text)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            fits = {"null": value is None, "bool": isinstance(value, bool),
                    "int": number and isinstance(value, int), "float": number}
            if fits[name]:
                return float(value) if name == "float" else value
            self.issue("yaml-tag", f"{text!r} is not a valid `!!{name}`; fix it or remove the tag",
                       mark)
            return text
        self.issue("yaml-tag", f"the YAML tag `{_short(tag)}` is not supported in a plan; "
                   "remove it", mark)
        return text

    def _check_collection_tag(self, event: Any, mark: Mark) -> None:
        expected = _CORE + ("map" if type(event).__name__ == "MappingStartEvent" else "seq")
        if event.tag not in (None, "!", expected):
            self.issue("yaml-tag", f"the YAML tag `{_short(event.tag)}` is not supported in a "
                       "plan; remove it", mark)

    def _alias(self, anchor: str, mark: Mark) -> Node:
        if anchor in self.anchors:
            return self.anchors[anchor]
        if anchor in self.building:
            self.issue("yaml-syntax", f"YAML syntax error: the alias `*{anchor}` is inside the "
                       f"node `&{anchor}` it names; a plan cannot refer to itself", mark)
        else:
            self.issue("yaml-syntax", f"YAML syntax error: found undefined alias {anchor!r}; "
                       f"write `&{anchor}` on the node before using `*{anchor}`", mark)
        return Scalar("", None, *mark)

    def _attach(self, frame: _Frame, node: Node, mark: Mark, plain: bool) -> None:
        """Put ``node`` (written at ``mark``) into the collection being filled."""
        parent = frame.node
        if isinstance(parent, YamlSeq):
            parent.append(node)
            parent.item_at.append(mark)
            return
        key = frame.key
        if key is None and isinstance(node, Scalar):
            frame.key, frame.key_mark, frame.key_plain = node.text, mark, plain
            return
        if key is None:  # a collection used as a key
            self.issue("wrong-type", "a key must be a word such as `title`, not a list or "
                       "a mapping", mark)
            frame.key = _SKIP
            return
        frame.key = None
        if key == _SKIP:
            return
        if key == "<<" and frame.key_plain:
            self._add_merge(frame, node, mark)
        elif key in parent:
            first = parent.key_at[key][0] + 1
            self.issue("yaml-duplicate-key", f"found duplicate key `{key}` (the first one is at "
                       f"line {first}); each key may appear once", frame.key_mark)
        else:
            parent[key] = node
            parent.key_at[key] = frame.key_mark
            parent.value_at[key] = mark

    def _add_merge(self, frame: _Frame, node: Node, mark: Mark) -> None:
        sources = list(zip(node, node.item_at, strict=True)) if isinstance(node, YamlSeq) \
            else [(node, mark)]
        for source, at in sources:
            if isinstance(source, YamlMap):
                frame.merges.append((source, at))
            else:
                self.issue("wrong-type", "`<<` merges mappings: write `<<: *name` where `&name` "
                           "marks a mapping", at)


def _merge(target: YamlMap, sources: list[tuple[YamlMap, Mark]]) -> None:
    """Add the merged mappings' entries the target does not have (the first source wins)."""
    for source, _ in sources:
        for key, value in source.items():
            if key not in target:
                target[key] = value
                target.key_at[key] = source.key_at[key]
                target.value_at[key] = source.value_at[key]


def _short(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


# --------------------------------------------------------------------------- parsers


class _Unparsable(Exception):
    """The parser stopped; ``issue`` says why and where."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def _libyaml_events(text: str) -> Iterator[Any]:
    parser = yaml.CSafeLoader(text)
    try:
        next_event, end = parser.get_event, yaml.StreamEndEvent
        while True:
            event = next_event()
            yield event
            if type(event) is end:
                return
    except yaml.MarkedYAMLError as err:
        raise _Unparsable(_reworded(text, err)) from None
    except (yaml.YAMLError, UnicodeError) as err:  # e.g. a control character
        raise _Unparsable(_unmarked_issue(text, err)) from None
    finally:
        parser.dispose()


def _ruamel_events(text: str) -> Iterator[Any]:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        yield from _ruamel_parser().parse(text)
    except MarkedYAMLError as err:
        raise _Unparsable(_marked_issue(err)) from None
    except (YAMLError, UnicodeError) as err:
        raise _Unparsable(_unmarked_issue(text, err)) from None


def _ruamel_parser() -> Any:
    """ruamel.yaml's pure-Python parser, stopped at ``MAX_DEPTH`` flow levels: its scanner
    looks ahead up to 1,024 characters for a possible key at every level, so unbounded
    nesting costs it quadratic time (minutes for one line of ``[`` characters)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scanner import Scanner

    class BoundedScanner(Scanner):
        def fetch_flow_collection_start(self, *args: Any, **kwargs: Any) -> None:
            if len(self.flow_context) >= MAX_DEPTH:
                mark = self.reader.get_mark()
                raise _Unparsable(_too_deep(mark.line, mark.column))
            super().fetch_flow_collection_start(*args, **kwargs)

    parser = YAML(typ="safe", pure=True)
    parser.Scanner = BoundedScanner
    return parser


def _too_deep(line: int, col: int) -> Issue:
    return Issue("yaml-syntax", f"YAML syntax error: nested more than {MAX_DEPTH} levels "
                 "deep here; a plan needs about 8", line, col)


def _reworded(text: str, error: Any) -> Issue:
    """libyaml's ``error`` as an issue, in ruamel.yaml's words if ruamel.yaml stops at the
    same place, or ruamel.yaml's nesting bound if that comes first.

    libyaml says "did not find expected ',' or ']'"; ruamel.yaml adds what it found
    instead ("but got '-'") and names the offending character.
    """
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        for _ in _ruamel_parser().parse(text):
            pass
    except _Unparsable as deep:
        mark = error.problem_mark or error.context_mark
        if mark is None or (deep.issue.line, deep.issue.col) <= (mark.line, mark.column):
            return deep.issue
    except MarkedYAMLError as other:
        if _where(other) == _where(error):
            return _marked_issue(other)
    except YAMLError:
        pass
    return _marked_issue(error)


def _where(error: Any) -> tuple[int, int] | None:
    mark = error.problem_mark or error.context_mark
    return (mark.line, mark.column) if mark else None


def _marked_issue(error: Any) -> Issue:
    """A parser error as a sentence: its problem, and where the construct it was in began."""
    mark = error.problem_mark or error.context_mark
    what = (error.problem or error.context or "invalid YAML").strip()
    started = error.context_mark if error.problem_mark else None
    if started and mark and started.line != mark.line and error.context:
        what += f" ({error.context.strip()} at line {started.line + 1})"
    line, col = (mark.line, mark.column) if mark else (0, 0)
    return Issue("yaml-syntax", f"YAML syntax error: {what}", line, col)


def _unmarked_issue(text: str, error: BaseException) -> Issue:
    """An error without a place: find the character YAML does not allow."""
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad is None:
        return Issue("yaml-syntax", f"YAML syntax error: {error}", 0, 0)
    index = bad.start()
    line = text.count("\n", 0, index)
    col = index - (text.rfind("\n", 0, index) + 1)
    return Issue("yaml-syntax", f"YAML syntax error: the character {bad[0]!r} "
                 f"(#x{ord(bad[0]):04x}) is not allowed in YAML; remove it", line, col)

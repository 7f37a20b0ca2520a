"""Read YAML (and JSON) as plain data *with the line of every value*.

pydantic reports errors by path (``loc``), but a person editing a file needs
a line number. We compose the YAML node tree ourselves with PyYAML's safe
composer and build the data while recording where each path starts, so any
error can point at ``file:line``.

Only plain data is accepted: a tag outside YAML's core schema (for instance
``!!python/object``) is refused, never constructed; duplicate keys and merge
keys are refused; and the number of nodes is bounded so an alias bomb
("billion laughs") fails fast instead of exhausting memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Problem

PathKey = tuple[str | int, ...]

#: The tags plain data may carry; anything else is refused.
_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}

#: libyaml's composer when PyYAML was built with it (about 10x faster than
#: the pure-Python one); both give the same nodes and marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Upper bounds that keep a hostile or broken file from hanging a load.
MAX_NODES = 200_000
MAX_DEPTH = 64
MAX_BYTES = 5 * 1024 * 1024


class SourceError(Exception):
    """A file that is not readable plain data; carries one located problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class Located:
    """Data read from a file plus the line where each path begins."""

    data: Any
    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while True:
            if p in self.lines:
                return self.lines[p]
            if not p:
                return None
            p = p[:-1]


def format_path(path: PathKey) -> str:
    """``("bolig", "situasjon")`` → ``bolig.situasjon``; list indices as ``[i]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[PathKey, int] = {}
        self.count = 0
        self.constructor = SafeConstructor()

    def fail(self, node: Node, path: PathKey, message: str) -> SourceError:
        return SourceError(Problem(self.file, node.start_mark.line + 1, format_path(path), message))

    def build(self, node: Node, path: PathKey, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, path, f"too many values (more than {MAX_NODES}); aliases that expand are not allowed to grow this large")
        if depth > MAX_DEPTH:
            raise self.fail(node, path, f"nested more than {MAX_DEPTH} levels deep")
        if node.tag not in _ALLOWED_TAGS:
            raise self.fail(node, path, f"the tag '{node.tag}' is not allowed; only plain data (text, numbers, true/false, lists, mappings) is read")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, ScalarNode):
            try:
                return self.constructor.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                raise self.fail(node, path, f"cannot read this value: {getattr(exc, 'problem', exc)}") from None
        if isinstance(node, SequenceNode):
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, path, "merge keys ('<<') are not allowed")
                if not isinstance(key_node, ScalarNode) or key_node.tag not in _ALLOWED_TAGS:
                    raise self.fail(key_node, path, "a key must be plain text")
                key = self.constructor.construct_object(key_node)
                if not isinstance(key, str):
                    key = str(key).lower() if isinstance(key, bool) else str(key)
                if key in out:
                    raise self.fail(key_node, path + (key,), f"the key '{key}' appears twice in the same mapping")
                out[key] = self.build(value_node, path + (key,), depth + 1)
            return out
        raise self.fail(node, path, "unsupported YAML node")  # pragma: no cover


def _decode(raw: bytes, file: str) -> str:
    if len(raw) > MAX_BYTES:
        raise SourceError(Problem(file, None, "", f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(Problem(file, line, "", "the file is not valid UTF-8 text")) from None
    return text


def _check_shape(text: str, file: str) -> None:
    """Refuse too deep or too large documents *before* composing them.

    Composing recurses once per nesting level (in C for libyaml) and crashes
    the process on a document nested some 100,000 levels deep; the event
    stream is flat, so we walk it first and stop at the first excess.
    """
    loader = _LOADER(text)
    depth = events = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            events += 1
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    raise SourceError(Problem(file, line, "", f"nested more than {MAX_DEPTH} levels deep"))
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            if events > MAX_NODES * 2:
                raise SourceError(Problem(file, event.start_mark.line + 1 if event.start_mark else None, "",
                                          f"too many values (more than {MAX_NODES})"))
    finally:
        loader.dispose()


def parse_text(text: str, file: str) -> Located:
    """Parse YAML (JSON is accepted too, being almost always valid YAML)."""
    try:
        _check_shape(text, file)
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "syntax error"
        raise SourceError(Problem(file, line, "", f"not valid YAML/JSON: {what}")) from None
    except yaml.YAMLError as exc:
        raise SourceError(Problem(file, None, "", f"not valid YAML/JSON: {exc}")) from None
    if node is None:
        return Located(None, file, {})
    builder = _Builder(file)
    data = builder.build(node, (), 0)
    return Located(data, file, builder.lines)


def parse_json_text(text: str, file: str) -> Located:
    """Parse strict JSON (so JSON errors say what JSON expected), then locate it."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise SourceError(Problem(file, exc.lineno, "", f"not valid JSON: {exc.msg}")) from None
    except ValueError as exc:
        raise SourceError(Problem(file, None, "", f"not valid JSON: {exc}")) from None
    except RecursionError:
        raise SourceError(Problem(file, None, "", f"nested more than {MAX_DEPTH} levels deep")) from None
    if text.count("{") + text.count("[") > MAX_DEPTH or len(text) > MAX_NODES:
        # only then can the limits be exceeded: depth is at most the number
        # of containers and every value takes at least one character
        _check_json_shape(data, file)
    if "\n" not in text.strip():
        # one line (a JSON Lines record): every value is on line 1, so the
        # second, YAML-based pass for positions would only cost time
        return Located(data, file, {(): 1})
    try:
        lines = parse_text(text, file).lines
    except SourceError:
        lines = {}
    return Located(data, file, lines)


def _check_json_shape(data: Any, file: str) -> None:
    """The same depth and size limits as for YAML, walked without recursion."""
    stack = [(data, 1)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise SourceError(Problem(file, None, "", f"too many values (more than {MAX_NODES})"))
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise SourceError(Problem(file, None, "", f"nested more than {MAX_DEPTH} levels deep"))
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_file(path: Path) -> Located:
    """Read a YAML or JSON file from disk; ``.json`` files are parsed as strict JSON."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(Problem(file, None, "", f"cannot read the file: {exc.strerror or exc}")) from None
    return read_bytes(raw, file, as_json=path.suffix.lower() == ".json")


def read_bytes(raw: bytes, file: str, as_json: bool | None = None) -> Located:
    """Read YAML or JSON from bytes (for example standard input).

    ``as_json=None`` sniffs: text that starts with ``{`` or ``[`` is JSON.
    """
    text = _decode(raw, file)
    if as_json is None:
        as_json = text.lstrip().startswith(("{", "["))
    return parse_json_text(text, file) if as_json else parse_text(text, file)

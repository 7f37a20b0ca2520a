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

import errno
import json
import re
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
#: digits a number may have (Python refuses to read an int of more than 4,300
#: digits with a bare ValueError; no field needs more than a few)
MAX_DIGITS = 30

#: the number forms read as numbers: plain decimal, as in JSON and YAML 1.2.
#: YAML 1.1 (which PyYAML follows) also reads ``1:30`` as 90 (base 60),
#: ``010`` as 8 (octal), ``0x1F``, ``0b101`` and ``1_000``: a person who
#: wrote them meant something else, so they are refused, never guessed.
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")


@dataclass(frozen=True)
class _Words:
    en: str
    nb: str


NOT_DECIMAL = _Words(
    "not a plain decimal number: forms such as 1:30 (base 60), 010 (octal), 0x1F or 1_000 are not read as numbers; "
    "write the number with plain digits, or put text in quotes",
    "ikke et vanlig desimaltall: former som 1:30 (base 60), 010 (oktal), 0x1F eller 1_000 leses ikke som tall; "
    "skriv tallet med vanlige sifre, eller sett tekst i anførselstegn",
)
DUPLICATE_KEY = _Words("a key appears twice in this mapping (the second time on this line)",
                       "en nøkkel står to ganger i denne seksjonen (andre gang på denne linjen)")
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


def _sanitise(message: str) -> str:
    """A parser's message without the writer's text: quoted words (an
    anchor's or tag's name, say) become '…'; a quoted single character or
    escape (a tab, a stray ``%``) stays, because it tells what to fix."""
    return re.sub(r"'([^']*)'", lambda m: m.group(0) if len(m.group(1)) <= 1 or re.fullmatch(r"\\\w{1,5}", m.group(1)) else "'…'", message)


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

    def fail(self, node: Node, path: PathKey, message: str, message_nb: str | None = None) -> SourceError:
        return SourceError(Problem(self.file, node.start_mark.line + 1, format_path(path), message, message_nb=message_nb))

    def scalar(self, node: ScalarNode, path: PathKey) -> Any:
        """A scalar's value; numbers only in plain decimal, dates only real ones.

        Messages name the position and what is expected, never the value
        (it may be a person's data).
        """
        if node.tag in (_INT, _FLOAT):
            digits = sum(c.isdigit() for c in node.value)
            if digits > MAX_DIGITS:
                raise self.fail(node, path, f"a number with more than {MAX_DIGITS} digits is not read",
                                f"et tall med mer enn {MAX_DIGITS} sifre leses ikke")
            if not (_PLAIN_INT if node.tag == _INT else _PLAIN_FLOAT).fullmatch(node.value):
                raise self.fail(node, path, NOT_DECIMAL.en, NOT_DECIMAL.nb)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            if node.tag == "tag:yaml.org,2002:timestamp":
                raise self.fail(node, path, "not a valid date (expected YYYY-MM-DD with a real month and day)",
                                "ikke en gyldig dato (forventet ÅÅÅÅ-MM-DD med en ekte måned og dag)") from None
            raise self.fail(node, path, "cannot read this value", "kan ikke lese denne verdien") from None
        except yaml.YAMLError as exc:
            raise self.fail(node, path, f"cannot read this value: {_sanitise(str(getattr(exc, 'problem', exc)))}") from None

    def build(self, node: Node, path: PathKey, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, path, f"too many values (more than {MAX_NODES}); aliases that expand are not allowed to grow this large")
        if depth > MAX_DEPTH:
            raise self.fail(node, path, f"nested more than {MAX_DEPTH} levels deep")
        if node.tag not in _ALLOWED_TAGS:
            # the tag's name is not repeated: it is the writer's text
            raise self.fail(node, path, "a tag (!…) is not allowed here; only plain data (text, numbers, true/false, lists, mappings) is read",
                            "en tagg (!…) er ikke tillatt her; bare vanlige data (tekst, tall, true/false, lister, nøkler) leses")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, path, "merge keys ('<<') are not allowed")
                if not isinstance(key_node, ScalarNode) or key_node.tag not in _ALLOWED_TAGS:
                    raise self.fail(key_node, path, "a key must be plain text")
                key = self.scalar(key_node, path)
                if not isinstance(key, str):
                    key = str(key).lower() if isinstance(key, bool) else str(key)
                if key in out:
                    # the line points at it; the key itself is not repeated (it may be anything)
                    raise self.fail(key_node, path, DUPLICATE_KEY.en, DUPLICATE_KEY.nb)
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
        what = _sanitise(exc.problem or exc.context or "syntax error")
        raise SourceError(Problem(file, line, "", f"not valid YAML/JSON: {what}")) from None
    except yaml.YAMLError as exc:
        raise SourceError(Problem(file, None, "", f"not valid YAML/JSON: {_sanitise(str(exc))}")) from None
    if node is None:
        return Located(None, file, {})
    builder = _Builder(file)
    data = builder.build(node, (), 0)
    return Located(data, file, builder.lines)


def parse_json_text(text: str, file: str) -> Located:
    """Parse strict JSON (so JSON errors say what JSON expected), then locate it.

    Stricter than ``json.loads``: a key twice in one object is refused (JSON
    itself leaves it open; the last one would win silently), and so is an
    integer of more than :data:`MAX_DIGITS` digits.
    """
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int, object_pairs_hook=_object)
    except _DuplicateKey:
        raise _duplicate_key_problem(text, file) from None
    except _TooManyDigits:
        raise SourceError(Problem(file, None, "", f"a number with more than {MAX_DIGITS} digits is not read",
                                  message_nb=f"et tall med mer enn {MAX_DIGITS} sifre leses ikke")) from None
    except json.JSONDecodeError as exc:
        raise SourceError(Problem(file, exc.lineno, "", f"not valid JSON: {exc.msg}")) from None
    except ValueError as exc:
        raise SourceError(Problem(file, None, "", f"not valid JSON: {_sanitise(str(exc))}")) from None
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


class _DuplicateKey(ValueError):
    pass


class _TooManyDigits(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey
    return out


def _parse_int(digits: str) -> int:
    if len(digits) > MAX_DIGITS + 1:
        raise _TooManyDigits
    return int(digits)


def _duplicate_key_problem(text: str, file: str) -> SourceError:
    """Where the repeated key is: the YAML reading of the same text finds it with its path and line."""
    try:
        parse_text(text, file)
    except SourceError as exc:
        if exc.problem.message == DUPLICATE_KEY.en:
            return exc
    return SourceError(Problem(file, None, "", DUPLICATE_KEY.en, message_nb=DUPLICATE_KEY.nb))  # pragma: no cover - YAML reads all JSON we accept


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


#: errno → why a file cannot be read, in words (translated in messages_nb); anything else shows the system's words
_READ_REASONS = {
    errno.ENOENT: "the file does not exist",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EACCES: "no permission to read it",
    errno.EPERM: "no permission to read it",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.ELOOP: "too many symbolic links",
}


def read_reason(exc: OSError) -> str:
    """Why a file could not be read, in a fixed English form that has a Norwegian one."""
    return _READ_REASONS.get(exc.errno or 0) or exc.strerror or type(exc).__name__


def read_file(path: Path) -> Located:
    """Read a YAML or JSON file from disk; ``.json`` files are parsed as strict JSON."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(Problem(file, None, "", f"cannot read the file: {read_reason(exc)}")) from None
    return read_bytes(raw, file, as_json=path.suffix.lower() == ".json")


def read_bytes(raw: bytes, file: str, as_json: bool | None = None) -> Located:
    """Read YAML or JSON from bytes (for example standard input).

    ``as_json=None`` sniffs: text that starts with ``{`` or ``[`` is JSON.
    """
    text = _decode(raw, file)
    if not text.strip():
        return Located(None, file, {})  # empty: the caller says what it expected
    if as_json is None:
        as_json = text.lstrip().startswith(("{", "["))
    return parse_json_text(text, file) if as_json else parse_text(text, file)

"""Reading files as plain data with line numbers, and refusing anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibp_rules.yaml_source import SourceError, format_path, parse_text, read_bytes, read_file


def test_lines_are_recorded_per_path() -> None:
    loc = parse_text("a:\n  b: 1\n  c:\n    - x\n    - y\n", "f.yaml")
    assert loc.data == {"a": {"b": 1, "c": ["x", "y"]}}
    assert loc.line_of(("a", "b")) == 2
    assert loc.line_of(("a", "c", 1)) == 5
    # an unknown child falls back to its nearest known ancestor
    assert loc.line_of(("a", "c", 1, "zzz")) == 5


def test_format_path() -> None:
    assert format_path(("rules", 3, "when", "all", 0)) == "rules[3].when.all[0]"


@pytest.mark.parametrize(
    "text",
    [
        "!!python/object/apply:os.system ['echo hacked']",
        "a: !!python/name:os.system\n",
        "a: !custom 1\n",
        "a: !!set {x: null}\n",
    ],
)
def test_tags_that_construct_objects_are_refused(text: str) -> None:
    with pytest.raises(SourceError) as exc:
        parse_text(text, "evil.yaml")
    assert "not allowed" in exc.value.problem.message
    assert exc.value.problem.file == "evil.yaml"


def test_alias_bomb_is_stopped() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev = f"*a{i-1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(SourceError) as exc:
        parse_text("\n".join(lines) + "\n", "bomb.yaml")
    assert "too many values" in exc.value.problem.message


def test_duplicate_keys_and_merge_keys_are_refused() -> None:
    with pytest.raises(SourceError) as exc:
        parse_text("a: 1\nb: 2\na: 3\n", "dup.yaml")
    assert exc.value.problem.line == 3 and "twice" in exc.value.problem.message
    with pytest.raises(SourceError):
        parse_text("base: &b {x: 1}\nother:\n  <<: *b\n", "merge.yaml")


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(SourceError) as exc:
        parse_text("[" * 100 + "]" * 100, "deep.yaml")
    assert "nested more than" in exc.value.problem.message


def test_syntax_error_has_a_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.yaml"
    p.write_text("a: 1\nb: [1, 2\nc: 3\n", encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        read_file(p)
    assert exc.value.problem.file == str(p)
    assert exc.value.problem.line is not None and exc.value.problem.line >= 2


def test_bad_encoding_is_reported(tmp_path: Path) -> None:
    p = tmp_path / "latin1.yaml"
    p.write_bytes("a: 1\nb: bl\xe5\n".encode("latin-1"))
    with pytest.raises(SourceError) as exc:
        read_file(p)
    assert "UTF-8" in exc.value.problem.message and exc.value.problem.line == 2


def test_json_is_strict_and_located() -> None:
    loc = read_bytes(b'{\n  "bolig": {\n    "situasjon": "eid"\n  }\n}\n', "case.json")
    assert loc.data == {"bolig": {"situasjon": "eid"}}
    assert loc.line_of(("bolig", "situasjon")) == 3
    with pytest.raises(SourceError) as exc:
        read_bytes(b'{"bolig": {"ar_i_boligen": NaN}}', "nan.json")
    assert "NaN" in exc.value.problem.message

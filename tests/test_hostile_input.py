"""Bad and hostile input: typed errors or a strategy, never a crash, a hang or a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibp_rules import AssessmentError, Engine, RulesetError, parse_assessment
from ibp_rules.cli.main import cli
from ibp_rules.resources import default_ruleset_path
from ibp_rules.ruleset import load_ruleset
from ibp_rules.yaml_source import MAX_BYTES

ENGINE = Engine.default()
SECTIONS = ["husholdning", "bolig", "okonomi", "helse", "arbeid_utdanning", "mal", "malgrupper", "tiltak_mottatt", "schema_version"]
UNICODE = ["æøå ÆØÅ", "e\u0301\u0301\u0301", "\u202eabc\u202c", "עברית", "🏠💶🩺🎓", "\u0000", "\ud7ff", "𝔘𝔫𝔦"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30) | st.sampled_from(UNICODE),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)
# values aimed at the real fields, valid or not
field_names = st.sampled_from(["situasjon", "ar_i_boligen", "husleierestanse", "inntektskilder", "arbeidsevne", "barn_alder",
                               "onsker", "fritekst", "stillingsprosent", "voksne", "tjenester", "gjld"])
assessment_like = st.dictionaries(
    st.sampled_from(SECTIONS),
    st.dictionaries(field_names, json_values, max_size=5) | json_values,
    max_size=6,
)


def _check(raw: bytes) -> None:
    try:
        a = parse_assessment(raw, "fuzz")
    except AssessmentError as exc:
        assert exc.problems and all(p.file == "fuzz" for p in exc.problems)
        return
    ENGINE.assess(a)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessment_like)
def test_assessment_shaped_json(data: dict[str, Any]) -> None:
    _check(json.dumps(data).encode())


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json(data: Any) -> None:
    _check(json.dumps(data).encode())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_yaml_text(text: str) -> None:
    _check(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(raw: bytes) -> None:
    _check(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"bolig:\n  ar_i_boligen: .nan\n",
        b"bolig:\n  ar_i_boligen: .inf\n",
        b"husholdning:\n  voksne: .inf\n",
        b'{"bolig": {"ar_i_boligen": Infinity}}',
        b"husholdning:\n  barn_alder: [-1, 200]\n",
        b"husholdning:\n  voksne: 10000000000000000000000000000\n",
        b"bolig:\n  situasjon: privat_leie\xcc\x81\n",
        b"bolig: \xf0\x9f\x8f\xa0\n",
        b"mal:\n  fritekst: \"\xe2\x80\xaeevil\xe2\x80\xac \xf0\x9f\x8f\xa0\"\n",
        b"- - - - -\n",
        b"&a [*a]\n",
        b"a: &a\n  b: *a\n",
        b"bolig:\n  situasjon: eid\n  situasjon: eid\n",
        b"\xef\xbb\xbfbolig: {situasjon: eid}\n",
        b"",
        b"null\n",
        b"42\n",
        b"--- {}\n--- {}\n",
    ],
)
def test_specific_bad_inputs(raw: bytes) -> None:
    _check(raw)


def test_unicode_in_free_text_is_fine() -> None:
    for text in UNICODE[:5] + ["Bodø", "Bodo\u0308"]:
        a = parse_assessment(json.dumps({"mal": {"fritekst": text, "ressurser": [text]}}).encode())
        assert ENGINE.assess(a).measures == []


def test_huge_string_and_huge_file() -> None:
    with pytest.raises(AssessmentError) as exc:
        ENGINE.assess({"mal": {"fritekst": "x" * 10_000_000}})
    assert exc.value.problems[0].path == "mal.fritekst"
    with pytest.raises(AssessmentError) as exc:
        parse_assessment(b"mal:\n  fritekst: " + b"x" * (MAX_BYTES + 1))
    assert "larger than" in exc.value.problems[0].message


@pytest.mark.parametrize("n", [65, 10_000, 200_000])
def test_deep_nesting_is_refused_not_crashed(n: int) -> None:
    for raw in (b"[" * n + b"]" * n, b"a:\n" + b"- " * n + b"x", b'{"a":' * n + b"1" + b"}" * n):
        with pytest.raises(AssessmentError):
            parse_assessment(raw)


def test_cli_never_shows_a_traceback(tmp_path: Path) -> None:
    runner = CliRunner()
    samples = [b"bolig: [", b"\xff\xfe", b"!!python/object:os.system {}", b"okonomi: {gjeld: 2}", b"[" * 5000,
               json.dumps({"bolig": {"situasjon": "uten_fast_bolig"}}).encode()]
    for i, raw in enumerate(samples):
        p = tmp_path / f"case{i}.yaml"
        p.write_bytes(raw)
        for args in ([str(p)], [str(p), "--format", "json"], [str(p), "--lang", "en"]):
            r = runner.invoke(cli, ["assess", *args])
            assert r.exit_code in (0, 2), (raw, r.output)
            assert "Traceback" not in r.output
            assert r.exception is None or isinstance(r.exception, SystemExit)


# --- hostile rule files ---------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzzrules")
    shutil.copytree(default_ruleset_path() / "catalogue", root / "catalogue")
    shutil.copy(default_ruleset_path() / "ruleset.yaml", root / "ruleset.yaml")
    return root


rule_like = st.fixed_dictionaries(
    {"id": st.sampled_from(["a-regel", "B", "", "uten-bolig-akutt"]) | st.text(max_size=10)},
    optional={
        "title": json_values, "when": json_values | st.dictionaries(st.sampled_from(["all", "any", "not", "derived", "bolig.situasjon"]), json_values),
        "then": st.lists(st.dictionaries(st.sampled_from(["suggest", "derive", "partners", "phase"]), json_values), max_size=3),
        "rationale": json_values, "source": json_values, "relation": json_values, "override": json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(rule_like, max_size=3))
def test_fuzzed_rule_files_load_or_fail_cleanly(fuzz_root: Path, rules: list[Any]) -> None:
    (fuzz_root / "fuzz.yaml").write_text(json.dumps({"kind": "rules", "rules": rules}), encoding="utf-8")
    try:
        load_ruleset([fuzz_root])
    except RulesetError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.file and p.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_fuzzed_rule_text(fuzz_root: Path, text: str) -> None:
    (fuzz_root / "fuzz.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_ruleset([fuzz_root])
    except RulesetError as exc:
        assert all(p.file for p in exc.problems)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"kind: rules\nrules:\n" + b"  - " * 70 + b"x\n", "nested more than"),
        (b"kind: rules\nrules: !!python/object/new:os.system [echo]\n", "not allowed"),
        (b"kind: rules\nrules: [\n", "not valid YAML"),
        (b"kind: rules\nrules:\n  - id: x\n    title: \xff\n", "UTF-8"),
        (b"kind: rules\nrules: " + b"x" * (MAX_BYTES + 10) + b"\n", "larger than"),
    ],
)
def test_hostile_rule_files_are_refused_with_file_and_line(fuzz_root: Path, content: bytes, words: str) -> None:
    target = fuzz_root / "fuzz.yaml"
    target.write_bytes(content)
    with pytest.raises(RulesetError) as exc:
        load_ruleset([fuzz_root])
    (problem,) = exc.value.problems
    assert problem.file == str(target) and words in problem.message
    target.unlink()

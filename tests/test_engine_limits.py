"""durable_rules' real limits, and rule folders that go past them.

For each limit: a folder just at it loads and runs; one rule more is refused
when the files load (``RulesetError`` naming the file and the rule, exit 2
from ``ibp rules validate`` and ``ibp assess`` alike); and with our check
switched off, durable_rules really fails on that folder in the way
:mod:`ibp_rules.engine_limits` says — an error code at build, an error or a
crash on an assessment, or a hang (those run in a subprocess).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ibp_rules import Engine, RulesetError
from ibp_rules import engine_limits as L
from ibp_rules.cli.main import cli
from ibp_rules.compiler import engine_fact_keys
from ibp_rules.resources import default_ruleset_path

RULE = """\
  - id: {rid}
    title: {{nb: Tittel, en: Title}}
    when: {when}
    then: [{{suggest: kommunal_utleiebolig, partners: [{{id: boligkontoret, form: informasjon}}]}}]
    rationale: {{nb: Fordi., en: Because.}}
    source: veileder §4.2
"""


@pytest.fixture()
def bare(tmp_path: Path) -> Path:
    """The bundled manifest and catalogue without the bundled rules: limits exactly."""
    root = tmp_path / "bare"
    root.mkdir()
    shutil.copy(default_ruleset_path() / "ruleset.yaml", root)
    shutil.copytree(default_ruleset_path() / "catalogue", root / "catalogue")
    return root


def write_rules(root: Path, whens: list[str], name: str = "generated.yaml") -> Path:
    p = root / name
    p.write_text("kind: rules\nrules:\n" + "".join(RULE.format(rid=f"r{i:04d}", when=w) for i, w in enumerate(whens)),
                 encoding="utf-8")
    return p


def refused(root: Path) -> list[Any]:
    with pytest.raises(RulesetError) as exc:
        Engine.from_paths(root)
    return list(exc.value.problems)


def unchecked(root: Path, code: str, hang_after: float | None = None) -> tuple[int | None, str]:
    """Run ``code`` in a fresh process with an engine over ``root`` built
    *without* our limit check (``engine`` is bound): (exit code, output).

    A fresh process, because past a limit durable may abort the process or
    write past its tables (in a used heap, the 257th alternative at one test
    is sometimes written silently instead of giving error 108). With
    ``hang_after``, the code after the build is given that many seconds and
    the exit code is None if it is still running then.
    """
    program = textwrap.dedent(f"""
        import sys
        from ibp_rules import backend
        backend.check_engine_limits = lambda rs: ([], None)
        from ibp_rules import Engine
        try:
            engine = Engine.from_paths({str(root)!r})
        except Exception as exc:
            print("build:", exc); sys.exit(3)
        print("built", flush=True)
    """) + textwrap.dedent(code)
    if hang_after is None:
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout + done.stderr
    proc = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()  # blocks until built (or failed)
    try:
        proc.wait(timeout=hang_after)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None, first
    return proc.returncode, first + proc.stdout.read()


def assert_names(problems: list[Any], file: Path, rule: str, *words: str) -> None:
    hits = [p for p in problems if p.file == str(file) and p.rule_id == rule and p.line is not None]
    assert hits, [str(p) for p in problems]
    for w in words:
        assert any(w in p.message for p in hits), (w, [p.message for p in hits])
    assert all(p.message_nb for p in hits)


# -- one test per limit --------------------------------------------------------


def test_alternatives_ending_at_the_same_test(bare: Path) -> None:
    """'257 rules testing the same field': durable's beta list holds 256."""
    write_rules(bare, ["{bolig.vold: true}"] * L.MAX_ALTERNATIVES_AT)
    Engine.from_paths(bare).assess({"bolig": {"vold": True}})
    p = write_rules(bare, ["{bolig.vold: true}"] * (L.MAX_ALTERNATIVES_AT + 1))
    assert_names(refused(bare), p, f"r{L.MAX_ALTERNATIVES_AT:04d}", "bolig.vold = true", "108")
    code, out = unchecked(bare, "")
    assert code == 3 and "error code: 108" in out


def test_any_groups_after_the_same_test(bare: Path) -> None:
    """Every 'any' group after a test is pushed on durable's stack when the
    test holds, so the 64-node stack bites long before the 128 of the list
    (the folder is refused for both); durable itself refuses to build it."""
    when = "{bolig.situasjon: {in: [eid, privat_leie]}}"
    p = write_rules(bare, [when] * (L.MAX_OR_GROUPS_AFTER + 1))
    problems = refused(bare)
    assert_names(problems, p, f"r{L.MAX_OR_GROUPS_AFTER:04d}", "bolig.situasjon = eid", "107")
    assert_names(problems, p, f"r{L.MAX_OR_GROUPS_AFTER:04d}", "pending")
    code, out = unchecked(bare, "")
    assert code == 3 and "error code: 107" in out


def test_rule_alternatives_in_one_ruleset(bare: Path) -> None:
    """'124 rules × 32 alternatives' (with the bundled rules): 4,096 actions at most."""
    full = "{any: [" + ", ".join(f"{{bolig.ar_i_boligen: {k}}}" for k in range(32)) + "]}"
    last = "{any: [" + ", ".join(f"{{bolig.ar_i_boligen: {k}}}" for k in range(30)) + "]}"
    write_rules(bare, [full] * 127 + [last])  # 127 × 32 + 30 + 2 internal = 4,096
    assert L.check_engine_limits(Engine.from_paths(bare).ruleset)[1].alternatives == L.MAX_ACTIONS
    one_more = "{any: [" + ", ".join(f"{{bolig.ar_i_boligen: {k}}}" for k in range(31)) + "]}"
    p = write_rules(bare, [full] * 127 + [one_more])
    assert_names(refused(bare), p, "r0127", "4,097", "106")
    code, out = unchecked(bare, "")
    assert code == 3 and "error code: 106" in out


def test_and_or_groups_in_one_pattern(bare: Path) -> None:
    """One group per 'in' and 'contains_any'/'contains_none' test, each on its own field or value,
    so that no test settles another (a conjunction the compiler can simplify has fewer groups)."""
    from ibp_rules.fact_schema import FACTS

    enums = [(p, s.values) for p, s in FACTS.items() if s.kind == "enum" and not s.computed and len(s.values) >= 2]
    lists = [(p, s.values) for p, s in FACTS.items() if s.kind == "enum_list" and not s.computed and len(s.values) >= 4]
    tests = [f"{{{f}: {{in: [{v[0]}, {v[1]}]}}}}" for f, v in enums]
    tests += [f"{{{f}: {{{op}: [{v[i]}, {v[i + 1]}]}}}}" for f, v in lists for op, i in (("contains_any", 0), ("contains_none", 2))]
    assert len(tests) > L.MAX_GROUPS_IN_PATTERN
    write_rules(bare, ["{all: [" + ", ".join(tests[:L.MAX_GROUPS_IN_PATTERN - 1]) + "]}"])
    Engine.from_paths(bare).assess({})
    p = write_rules(bare, ["{all: [" + ", ".join(tests[:L.MAX_GROUPS_IN_PATTERN]) + "]}"])
    assert_names(refused(bare), p, "r0000", "16 and/or groups", "113")
    code, out = unchecked(bare, "")
    assert code == 3 and "error code: 113" in out


def test_facts_joined_by_one_alternative(bare: Path) -> None:
    n = L.MAX_JOINED_FACTS + 1
    (bare / "facts.yaml").write_text("kind: facts\nfacts:\n" + "".join(
        f"  - {{id: ekstra_{i}, kind: resource, pillar: bolig, title: {{nb: E, en: E}}}}\n" for i in range(n)), encoding="utf-8")
    derive = "".join(f"""  - id: utled-{i}
    title: {{nb: T, en: T}}
    when: {{bolig.vold: true}}
    then: [{{derive: ekstra_{i}}}]
    rationale: {{nb: F., en: B.}}
    source: veileder §4.2
""" for i in range(n))

    def joins(k: int) -> Path:
        p = write_rules(bare, ["{all: [" + ", ".join(f"{{derived: ekstra_{i}}}" for i in range(k)) + "]}"])
        p.write_text(p.read_text(encoding="utf-8") + derive, encoding="utf-8")
        return p

    joins(L.MAX_JOINED_FACTS)
    assert "r0000" in Engine.from_paths(bare).trace({"bolig": {"vold": True}}).rules
    p = joins(n)
    assert_names(refused(bare), p, "r0000", f"joins {n} facts", "304")
    code, out = unchecked(bare, "engine.assess({'bolig': {'vold': True}})")
    # 304 where the 17th fact joins; inside an action it surfaces as 307
    assert code == 1 and re.search(r"error code: 30[47]", out) and "EngineError" in out, out


def test_tests_pending_while_matching(bare: Path) -> None:
    """Tests that can all hold at once pile up on durable's 64-node stack;
    past it, the process aborts inside durable (seen: 'free(): invalid pointer')."""
    write_rules(bare, [f"{{bolig.ar_i_boligen: {{lt: {k + 1}}}}}" for k in range(L.MAX_PENDING - 1)])
    Engine.from_paths(bare).assess({"bolig": {"ar_i_boligen": 0}})
    p = write_rules(bare, [f"{{bolig.ar_i_boligen: {{lt: {k + 1}}}}}" for k in range(L.MAX_PENDING + 2)])
    assert_names(refused(bare), p, f"r{L.MAX_PENDING + 1:04d}", "pending", "303")
    code, out = unchecked(bare, "engine.assess({'bolig': {'ar_i_boligen': 0}}); print('assessed')")
    assert "built" in out and "assessed" not in out and code != 0


def test_keys_in_the_assessment_fact(bare: Path) -> None:
    """Every list value a rule tests becomes a key of the fact durable reads (255 at most, with its own)."""
    base = len(engine_fact_keys(_ruleset(bare, ["{bolig.vold: true}"])))
    n = L.MAX_FACT_KEYS - base + 1
    (bare / "measures.yaml").write_text("kind: measures\nmeasures:\n" + "".join(
        f"  - {{id: ekstra_{i}, title: {{nb: E, en: E}}, description: {{nb: E, en: E}}, pillar: bolig, "
        f"partner: boligkontoret, source: veileder §4.2}}\n" for i in range(n)), encoding="utf-8")
    situations = ["eid", "privat_leie", "kommunal_utleiebolig", "hos_familie_venner", "uten_fast_bolig"]

    def rules(k: int) -> Path:
        return write_rules(bare, [f"{{all: [{{bolig.situasjon: {situations[i % 5]}}}, {{tiltak_mottatt: {{contains: ekstra_{i}}}}}]}}"
                                  for i in range(k)])

    rules(n - 1)
    Engine.from_paths(bare).assess(everything_known())
    p = rules(n)
    assert_names(refused(bare), p, f"r{n - 1:04d}", f"{L.MAX_FACT_KEYS + 1} keys", "302")
    code, out = unchecked(bare, f"engine.assess({everything_known()!r})")
    assert code == 1 and "error code: 302" in out, out


def everything_known() -> dict[str, Any]:
    """An assessment with every fact known (a known list writes a flag for every value rules test)."""
    from ibp_rules.fact_schema import FACTS

    out: dict[str, Any] = {"husholdning": {"barn_alder": [3]}}
    for path, spec in FACTS.items():
        if spec.computed:
            continue
        # 20 is within every number field's range (an age is 15 or more)
        value: Any = {"bool": True, "number": 20, "enum": spec.values[:1] and spec.values[0],
                      "enum_list": list(spec.values[:1]), "id_list": ["ekstra_0"]}[spec.kind]
        *sections, name = path.split(".")
        target = out
        for section in sections:
            target = target.setdefault(section, {})
        target[name] = value
    # every benefit whose weeks left are recorded is an income source, so no answer is stale (fact_schema.project)
    from ibp_rules.fact_schema import ASKED_ONLY_WITH

    sources = out["okonomi"]["inntektskilder"]
    sources += sorted({benefit for _, benefit in ASKED_ONLY_WITH.values()} - set(sources))
    return out


def test_different_tests_after_the_same_test(bare: Path) -> None:
    """durable's hash set of 512 slots: full, every fact loops forever; one
    more, building loops forever. Neither gives an error code."""
    write_rules(bare, [f"{{bolig.ar_i_boligen: {k / 8}}}" for k in range(L.MAX_TESTS_AFTER)])
    Engine.from_paths(bare).assess({"bolig": {"ar_i_boligen": 3}})
    p = write_rules(bare, [f"{{bolig.ar_i_boligen: {k / 8}}}" for k in range(L.MAX_TESTS_AFTER + 1)])
    assert_names(refused(bare), p, f"r{L.MAX_TESTS_AFTER:04d}", "stop responding")
    code, out = unchecked(bare, "engine.assess({}); print('assessed')", hang_after=5)
    assert code is None and "built" in out and "assessed" not in out


# -- the CLI: validate fails on what assess refuses ------------------------------


def test_validate_and_assess_refuse_the_same_folder(ruleset_copy: Path, tmp_path: Path) -> None:
    extra = tmp_path / "kommune"
    extra.mkdir()
    p = write_rules(extra, ["{bolig.vold: true}"] * (L.MAX_ALTERNATIVES_AT + 1))
    case = tmp_path / "case.yaml"
    case.write_text("bolig: {vold: true}\n", encoding="utf-8")
    runner = CliRunner()
    v = runner.invoke(cli, ["rules", "validate", str(ruleset_copy), str(extra), "--lang", "en"])
    a = runner.invoke(cli, ["assess", str(case), "--rules", str(ruleset_copy), "--rules", str(extra), "--lang", "en"])
    for result in (v, a):
        assert result.exit_code == 2, result.output
        line = next(ln.strip() for ln in result.output.splitlines() if "error code 108" in ln)
        assert line.startswith(f"{p}:") and "rule 'r0" in line
    nb = runner.invoke(cli, ["rules", "validate", str(ruleset_copy), str(extra)])
    assert nb.exit_code == 2 and "regelmotoren kan ikke holde flere" in nb.output


def test_bundled_rules_are_well_inside_every_limit(engine: Engine) -> None:
    figures = L.check_engine_limits(engine.ruleset)[1]
    for what, value, limit in figures.rows():
        assert value <= limit // 2 or what == "rule alternatives" and value < limit, (what, value, limit)


def _ruleset(root: Path, whens: list[str]) -> Any:
    from ibp_rules.ruleset import load_ruleset

    write_rules(root, whens)
    return load_ruleset([root])


def test_the_model_agrees_with_durable_on_what_builds() -> None:
    """The Python network matches durable's on shapes the compiler emits:
    node sharing by key, operator, JSON type and value; $or join points."""
    d = {"r#0": {"all": [{"a": {"$and": [{"t": "a"}, {"x": 1}, {"$or": [{"y": 1}, {"y": 2}]}]}}]},
         "r#1": {"all": [{"a": {"$and": [{"t": "a"}, {"x": 1}, {"$or": [{"y": 1}, {"y": 3}]}]}}]},
         "r#2": {"all": [{"a": {"$and": [{"t": "a"}, {"x": True}]}}]},
         "r#3": {"all": [{"a": {"$and": [{"t": "a"}, {"x": 1.0}]}}]}}
    net = L._Network(lambda *a: None)
    for name, rule in d.items():
        for pattern in rule["all"]:
            net.add_pattern(name, next(iter(pattern.values())))
    ta = net.root.tests[("t", "$eq", "string", "a")]
    assert len(ta.tests) == 3  # x == 1, x == true, x == 1.0 are three nodes in durable
    x1 = ta.tests[("x", "$eq", "int", 1)]
    assert len(x1.tests) == 3 and len(x1.tests[("y", "$eq", "int", 1)].joins) == 2
    # one fact can hold x == 1, x == true and x == 1.0 at once (durable: true == 1)
    assert L._most_matching_together(ta) == 3
    json.dumps(d)  # plain data, as durable receives it
    with pytest.raises(L.UnsupportedForm):
        net.add_pattern("r#4", {"$iany": {"x": {"$i": 1}}})

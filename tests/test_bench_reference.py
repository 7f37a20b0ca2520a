"""The benchmark's plain-Python reference agrees with durable_rules (it prices the engine fairly only if it does the same work)."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import EXAMPLE_FILES, REPO
from ibp_rules import Engine, read_assessment
from ibp_rules.batch import Record, run_chunk
from ibp_rules.fact_schema import project
from ibp_rules.population import population

sys.path.insert(0, str(REPO / "bench"))
from reference import ReferenceBackend  # noqa: E402


def test_reference_fires_what_durable_fires_and_gives_the_same_output(engine: Engine) -> None:
    plain = Engine(engine.ruleset)
    plain._backend = ReferenceBackend(engine.ruleset)  # type: ignore[assignment]
    cases = [read_assessment(p) for p in EXAMPLE_FILES] + [engine._validate(p) for p in population(300, 17)]
    for case in cases:
        facts = project(case)
        a, b = engine._backend.run(facts), plain._backend.run(facts)
        assert {k: sorted(v) for k, v in a.rules.items()} == {k: sorted(v) for k, v in b.rules.items()}
        assert {k: sorted(v) for k, v in a.derived.items()} == {k: sorted(v) for k, v in b.derived.items()}
        assert plain.assess(case).to_json() == engine.assess(case).to_json()
    line = Record(1, Path(EXAMPLE_FILES[0]).read_bytes(), EXAMPLE_FILES[0].name)
    assert run_chunk(plain, [line]) == run_chunk(engine, [line])


def test_reference_repeats_a_cycle_of_positive_chaining(ruleset_copy: Path) -> None:
    """Two rules deriving each other's input run to a fixpoint, as durable's agenda does
    (ring-a comes first in the cycle but can only fire after ring-b). The two facts are
    ones no rule reads as absent: a cycle through a negated fact is refused."""
    (ruleset_copy / "rules" / "ring.yaml").write_text("""\
kind: rules
rules:
  - id: ring-a
    title: {nb: A, en: A}
    when: {derived: egen_bolig}
    then: [{derive: bolig_uegnet}]
    rationale: {nb: A., en: A.}
    source: veileder §4.2
  - id: ring-b
    title: {nb: B, en: B}
    when: {any: [{bolig.vold: true}, {derived: bolig_uegnet}]}
    then: [{derive: egen_bolig}]
    rationale: {nb: B., en: B.}
    source: veileder §4.2
""", encoding="utf-8")
    engine = Engine.from_paths(ruleset_copy)
    plain = ReferenceBackend(engine.ruleset)
    facts = project(engine._validate({"bolig": {"vold": True}}))
    a, b = engine._backend.run(facts), plain.run(facts)
    assert {"ring-a", "ring-b"} <= set(b.rules)
    assert {k: sorted(v) for k, v in a.rules.items()} == {k: sorted(v) for k, v in b.rules.items()}

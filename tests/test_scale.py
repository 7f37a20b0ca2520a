"""ibp batch and ibp simulate: correctness, order, bad records, reproducibility."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import EXAMPLE_FILES
from ibp_rules import Engine
from ibp_rules.batch import Record, read_jsonl, run_batch
from ibp_rules.cli.main import cli
from ibp_rules.population import population
from ibp_rules.simulate import simulate


def _write_population(path: Path, n: int, seed: int) -> list[dict]:  # type: ignore[type-arg]
    people = list(population(n, seed))
    path.write_text("".join(json.dumps(p) + "\n" for p in people), encoding="utf-8")
    return people


def test_population_is_valid_reproducible_and_varied(engine: Engine) -> None:
    a, b = list(population(300, 5)), list(population(300, 5))
    assert a == b and a != list(population(300, 6))
    fired: set[str] = set()
    for p in a:
        fired |= {m.id for m in engine.assess(p).measures}
    assert len(fired) >= 20  # the population exercises most of the ruleset


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_equals_one_by_one_and_keeps_order(engine: Engine, tmp_path: Path, workers: int) -> None:
    src = tmp_path / "in.jsonl"
    people = _write_population(src, 120, 11)
    with src.open("ab") as f:  # a bad record, a broken line and a blank line in the middle of good ones
        f.write(b'{"bolig": {"situasjon": "slott"}}\nnot json\n\n')
        f.write((json.dumps(people[0]) + "\n").encode())
    out = tmp_path / "out.jsonl"
    r = CliRunner().invoke(cli, ["batch", str(src), "-o", str(out), "--workers", str(workers)])
    assert r.exit_code == 2, r.output
    assert "123 vurdert: 121 ok, 2 med feil" in r.output
    assert re.search(r"med feil \(\d+,\d s, [\d\u00a0]+/s\)", r.output), r.output  # numbers as written in Norwegian
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["line"] for x in lines] == list(range(1, 123)) + [124]
    for person, rec in zip(people, lines[:120], strict=True):
        assert rec["strategy"] == json.loads(engine.assess(person).to_json())
    bad, broken = lines[120], lines[121]
    assert bad["error"]["problems"][0]["path"] == "bolig.situasjon"
    assert "ikke gyldig JSON" in broken["error"]["problems"][0]["message"]
    assert lines[122]["line"] == 124 and lines[122]["strategy"] == lines[0]["strategy"]


def test_batch_folder_and_stdout(tmp_path: Path) -> None:
    folder = tmp_path / "saker"
    folder.mkdir()
    for p in EXAMPLE_FILES:
        shutil.copy(p, folder / p.name)
    r = CliRunner().invoke(cli, ["batch", str(folder), "-o", "-", "--lang", "en"])
    assert r.exit_code == 0
    recs = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["file"] for x in recs] == [p.name for p in EXAMPLE_FILES]
    assert f"{len(EXAMPLE_FILES)} assessed: {len(EXAMPLE_FILES)} ok, 0 failed" in r.stderr


def test_batch_reads_lazily_and_in_windows(engine: Engine) -> None:
    """Records are pulled as they are processed, never all at once."""
    pulled = 0

    def source():  # type: ignore[no-untyped-def]
        nonlocal pulled
        for i, p in enumerate(population(600, 3), 1):
            pulled += 1
            yield Record(i, json.dumps(p).encode())

    seen_at_first_write: list[int] = []
    written: list[bytes] = []

    def write(block: bytes) -> None:
        if not written:
            seen_at_first_write.append(pulled)
        written.extend(block.splitlines())

    summary = run_batch(engine, source(), write)
    assert summary.total == summary.ok == 600 and len(written) == 600
    assert seen_at_first_write[0] <= 256  # the first chunk, not the whole input


def test_read_jsonl_counts_blank_lines() -> None:
    recs = list(read_jsonl([b"{}\n", b"\n", b"  \n", b"{}\n"]))
    assert [r.line for r in recs] == [1, 4]


def test_simulate_counts_and_compares(engine: Engine, ruleset_copy: Path) -> None:
    people = list(population(400, 2))
    impact, change = simulate(engine, people)
    assert change is None and impact.people == 400 and impact.failed == 0
    assert sum(impact.group_sizes.values()) >= 400
    assert impact.measures["startlan"] == sum(1 for p in people if "startlan" in {m.id for m in engine.assess(p).measures})
    # a rule change: drop the rule 'hoye-boutgifter' (and its cases)
    bolig = ruleset_copy / "rules" / "bolig.yaml"
    text = bolig.read_text(encoding="utf-8")
    start = text.index("  - id: hoye-boutgifter")
    end = text.index("  - id: ", start + 10)
    bolig.write_text(text[:start] + text[end:], encoding="utf-8")
    other = Engine.from_paths(ruleset_copy)
    _, change = simulate(engine, people, other)
    assert change is not None
    # a measure vanishes exactly for the people for whom that rule was its only reason
    only_by_it: dict[str, int] = {}
    for p in people:
        for m in engine.assess(p).measures:
            if {w.rule for w in m.why} == {"hoye-boutgifter"}:
                only_by_it[m.id] = only_by_it.get(m.id, 0) + 1
    assert only_by_it.get("bostotte", 0) > 0 and change.vanish["bostotte"] == only_by_it["bostotte"]
    # and every count equals a one-by-one comparison of the two engines
    vanish: dict[str, int] = {}
    for p in people:
        before, after = ({m.id for m in e.assess(p).measures} for e in (engine, other))
        for mid in before - after:
            vanish[mid] = vanish.get(mid, 0) + 1
    assert dict(change.vanish) == vanish and set(vanish) <= set(only_by_it)


def test_simulate_cli_text_json_and_seed(tmp_path: Path) -> None:
    r1 = CliRunner().invoke(cli, ["simulate", "--population", "150", "--seed", "4", "--format", "json"])
    r2 = CliRunner().invoke(cli, ["simulate", "--population", "150", "--seed", "4", "--format", "json"])
    assert r1.exit_code == 0 and r1.output == r2.output
    data = json.loads(r1.output)
    assert data["people"] == 150 and data["measures"] and data["by_target_group"] and data["by_start_pillar"]
    text = CliRunner().invoke(cli, ["simulate", "--population", "100", "--lang", "en", "--save-population", str(tmp_path / "p.jsonl")])
    assert "Simulated population: 100" in text.output and "By target group" in text.output
    assert len((tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()) == 100


def test_workers_keep_memory_bounded(engine: Engine) -> None:
    """With worker processes too, input is pulled only a bounded distance ahead of the output."""
    from ibp_rules.batch import CHUNK, WINDOW

    pulled = 0
    ahead: list[int] = []

    def source():  # type: ignore[no-untyped-def]
        nonlocal pulled
        for i, p in enumerate(population(WINDOW * 3, 8), 1):
            pulled += 1
            yield Record(i, json.dumps(p).encode())

    written = 0

    def write(block: bytes) -> None:
        nonlocal written
        written += block.count(b"\n")
        ahead.append(pulled - written)

    summary = run_batch(engine, source(), write, workers=2)
    assert summary.total == WINDOW * 3
    assert max(ahead) <= WINDOW + CHUNK


def test_batch_compact_keeps_ids_and_drops_ruleset_texts(tmp_path: Path) -> None:
    folder = tmp_path / "saker"
    folder.mkdir()
    for p in EXAMPLE_FILES:
        shutil.copy(p, folder / p.name)
    full_out, compact_out = tmp_path / "full.jsonl", tmp_path / "compact.jsonl"
    assert CliRunner().invoke(cli, ["batch", str(folder), "-o", str(full_out)]).exit_code == 0
    assert CliRunner().invoke(cli, ["batch", str(folder), "-o", str(compact_out), "--workers", "2", "--compact"]).exit_code == 0
    assert compact_out.stat().st_size < full_out.stat().st_size / 2

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    for f, c in zip(full_out.read_text(encoding="utf-8").splitlines(), compact_out.read_text(encoding="utf-8").splitlines(), strict=False):
        full, compact = json.loads(f)["strategy"], json.loads(c)["strategy"]
        assert not keys(compact) & {"title", "text", "notice", "check", "to_check", "description", "test"}
        assert [(m["id"], m["stage"], m["phase"], m["partners"], [w["rule"] for w in m["why"]]) for m in full["measures"]] == \
               [(m["id"], m["stage"], m["phase"], m["partners"], [w["rule"] for w in m["why"]]) for m in compact["measures"]]
        assert [t["id"] for t in full["tasks"]] == [t["id"] for t in compact["tasks"]]
        assert full["ruleset"] == compact["ruleset"] and full["start_with"] == compact["start_with"]


def _answer(proc: Any, line: str, timeout: float = 60.0) -> dict:  # type: ignore[type-arg]
    """Write one record to a running ``ibp batch - -o -`` and read its answer while the input stays open."""
    import select

    proc.stdin.write((line + "\n").encode())
    proc.stdin.flush()
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "no answer while the input stays open"
    return json.loads(proc.stdout.readline())  # type: ignore[no-any-return]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_batch_answers_a_pipe_record_by_record_with_the_callers_reference(workers: str, tmp_path: Path) -> None:
    """A program using ``ibp batch - -o -`` as a helper process: one line in, its answer out, then the next.

    Started outside the checkout, as a user would: run from the repository's
    root, ``-m`` would find the source tree's ``ibp_rules`` (which has no
    ``cli``) before the installed package.
    """
    import subprocess
    import sys

    people = list(population(3, 7))
    proc = subprocess.Popen([sys.executable, "-m", "ibp_rules.cli.main", "batch", "-", "-o", "-", "--workers", workers],
                            cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = _answer(proc, json.dumps({"ref": "sak-17", "assessment": people[0]}))
        assert first["line"] == 1 and first["ref"] == "sak-17" and "strategy" in first
        bare = _answer(proc, json.dumps(people[1]))
        assert bare["line"] == 2 and "ref" not in bare and "strategy" in bare
        refused = _answer(proc, json.dumps({"ref": "01019012345", "assessment": people[2]}))
        assert "ref" not in refused and "12345" not in json.dumps(refused)  # may identify the person: not echoed
        assert refused["error"]["problems"][0]["path"] == "ref" and "fødselsnummer" in refused["error"]["problems"][0]["message"]
        beside = _answer(proc, json.dumps({"id": "sak-18", **people[2]}))
        assert beside["error"]["problems"][0]["path"] == "id" and "konvolutt" in beside["error"]["problems"][0]["message"]
        assert _answer(proc, "not json")["line"] == 5
        last = _answer(proc, json.dumps({"ref": "sak-19", "assessment": people[2]}))
        assert last["ref"] == "sak-19" and last["line"] == 6
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        rest = proc.stdout.read()  # type: ignore[union-attr]
        err = proc.stderr.read().decode()  # type: ignore[union-attr]
        proc.wait(30)
    assert rest == b"" and proc.returncode == 2 and "6 vurdert: 3 ok, 3 med feil" in err


def test_batch_reference_in_a_file_and_a_folder(tmp_path: Path) -> None:
    """The envelope works the same from a file (in chunks) as from a pipe; the reference's line is the record's."""
    people = list(population(2, 3))
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"ref": "sak-1", "assessment": people[0]}) + "\n"
                   + json.dumps({"ref": "sak-2", "assessment": {"bolig": {"situasjon": "slott"}}}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = CliRunner().invoke(cli, ["batch", str(src), "-o", str(out), "--lang", "en"])
    assert r.exit_code == 2
    a, b = (json.loads(x) for x in out.read_text(encoding="utf-8").splitlines())
    assert a["ref"] == "sak-1" and "strategy" in a
    assert b["ref"] == "sak-2" and b["error"]["problems"][0]["path"] == "bolig.situasjon"


@pytest.mark.skipif(not hasattr(__import__("fcntl"), "F_GETPIPE_SZ"), reason="pipe sizes are a Linux feature")
def test_the_result_pipe_holds_a_whole_block(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of output come back through a pipe widened to hold one (see
    ``batch._widen_result_pipe``): a run with workers widens it, and the
    width is what was asked, within what the system allows."""
    import fcntl

    from ibp_rules import batch

    seen: list[int] = []
    widen = batch._widen_result_pipe

    def spy(pool: Any) -> None:
        widen(pool)
        seen.extend(fcntl.fcntl(end.fileno(), fcntl.F_GETPIPE_SZ) for end in (pool._outqueue._reader, pool._inqueue._writer))

    monkeypatch.setattr(batch, "_widen_result_pipe", spy)
    lines = [json.dumps(p).encode() + b"\n" for p in population(70, 3)]
    out: list[bytes] = []
    summary = run_batch(engine, read_jsonl(lines), out.append, workers=2)
    assert summary.ok == 70 and b"".join(out).count(b"\n") == 70
    limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    assert seen == [min(batch.RESULT_PIPE_BYTES, limit)] * 2

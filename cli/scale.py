"""``ibp batch`` and ``ibp simulate``: many assessments at once."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .common import LANG_OPTION, RULES_OPTION, engine, t


@click.command()
@click.argument("source", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), required=True,
              help="JSON Lines output (- for standard output).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--compact", is_flag=True,
              help="Leave out the texts that come from the ruleset (titles, reasons, checks): ids, stages, partners, "
                   "rule ids and the facts read stay. About a third of the size, for re-running a whole caseload.")
@RULES_OPTION
@LANG_OPTION
def batch(source: Path, output: Path, workers: int, compact: bool, rules: tuple[Path, ...], lang: str) -> None:
    """Assess many cases: JSON Lines in (or a folder of YAML/JSON files), JSON Lines out.

    One output record per input record, in input order: {"line": N,
    "strategy": {...}} or {"line": N, "error": {...}} with the field path.
    A bad record never stops the run. Exit code 2 if any record failed.

    \b
    Examples:
        ibp batch cases.jsonl -o strategies.jsonl --workers 2
        ibp batch caseload.jsonl -o new-rules.jsonl --workers 2 --compact
        ibp batch saker/ -o resultat.jsonl
    """
    from ibp_rules.batch import read_folder, read_jsonl, run_batch

    eng = engine(rules)
    started = time.perf_counter()
    out = sys.stdout.buffer if str(output) == "-" else output.open("wb")
    show = sys.stderr.isatty()
    try:
        if source.is_dir():
            records = read_folder(source)
            total = sum(1 for p in source.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json"))
        elif str(source) == "-":
            records, total = read_jsonl(sys.stdin.buffer), None
        else:
            records, total = read_jsonl(source.open("rb")), None
        if show:  # a progress bar only on a terminal
            with click.progressbar(length=total or 0, file=sys.stderr, label=t("Vurderer", "Assessing"),
                                   show_pos=True, show_percent=total is not None, show_eta=total is not None) as bar:
                summary = run_batch(eng, records, out.write, workers, progress=bar.update, compact=compact)
        else:
            summary = run_batch(eng, records, out.write, workers, compact=compact)
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        else:
            out.flush()
    seconds = time.perf_counter() - started
    rate = summary.total / seconds if seconds else 0.0
    click.echo(t(f"{summary.total} vurdert: {summary.ok} ok, {summary.failed} med feil ({seconds:.1f} s, {rate:,.0f}/s)",
                 f"{summary.total} assessed: {summary.ok} ok, {summary.failed} failed ({seconds:.1f} s, {rate:,.0f}/s)"), err=True)
    if summary.failed:
        sys.exit(2)


@click.command()
@click.option("--population", "n", type=click.IntRange(1, 10_000_000), default=1000, show_default=True, help="How many people.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same population.")
@RULES_OPTION
@click.option("--against", "against", multiple=True, type=click.Path(path_type=Path),
              help="A second ruleset (repeatable) to compare with: which suggestions appear or vanish.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--save-population", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the generated assessments as JSON Lines (for ibp batch).")
@LANG_OPTION
def simulate(n: int, seed: int, rules: tuple[Path, ...], against: tuple[Path, ...], fmt: str,
             save_population: Path | None, lang: str) -> None:
    """Simulate a synthetic caseload: how often each measure and partner is suggested.

    The population is synthetic and illustrative (see ibp_rules/population.py
    for its documented distributions), reproducible by --seed.

    \b
    Examples:
        ibp simulate --population 10000 --seed 7
        ibp simulate --rules rulesets/ --against ny-versjon/ --format json
        ibp simulate --population 200000 --save-population pop.jsonl
    """
    from ibp_rules import Engine
    from ibp_rules.population import population
    from ibp_rules.simulate import impact_text
    from ibp_rules.simulate import simulate as run_simulation

    eng = engine(rules)
    other = Engine.from_paths(*against) if against else None
    people = population(n, seed)
    if save_population is not None:
        with save_population.open("w", encoding="utf-8") as f:
            for p in population(n, seed):
                f.write(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n")
    impact, change = run_simulation(eng, people, other)
    if fmt == "json":
        data = {"population": n, "seed": seed, "ruleset": {"id": eng.ruleset.id, "version": eng.ruleset.version,
                                                           "sha256": eng.ruleset.sha256}, **impact.to_data()}
        if change is not None and other is not None:
            data["against"] = {"ruleset": {"id": other.ruleset.id, "version": other.ruleset.version,
                                           "sha256": other.ruleset.sha256}, **change.to_data()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(impact_text(impact, change, eng, lang), nl=False)  # type: ignore[arg-type]


COMMANDS = [batch, simulate]

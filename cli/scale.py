"""``ibp batch`` and ``ibp simulate``: many assessments at once."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from ibp_rules.text import Lang

from .common import LANG_OPTION, RULES_OPTION, engine, t
from .interrupt import Interrupted, StopSignals


@click.command()
@click.argument("source", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), required=True,
              help="JSON Lines output (- for standard output). Written as OUTPUT.partial until complete.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--compact", is_flag=True,
              help="Leave out the texts that come from the ruleset (titles, reasons, checks): ids, stages, partners, "
                   "rule ids and the facts read stay. About a third of the size, for re-running a whole caseload.")
@click.option("--resume", is_flag=True,
              help="Continue a run that stopped early: keep the records in OUTPUT.partial and assess the rest "
                   "(same input, rules and --compact).")
@RULES_OPTION
@LANG_OPTION
def batch(source: Path, output: Path, workers: int, compact: bool, resume: bool, rules: tuple[Path, ...], lang: Lang) -> None:
    """Assess many cases: JSON Lines in (or a folder of YAML/JSON files), JSON Lines out.

    One output record per input record, in input order: {"line": N,
    "strategy": {...}} or {"line": N, "error": {...}} with the field path.
    A bad record never stops the run. Exit code 2 if any record failed.

    A record may carry your own case reference: {"ref": "sak-17",
    "assessment": {...}}; its output record carries "ref": "sak-17".
    Reading a pipe (SOURCE is -), each record is answered as soon as it is
    read, so another program can keep ibp batch - -o - running as a helper:
    write a line, read its answer.

    The output is written to OUTPUT.partial and renamed to OUTPUT only when
    every record is in it. Ctrl-C or SIGTERM stops the run cleanly (exit
    130 or 143) and keeps the records written so far in OUTPUT.partial;
    run the same command with --resume to continue from there.

    \b
    Examples:
        ibp batch cases.jsonl -o strategies.jsonl --workers 2
        ibp batch caseload.jsonl -o new-rules.jsonl --workers 2 --compact
        ibp batch saker/ -o resultat.jsonl
        ibp batch cases.jsonl -o strategies.jsonl --workers 2 --resume
        echo '{"ref": "sak-17", "assessment": {"bolig": {"situasjon": "krisesenter"}}}' | ibp batch - -o -
    """
    from ibp_rules.batch import BatchOutput, Summary, run_batch, skip_done
    from ibp_rules.words import number

    to_stdout = str(output) == "-"
    if resume and to_stdout:
        raise click.UsageError(t("--resume trenger en utfil (-o FIL)", "--resume needs an output file (-o FILE)"))
    out: BatchOutput | None = None
    written = 0
    with StopSignals() as stop:
        try:
            eng = engine(rules)
            started = time.perf_counter()
            if not to_stdout:
                _refuse_input_as_output(source, output)
                with stop.deferred():  # opened (and, resuming, checked) whole, or not at all
                    out = BatchOutput(output, eng, compact, resume)
                if resume:
                    _say_where_resumed(out)
            records, total = _records(source, count=sys.stderr.isatty())
            before = out.done.summary if out is not None else Summary()
            if before.total:
                records = skip_done(records, out.done, source)  # type: ignore[union-attr]

            def write(block: bytes) -> None:
                nonlocal written
                with stop.deferred():  # a block and its count, never half of it
                    if out is not None:
                        out.write(block)
                    else:
                        sys.stdout.buffer.write(block)
                        sys.stdout.buffer.flush()
                    written += block.count(b"\n")

            if sys.stderr.isatty():  # a progress bar only on a terminal
                with click.progressbar(length=total or 0, file=sys.stderr, label=t("Vurderer", "Assessing"),
                                       show_pos=True, show_percent=total is not None, show_eta=total is not None) as bar:
                    bar.update(before.total)
                    summary = run_batch(eng, records, write, workers, progress=bar.update, compact=compact, lang=lang)
            else:
                summary = run_batch(eng, records, write, workers, compact=compact, lang=lang)
            stop.ignore()  # everything is written; finishing must not be cut short
            if out is not None:
                out.finish()
        except Interrupted as exc:
            _stopped(exc, out, written, to_stdout)
        except BaseException:
            if out is not None and out.lines:
                out.keep(True)
                click.echo(t(f"{out.lines} poster er skrevet til {out.shown_partial}; fortsett med --resume.",
                             f"{out.lines} records are written to {out.shown_partial}; continue with --resume."), err=True)
            elif out is not None:
                out.keep(False)
            raise
    seconds = time.perf_counter() - started
    rate = summary.total / seconds if seconds else 0.0
    whole = Summary(before.total + summary.total, before.ok + summary.ok, before.failed + summary.failed)
    earlier = t(f"; {before.total} fra før", f"; {before.total} from before") if before.total else ""
    secs, per = number(seconds, lang, 1), number(rate, lang)
    click.echo(t(f"{whole.total} vurdert: {whole.ok} ok, {whole.failed} med feil ({secs} s, {per}/s{earlier})",
                 f"{whole.total} assessed: {whole.ok} ok, {whole.failed} failed ({secs} s, {per}/s{earlier})"), err=True)
    if whole.failed:
        sys.exit(2)


def _records(source: Path, count: bool) -> tuple[Any, int | None]:
    """The input records and (for a progress bar, when ``count``) how many there are."""
    import stat

    from ibp_rules.batch import folder_files, read_folder, read_jsonl, read_stream

    if source.is_dir():
        return read_folder(source), len(folder_files(source))
    if str(source) == "-":
        if stat.S_ISREG(os.fstat(sys.stdin.fileno()).st_mode):
            return read_jsonl(sys.stdin.buffer), None
        return read_stream(sys.stdin.fileno()), None  # a pipe: each record answered as it comes
    total = None
    if count and source.is_file():  # one quick pass over the lines (a pipe or a device is not read twice)
        with source.open("rb") as f:
            total = sum(1 for line in f if line.strip())
    return read_jsonl(source.open("rb")), total


def _refuse_input_as_output(source: Path, output: Path) -> None:
    """Writing the output must never destroy the input (also through links)."""
    from ibp_rules.batch import folder_files, partial_path, same_file
    from ibp_rules.errors import OutputError, Problem

    if str(source) == "-":
        return
    inputs = folder_files(source) if source.is_dir() else [source]
    for path in inputs:
        for target in (output, partial_path(output)):
            if same_file(path, target):
                raise OutputError(Problem(str(output), None, "", f"it is the input file {path}; choose another output file",
                                          message_nb=f"det er innfilen {path}; velg en annen utfil"))


def _say_where_resumed(out: Any) -> None:
    done = out.done
    if done.summary.total:
        click.echo(t(f"Fortsetter etter {done.summary.total} poster i {out.shown_partial}.",
                     f"Continuing after {done.summary.total} records in {out.shown_partial}."), err=True)
    else:
        click.echo(t(f"Ingen poster i {out.shown_partial} å fortsette fra; starter fra begynnelsen.",
                     f"No records in {out.shown_partial} to continue from; starting from the beginning."), err=True)


def _stopped(exc: Interrupted, out: Any, written: int, to_stdout: bool) -> None:
    """One line on what the stop left behind, then the signal's exit code."""
    how = t("Avbrutt", "Interrupted") + f" ({exc})"
    if to_stdout:
        where = t(f"{written} poster skrevet til standard ut.", f"{written} records written to standard output.")
    elif out is not None and out.lines:
        out.keep(True)
        where = t(f"{out.lines} poster er i {out.shown_partial}; fortsett med --resume.",
                  f"{out.lines} records are in {out.shown_partial}; continue with --resume.")
    else:
        if out is not None:
            out.keep(False)
        where = t("ingen poster skrevet; ingen fil laget.", "no records written; no file made.")
    click.echo(f"{how}: {where}", err=True)
    sys.exit(exc.exit_code)


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
        from ibp_rules.atomic import atomic_output

        with atomic_output(save_population) as f:
            for p in population(n, seed):
                f.write(json.dumps(p, ensure_ascii=False, sort_keys=True).encode() + b"\n")
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

"""Benchmark: the cost of durable_rules, batch throughput, peak memory when streaming.

Prints figures and ratios; asserts nothing.

    python bench/bench_scale.py                      # 20,000 for throughput, RSS at 10,000 and 200,000
    python bench/bench_scale.py --throughput 200000  # the national-scale run (about 2 min with 2 workers)
    python bench/bench_scale.py --skip-rss --reference-only
    python bench/bench_scale.py --throughput 2000 --rss 200000 --compact   # 200k, full and --compact output

Run with the project installed (``pip install .``) so ``ibp`` is beside
this interpreter.

**Against what.** ``bench/reference.py`` is the fastest plain-Python rule
runner we could write (tests compiled once to closures, a first-test index,
rules run once in dependency order); it is kept only to price durable_rules
and never gives results. Both are timed on the same synthetic people, twice
over: *matching alone* (facts in, what fired out) and the *whole record*
(a JSON line in, its strategy as a JSON line out — parsing, validation,
explanations, planning and serialisation are the same code either way). The
two must agree on every person (what fired, and byte-identical output).

**How it is timed.** CPU time of this process (:func:`time.process_time`),
the two runners alternating for ``--rounds`` rounds, the least of each kept:
on a shared machine a round only gets slower when others take the CPU, so
the minimum is the figure least disturbed, and wall-clock time is not used.
The ``ibp batch`` runs report wall time and, beside it, the CPU time of the
whole process tree per record, which predicts the wall time on an idle
machine with N cores (CPU / N).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def write_population(path: Path, n: int, seed: int = 1) -> None:
    from ibp_rules.population import population

    with path.open("w", encoding="utf-8") as f:
        for p in population(n, seed):
            f.write(json.dumps(p, separators=(",", ":")) + "\n")


def _tree_rss_kib(pid: int) -> int:
    """Sum of VmRSS over a process and its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as f:
                    stack += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


def run_batch(ibp: str, src: Path, workers: int, compact: bool = False) -> tuple[float, int, float]:
    """(seconds, peak RSS of the whole process tree in KiB, CPU seconds of the tree) for one `ibp batch` run."""
    out = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    peak = 0
    cpu_before = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen([ibp, "batch", str(src), "-o", str(out), "--workers", str(workers)] + (["--compact"] if compact else []),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kib(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu_before
    stop.set()
    sampler.join()
    out.unlink()
    if code not in (0, 2):
        raise SystemExit(f"ibp batch failed with exit code {code}")
    return seconds, peak, cpu


# --- durable_rules against the plain-Python reference ------------------------------

def _least_cpu(rounds: int, runs: dict[str, Any]) -> dict[str, float]:
    """The least CPU seconds of each callable over ``rounds`` alternating rounds."""
    best = {name: float("inf") for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            gc.collect()
            t = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - t)
    return best


def bench_reference(n: int, rounds: int) -> None:
    from ibp_rules import Engine
    from ibp_rules.batch import Record, run_chunk
    from ibp_rules.fact_schema import project
    from ibp_rules.population import population

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from reference import ReferenceBackend

    durable = Engine.default()
    plain = Engine(durable.ruleset)
    plain._backend = ReferenceBackend(durable.ruleset)  # type: ignore[assignment]
    people = list(population(n, 9))
    records = [Record(i, json.dumps(p, separators=(",", ":")).encode()) for i, p in enumerate(people, 1)]
    facts = [project(durable._validate(p)) for p in people]

    agree = 0
    for f, r in zip(facts, records, strict=True):
        a, b = durable._backend.run(f), plain._backend.run(f)
        same_firings = ({k: sorted(v) for k, v in a.rules.items()} == {k: sorted(v) for k, v in b.rules.items()}
                        and {k: sorted(v) for k, v in a.derived.items()} == {k: sorted(v) for k, v in b.derived.items()})
        agree += same_firings and run_chunk(durable, [r]) == run_chunk(plain, [r])

    def chunks(engine: Engine) -> Any:
        return lambda: [run_chunk(engine, records[k:k + 64]) for k in range(0, n, 64)]

    match = _least_cpu(rounds, {"durable": lambda: [durable._backend.run(f) for f in facts],
                                "plain": lambda: [plain._backend.run(f) for f in facts]})
    whole = _least_cpu(rounds, {"durable": chunks(durable), "plain": chunks(plain)})
    fired = statistics.fmean(len(durable._backend.run(f).rules) for f in facts)
    print(f"{n:,} synthetic people, {len(durable.ruleset.rules)} rules, {fired:.1f} rules fired per person; "
          f"CPU time per person, least of {rounds} rounds:")
    print(f"  agreement (what fired, and the output line byte for byte): {agree:,}/{n:,}")
    for label, t in (("matching alone", match), ("whole record (JSON line in → JSON line out)", whole)):
        d, p = t["durable"] / n, t["plain"] / n
        print(f"  {label}:")
        print(f"    durable_rules  {d * 1e6:8.1f} µs")
        print(f"    plain Python   {p * 1e6:8.1f} µs   (reference only)")
        print(f"    ratio          {d / p:8.1f}x")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--throughput", type=int, default=20_000, help="records for the 1- and 2-worker throughput runs")
    ap.add_argument("--rss", type=int, nargs="*", default=[10_000, 200_000], help="record counts for the peak-RSS runs (2 workers)")
    ap.add_argument("--reference", type=int, default=2000, help="people for the durable vs plain-Python comparison")
    ap.add_argument("--rounds", type=int, default=7, help="alternating rounds; the least CPU time of each is kept")
    ap.add_argument("--skip-rss", action="store_true")
    ap.add_argument("--reference-only", action="store_true")
    ap.add_argument("--compact", action="store_true", help="also time the 2-worker runs with --compact output")
    args = ap.parse_args()

    bench_reference(args.reference, args.rounds)
    if args.reference_only:
        return
    ibp = shutil.which("ibp", path=str(Path(sys.executable).parent))
    if ibp is None:
        raise SystemExit("'ibp' is not installed beside this interpreter")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "pop.jsonl"
        write_population(src, args.throughput)
        print(f"ibp batch, {args.throughput:,} synthetic assessments:")
        base = None
        for workers in (1, 2):
            seconds, peak, cpu = run_batch(ibp, src, workers)
            rate = args.throughput / seconds
            base = base or rate
            print(f"  --workers {workers}: {seconds:7.1f} s  {rate:8,.0f}/s  (x{rate / base:.2f})  peak RSS {peak / 1024:6.1f} MiB  "
                  f"CPU {cpu / args.throughput * 1e6:,.0f} µs/record (all processes)")
        if not args.skip_rss:
            for n in args.rss:
                src_n = Path(tmp) / f"pop{n}.jsonl"
                write_population(src_n, n, seed=2)
                for compact in (False, True) if args.compact else (False,):
                    seconds, peak, cpu = run_batch(ibp, src_n, 2, compact)
                    label = " --compact" if compact else ""
                    print(f"  streamed {n:>9,} with --workers 2{label}: {seconds:7.1f} s  ({n / seconds:,.0f}/s)  "
                          f"peak RSS {peak / 1024:6.1f} MiB  CPU {cpu:,.0f} s ({cpu / n * 1e6:,.0f} µs/record; "
                          f"idle 2 cores: ~{cpu / 2:,.0f} s)")
                src_n.unlink()


if __name__ == "__main__":
    main()

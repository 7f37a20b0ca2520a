"""Benchmark: batch throughput, peak memory when streaming, and the cost of durable_rules.

Prints figures and ratios; asserts nothing.

    python bench/bench_scale.py                      # 20,000 for throughput, RSS at 10,000 and 200,000
    python bench/bench_scale.py --throughput 200000  # the national-scale run (about 2 min with 2 workers)
    python bench/bench_scale.py --skip-rss --reference-only
    python bench/bench_scale.py --throughput 2000 --rss 200000 --compact   # 200k, full and --compact output

Run with the project installed (``pip install .``) so ``ibp`` is beside
this interpreter. The plain-Python evaluator below is a *reference kept only
for this benchmark*: it evaluates the same compiled conditions without
durable_rules, to price the engine; it is never used for results.
"""

from __future__ import annotations

import argparse
import json
import os
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


def run_batch(ibp: str, src: Path, workers: int, compact: bool = False) -> tuple[float, int]:
    """(seconds, peak RSS of the whole process tree in KiB) for one `ibp batch` run."""
    out = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    peak = 0
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
    stop.set()
    sampler.join()
    out.unlink()
    if code not in (0, 2):
        raise SystemExit(f"ibp batch failed with exit code {code}")
    return seconds, peak


# --- the plain-Python reference ---------------------------------------------------

def reference_run(ruleset: Any, facts: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Fire rules by evaluating their conditions in Python, stratum by stratum, to a fixpoint."""
    from ibp_rules import conditions as C

    fired: set[str] = set()
    derived: set[str] = set()
    by_stratum: dict[int, list[Any]] = {}
    for rule in ruleset.rules.values():
        by_stratum.setdefault(rule.stratum, []).append(rule)
    for stratum in sorted(by_stratum):
        changed = True
        while changed:
            changed = False
            for rule in by_stratum[stratum]:
                if rule.id in fired:
                    continue
                if any(all(C.holds(a, facts, derived) for a in conj) for conj in rule.branches):
                    fired.add(rule.id)
                    for action in rule.rule.then:
                        if action.derive and action.derive not in derived:
                            derived.add(action.derive)
                            changed = True
    return fired, derived


def bench_reference(n: int) -> None:
    from ibp_rules import Engine
    from ibp_rules.fact_schema import project
    from ibp_rules.population import population

    engine = Engine.default()
    backend = engine._backend
    people = [engine._validate(p) for p in population(n, 9)]
    facts = [project(a) for a in people]
    disagreements = 0
    for f in facts[:500]:
        firings = backend.run(f)
        fired, derived = reference_run(engine.ruleset, f)
        disagreements += (set(firings.rules) != fired) or (set(firings.derived) != derived)
    times_d, times_p = [], []
    for _ in range(3):
        t = time.perf_counter()
        for f in facts:
            backend.run(f)
        times_d.append(time.perf_counter() - t)
        t = time.perf_counter()
        for f in facts:
            reference_run(engine.ruleset, f)
        times_p.append(time.perf_counter() - t)
    d, p = min(times_d) / n, min(times_p) / n
    firings = statistics.fmean(len(backend.run(f).rules) for f in facts[:1000])
    print(f"rule matching over {n:,} synthetic people, {len(engine.ruleset.rules)} rules, {firings:.1f} rules fired per person:")
    print(f"  durable_rules   {d * 1e3:6.3f} ms/assessment")
    print(f"  plain Python    {p * 1e3:6.3f} ms/assessment   (reference only)")
    print(f"  ratio           {d / p:6.1f}x   (agreement on 500 people: {500 - disagreements}/500)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--throughput", type=int, default=20_000, help="records for the 1- and 2-worker throughput runs")
    ap.add_argument("--rss", type=int, nargs="*", default=[10_000, 200_000], help="record counts for the peak-RSS runs (2 workers)")
    ap.add_argument("--reference", type=int, default=3000, help="people for the durable vs plain-Python comparison")
    ap.add_argument("--skip-rss", action="store_true")
    ap.add_argument("--reference-only", action="store_true")
    ap.add_argument("--compact", action="store_true", help="also time the 2-worker runs with --compact output")
    args = ap.parse_args()

    bench_reference(args.reference)
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
            seconds, peak = run_batch(ibp, src, workers)
            rate = args.throughput / seconds
            base = base or rate
            print(f"  --workers {workers}: {seconds:7.1f} s  {rate:8,.0f}/s  (x{rate / base:.2f})  peak RSS {peak / 1024:6.1f} MiB")
        if not args.skip_rss:
            for n in args.rss:
                src_n = Path(tmp) / f"pop{n}.jsonl"
                write_population(src_n, n, seed=2)
                for compact in (False, True) if args.compact else (False,):
                    seconds, peak = run_batch(ibp, src_n, 2, compact)
                    label = " --compact" if compact else ""
                    print(f"  streamed {n:>9,} with --workers 2{label}: {seconds:7.1f} s  ({n / seconds:,.0f}/s)  "
                          f"peak RSS {peak / 1024:6.1f} MiB")
                src_n.unlink()


if __name__ == "__main__":
    main()

"""Benchmark: ruleset load+compile, warm per-assessment latency, cold CLI start.

Prints figures and ratios; it is not a test and asserts nothing.

    python bench/bench_assess.py            # default: 2,000 warm runs
    python bench/bench_assess.py --runs 20000

Run it with the project installed (``pip install .``) so ``ibp`` is on PATH
in the same environment as this interpreter.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def timed_subprocess(cmd: list[str], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=2000, help="warm assessments to time")
    ap.add_argument("--cold", type=int, default=7, help="cold CLI starts to time")
    args = ap.parse_args()

    from ibp_rules import Engine, read_assessment
    from ibp_rules.resources import default_ruleset_path
    from ibp_rules.ruleset import load_ruleset

    loads, compiles = [], []
    for _ in range(10):
        t0 = time.perf_counter()
        rs = load_ruleset([default_ruleset_path()])
        t1 = time.perf_counter()
        Engine(rs)
        t2 = time.perf_counter()
        loads.append(t1 - t0)
        compiles.append(t2 - t1)
    rules = len(rs.rules)
    branches = sum(len(r.branches) for r in rs.rules.values())
    print(f"ruleset: {rules} rules, {branches} durable rules (branches), {len(rs.measures)} measures")
    print(f"load+check  median {statistics.median(loads) * 1e3:7.2f} ms")
    print(f"compile     median {statistics.median(compiles) * 1e3:7.2f} ms  (Engine(): durable host + ruleset)")

    engine = Engine.default()
    cases = [read_assessment(p) for p in sorted((REPO / "examples").glob("*.yaml")) if p.name != "cases.yaml"]
    for c in cases:  # warm up
        engine.assess(c)
    lat: list[float] = []
    for i in range(args.runs):
        c = cases[i % len(cases)]
        t = time.perf_counter()
        engine.assess(c)
        lat.append(time.perf_counter() - t)
    print(f"warm assess over {len(cases)} worked cases, {args.runs} runs:")
    print(f"  p50 {pct(lat, 50) * 1e3:6.3f} ms   p99 {pct(lat, 99) * 1e3:6.3f} ms   "
          f"mean {statistics.fmean(lat) * 1e3:6.3f} ms   ({1 / statistics.fmean(lat):,.0f} assessments/s)")

    ibp = shutil.which("ibp", path=str(Path(sys.executable).parent))
    if ibp is None:
        print("cold start: 'ibp' not installed beside this interpreter; skipped")
        return
    example = str(REPO / "examples" / "uforetrygd-til-startlan.yaml")
    base = timed_subprocess([sys.executable, "-c", "pass"], args.cold)
    cold = timed_subprocess([ibp, "assess", example, "--format", "json"], args.cold)
    b, c = statistics.median(base), statistics.median(cold)
    print(f"cold `ibp assess` median {c:.3f} s vs `python -c pass` {b:.3f} s  (ratio {c / b:.1f}x, "
          f"{args.cold} runs each)")


if __name__ == "__main__":
    main()

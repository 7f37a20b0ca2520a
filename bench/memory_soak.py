"""Soak: one process, many assessments; print RSS as it goes.

Shows that memory stays flat over a long life (durable_rules sessions are
really deleted). Prints figures; asserts nothing.

    python bench/memory_soak.py                 # 200,000 assessments
    python bench/memory_soak.py --n 20000
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000)
    args = ap.parse_args()

    from ibp_rules import Engine, read_assessment

    engine = Engine.default()
    cases = [read_assessment(p) for p in sorted((REPO / "examples").glob("*.yaml")) if p.name != "cases.yaml"]
    for i in range(3000):
        engine.assess(cases[i % len(cases)])
    gc.collect()
    start = rss_kib()
    print(f"after warm-up: RSS {start / 1024:.1f} MiB")
    t0 = time.perf_counter()
    step = max(1, args.n // 10)
    for i in range(1, args.n + 1):
        engine.assess(cases[i % len(cases)])
        if i % step == 0:
            print(f"{i:>9,} assessments  RSS {rss_kib() / 1024:7.1f} MiB  ({i / (time.perf_counter() - t0):,.0f}/s)")
    gc.collect()
    end = rss_kib()
    print(f"RSS before {start / 1024:.1f} MiB, after {args.n:,}: {end / 1024:.1f} MiB (growth {(end - start) / 1024:+.2f} MiB)")


if __name__ == "__main__":
    main()

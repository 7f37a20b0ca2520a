"""Benchmark the coordinator's and trainer's pages of ``ibp serve`` on the worked cases.

Run from a checkout with the project installed (``.venv/bin/pip install .``):

    .venv/bin/python bench/bench_pages.py               # every worked case, 5 rounds
    .venv/bin/python bench/bench_pages.py --rounds 2    # shorter, on a busy machine
    .venv/bin/python bench/bench_pages.py --browser     # also the full render in chromium

Prints figures, not pass/fail. A real ``ibp serve`` runs on loopback with
every worked case stored as a case with two versions (so the history has
something to compare). For each page, over every case and round:

* time to first byte (request sent → status line read) and the whole answer
  read, from one keep-alive connection: this is the server's time plus
  loopback, the figure the issue's 100 ms bar is about;
* beside it, the library alone doing the page's core work in-process
  (``engine.assess`` of the case plus its JSON) — what the page adds on top
  of the engine is the difference;
* with ``--browser``: chromium's navigation timing for the same pages
  (response end → load event, i.e. parsing, styling and the page's script),
  median over the cases.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from serving import Server  # noqa: E402

from ibp_rules import Engine  # noqa: E402
from ibp_rules.resources import examples_path  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def worked_cases() -> list[tuple[str, dict[str, Any]]]:
    import yaml

    files = sorted(p for p in examples_path().glob("*.yaml") if p.name != "cases.yaml")
    return [(p.stem, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in files]


def store_cases(server: Server, cases: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """Each worked case as a stored case with two versions; returns ref → first suggested measure."""
    first: dict[str, str] = {}
    for ref, assessment in cases:
        status, _, body = server.request("POST", "/api/v1/cases", {"ref": ref, "assessment": assessment})
        assert status == 201, (ref, status, body[:200])
        status, _, body = server.request("POST", f"/api/v1/cases/{ref}/versions", {"based_on": 1, "assessment": assessment})
        assert status == 201, (ref, status, body[:200])
        strategy = json.loads(server.request("GET", f"/api/v1/cases/{ref}/versions/2/strategy")[2])
        # a case with nothing suggested (lite-behov) asks why not of a catalogue measure instead
        first[ref] = strategy["measures"][0]["id"] if strategy["measures"] else "startlan"
    return first


def pages_of(ref: str, measure: str, rule: str) -> dict[str, str]:
    base = f"/saker/{ref}"
    return {
        "saker": "/saker",
        "kartlegging": f"{base}/kartlegging",
        "strategi": f"{base}/strategi",
        "hele-strategien": f"{base}/hele-strategien",
        "hvorfor": f"{base}/hvorfor/{measure}",
        "hvorfor-ikke": f"{base}/hvorfor/bolig_forst",
        "hva-om": f"{base}/hva-om",
        "valg": f"{base}/valg",
        "plan": f"{base}/plan",
        "forlop": f"{base}/forlop",
        "opplaering": f"/opplaering/{ref}",
        "pilarmodell": "/opplaering/pilarmodell",
        "regler": "/regler?q=gjeld",
        "regel": f"/regler/{rule}",
    }


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(values) * 1000:7.1f} {p95 * 1000:7.1f} {max(values) * 1000:7.1f}"


def server_times(server: Server, cases: list[tuple[str, dict[str, Any]]], first: dict[str, str], rule: str, rounds: int) -> None:
    conn = server.connection()
    headers = {"Authorization": f"Bearer {server.token}", "Accept": "text/html"}
    ttfb: dict[str, list[float]] = {}
    full: dict[str, list[float]] = {}
    sizes: dict[str, list[int]] = {}
    for ref, _ in cases:  # warm: templates compiled, engines' caches filled
        for path in pages_of(ref, first[ref], rule).values():
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            r.read()
            assert r.status == 200, (path, r.status)
    for _ in range(rounds):
        for ref, _ in cases:
            for name, path in pages_of(ref, first[ref], rule).items():
                t = time.perf_counter()
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                t_head = time.perf_counter()
                body = r.read()
                t_body = time.perf_counter()
                ttfb.setdefault(name, []).append(t_head - t)
                full.setdefault(name, []).append(t_body - t)
                sizes.setdefault(name, []).append(len(body))
    conn.close()
    engine = Engine.default()
    local: list[float] = []
    for _ in range(rounds):
        for _, assessment in cases:
            t = time.perf_counter()
            engine.assess(assessment).to_json()
            local.append(time.perf_counter() - t)
    print(f"server, over loopback: {len(cases)} worked cases × {rounds} rounds per page; ms as median p95 max")
    print(f"{'page':16} {'first byte (ms)':>24} {'whole page (ms)':>24} {'KiB':>6}")
    worst = 0.0
    for name in ttfb:
        worst = max(worst, max(full[name]))
        print(f"{name:16} {ms(ttfb[name])} {ms(full[name])} {statistics.median(sizes[name]) / 1024:6.1f}")
    print(f"library alone, engine.assess + JSON in-process: {ms(local)} ms (median p95 max)")
    print(f"slowest whole page over every case and round: {worst * 1000:.1f} ms (the bar: 100 ms)")


def browser_times(server: Server, cases: list[tuple[str, dict[str, Any]]], first: dict[str, str], rule: str) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("browser: no chromium on this machine")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        context = browser.new_context(locale="nb-NO")
        page = context.new_page()
        page.goto(f"{server.base}/login?token={server.token}&next=/saker")
        render: dict[str, list[float]] = {}
        for ref, _ in cases:
            for name, path in pages_of(ref, first[ref], rule).items():
                page.goto(server.base + path, wait_until="load")
                timing = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
                    return [n.responseStart - n.requestStart, n.loadEventEnd - n.responseEnd, n.loadEventEnd - n.startTime]; }""")
                render.setdefault(name, []).append(timing)
        browser.close()
    print("browser (chromium, median over the cases): first byte, response end → load, navigation start → load, ms")
    for name, rows in render.items():
        cols = [statistics.median(r[i] for r in rows) for i in range(3)]
        print(f"{name:16} {cols[0]:7.1f} {cols[1]:7.1f} {cols[2]:7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time the full render in Debian's chromium")
    args = parser.parse_args()
    cases = worked_cases()
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "data", "--rate-limit", "0") as server:
        first = store_cases(server, cases)
        rules = json.loads(server.request("GET", "/api/v1/rules")[2])
        rule = (rules["rules"] if isinstance(rules, dict) else rules)[0]["id"]
        server_times(server, cases, first, rule, args.rounds)
        if args.browser:
            browser_times(server, cases, first, rule)


if __name__ == "__main__":
    main()

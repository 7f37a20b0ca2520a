"""Benchmark ``ibp serve`` over loopback: start time, /assess latency, throughput, reload memory.

Run from a checkout with the project installed (``.venv/bin/pip install .``):

    .venv/bin/python bench/bench_web.py                 # the figures in the README
    .venv/bin/python bench/bench_web.py --requests 300  # shorter, on a busy machine

Prints figures and ratios, not pass/fail:

* start: from starting ``ibp serve`` to the first answer of /health (median
  of 3), beside ``python -c pass`` and the library alone building its engine;
* /assess p50/p99 from one keep-alive client over loopback, beside the same
  work done in-process by the library (parse + assess + JSON): the ratio is
  what HTTP, the app and its middleware cost;
* requests per second with 1 and 2 workers, from 4 client processes each
  with its own keep-alive connection (on a 2-core machine the clients take
  CPU from the server too: the figure is a floor);
* /batch: records per second for 2,000 records, and the server's RSS;
* RSS of the server over 100 rule reloads (the files switching between two
  versions, so two engines exist): flat means one engine per ruleset hash.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from serving import Server  # noqa: E402

from ibp_rules import Engine, parse_assessment  # noqa: E402
from ibp_rules.resources import default_ruleset_path, examples_path  # noqa: E402


def bodies() -> list[bytes]:
    import yaml

    files = sorted(p for p in examples_path().glob("*.yaml") if p.name != "cases.yaml")
    return [json.dumps(yaml.safe_load(p.read_text(encoding="utf-8"))).encode() for p in files]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_time(tmp: Path) -> None:
    runs = []
    for i in range(3):
        server = Server(tmp / f"start{i}", "--rate-limit", "0")
        runs.append(server.ready_seconds)
        server.stop()
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from ibp_rules import Engine; Engine.default()"], check=True)
    library = time.perf_counter() - t
    print(f"start: ibp serve ready in {statistics.median(runs):.2f} s (median of 3; runs {', '.join(f'{r:.2f}' for r in runs)}); "
          f"python -c pass {bare:.2f} s; library import + engine {library:.2f} s")


def latency(tmp: Path, n: int) -> None:
    cases = bodies()
    engine = Engine.default()
    for b in cases:
        engine.assess(parse_assessment(b)).to_json()
    local = []
    for i in range(n):
        t = time.perf_counter()
        engine.assess(parse_assessment(cases[i % len(cases)])).to_json()
        local.append(time.perf_counter() - t)
    with Server(tmp / "latency", "--rate-limit", "0") as server:
        conn = server.connection()
        for i in range(100):
            server.request("POST", "/api/v1/assess", cases[i % len(cases)], conn=conn, headers={"Content-Type": "application/json"})
        remote = []
        for i in range(n):
            t = time.perf_counter()
            status, _, _ = server.request("POST", "/api/v1/assess", cases[i % len(cases)], conn=conn,
                                          headers={"Content-Type": "application/json"})
            remote.append(time.perf_counter() - t)
            assert status == 200
        health = []
        for _ in range(n):
            t = time.perf_counter()
            server.request("GET", "/health", conn=conn, auth=False)
            health.append(time.perf_counter() - t)
    ms = 1000.0
    print(f"/assess over loopback, {n} requests, 13 worked cases: p50 {pct(remote, .5) * ms:.2f} ms, p99 {pct(remote, .99) * ms:.2f} ms "
          f"| library in-process (parse + assess + JSON): p50 {pct(local, .5) * ms:.2f} ms, p99 {pct(local, .99) * ms:.2f} ms "
          f"| ratio p50 {pct(remote, .5) / pct(local, .5):.1f}x | /health p50 {pct(health, .5) * ms:.2f} ms")


def _client(args: tuple[int, str, int, list[bytes]]) -> int:
    port, token, n, cases = args
    import http.client
    import socket

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.connect()
    assert conn.sock is not None
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ok = 0
    for i in range(n):
        conn.request("POST", "/api/v1/assess", body=cases[i % len(cases)],
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        ok += r.status == 200
    return ok


def throughput(tmp: Path, n: int) -> None:
    cases = bodies()
    results = {}
    for workers in (1, 2):
        with Server(tmp / f"workers{workers}", "--rate-limit", "0", "--workers", str(workers)) as server:
            with mp.get_context("fork").Pool(4) as pool:
                pool.map(_client, [(server.port, server.token, 20, cases)] * 4)  # warm every worker
                t = time.perf_counter()
                ok = sum(pool.map(_client, [(server.port, server.token, n, cases)] * 4))
                elapsed = time.perf_counter() - t
            assert ok == 4 * n
            results[workers] = ok / elapsed
    print(f"/assess throughput, 4 client processes x {n}: 1 worker {results[1]:.0f} req/s, 2 workers {results[2]:.0f} req/s "
          f"(x{results[2] / results[1]:.2f})")


def batch(tmp: Path, records: int) -> None:
    cases = bodies()
    body = b"".join(json.dumps({"ref": f"sak-{i}", "assessment": json.loads(cases[i % len(cases)])}).encode() + b"\n" for i in range(records))
    with Server(tmp / "batch", "--rate-limit", "0") as server:
        before = server.rss_kib()
        t = time.perf_counter()
        status, _, out = server.request("POST", "/api/v1/batch", body, headers={"Content-Type": "application/x-ndjson"})
        elapsed = time.perf_counter() - t
        after = server.rss_kib()
    assert status == 200 and out.count(b"\n") == records
    print(f"/batch: {records} records ({len(body) / 2**20:.1f} MiB in, {len(out) / 2**20:.1f} MiB out) in {elapsed:.2f} s "
          f"({records / elapsed:.0f}/s); server RSS {before // 1024} -> {after // 1024} MiB")


def reloads(tmp: Path, n: int = 100) -> None:
    rules = tmp / "rules"
    shutil.copytree(default_ruleset_path(), rules, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    rule_file = rules / "rules" / "bolig.yaml"
    versions = [rule_file.read_bytes(), rule_file.read_bytes() + b"\n# changed\n"]
    with Server(tmp / "reload", "--rate-limit", "0", "--rules", str(rules)) as server:
        start = server.rss_kib()
        samples = []
        t = time.perf_counter()
        for i in range(n):
            rule_file.write_bytes(versions[(i + 1) % 2])
            status, _, body = server.request("POST", "/api/v1/rules/reload")
            assert status == 200, body
            if i + 1 in (2, 10, n):
                samples.append((i + 1, server.rss_kib(), json.loads(body)["engines_built"]))
        elapsed = time.perf_counter() - t
    shown = ", ".join(f"after {k}: {rss / 1024:.1f} MiB ({e} engines)" for k, rss, e in samples)
    print(f"reload x{n} (two versions of the rules, alternating): RSS at start {start / 1024:.1f} MiB, {shown}; "
          f"{elapsed / n * 1000:.1f} ms per reload")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per latency run and per throughput client")
    parser.add_argument("--batch", type=int, default=2000, help="records in the /batch run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        start_time(tmp)
        latency(tmp, args.requests)
        throughput(tmp, args.requests // 2)
        batch(tmp, args.batch)
        reloads(tmp)


if __name__ == "__main__":
    main()

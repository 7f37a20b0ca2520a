"""The real ``ibp serve``: a subprocess on a free loopback port, real HTTP.

Bounded on purpose (two cores in CI): a load test of 8 clients x 250
requests, a fault test of three SIGKILLs during saves, 100 rule reloads.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from serving import Server
from test_privacy import SENTINEL

from conftest import EXAMPLE_FILES
from ibp_rules import Assessment, Engine, read_assessment
from ibp_rules.cli.main import cli

CASES = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in EXAMPLE_FILES]


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_serve_over_loopback(data: Path, engine: Engine) -> None:
    server = Server(data, "--rate-limit", "0")
    try:
        banner = "".join(server.banner)
        assert server.base.startswith("http://127.0.0.1:") and "login?token=" in banner
        status, headers, body = server.request("POST", "/api/v1/assess", EXAMPLE_FILES[0].read_bytes(),
                                               headers={"Content-Type": "application/yaml"})
        assert status == 200 and body == engine.assess(read_assessment(EXAMPLE_FILES[0])).to_json().encode()
        assert headers["x-ibp-ruleset-sha256"] == engine.ruleset.sha256
        assert server.request("GET", "/api/v1/version", auth=False)[0] == 401
        status, headers, _ = server.request("GET", f"/login?token={server.token}", auth=False)
        assert status == 303 and "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
        secret = {**CASES[0], "mal": {**CASES[0].get("mal", {}), "fritekst": SENTINEL}}
        assert server.request("POST", f"/api/v1/cases?lang=en&q={SENTINEL}", {"ref": "sak-1", "assessment": secret})[0] == 201
        assert server.request("GET", f"/api/v1/cases/sak-1?x={SENTINEL}")[0] == 200
        assert server.request("POST", "/api/v1/assess", {"bolig": {"situasjon": SENTINEL}})[0] == 422
        assert server.request("GET", f"/api/v1/cases/{SENTINEL}")[0] == 404
    finally:
        logs = server.stop()
    assert "Application shutdown complete" in logs, "SIGTERM stops the server cleanly (uvicorn then re-raises the signal)"
    assert "GET /api/v1/cases/{ref} 200" in logs and "POST /api/v1/assess 422" in logs and "POST /api/v1/cases 201" in logs
    assert SENTINEL not in logs and SENTINEL.lower() not in logs, "case content reached the server's log"
    assert "Traceback" not in logs


def test_open_starts_the_browser_signed_in(tmp_path: Path) -> None:
    """--open hands the sign-in link to the browser (here a stand-in that writes it down)."""
    opened = tmp_path / "opened.txt"
    browser = f"{sys.executable} -c \"import sys; open(sys.argv[1], 'w').write(sys.argv[2])\" {opened} %s"
    with Server(tmp_path / "data", "--open", env={"BROWSER": browser}) as server:
        for _ in range(100):
            if opened.exists() and opened.read_text():
                break
            time.sleep(0.05)
        assert opened.read_text() == f"{server.base}/login?token={server.token}"


def test_other_addresses_need_an_explicit_flag(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--data", str(tmp_path / "d"), "--lang", "en"])
    assert r.exit_code == 2 and "--allow-remote" in r.output and "TLS" in r.output
    from ibp_rules.cli.serve import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5") and not is_loopback("example.org")


def test_a_data_folder_others_can_read_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    r = CliRunner().invoke(cli, ["serve", "--data", str(shared), "--lang", "en"])
    assert r.exit_code == 2 and "chmod 700" in r.output


def test_load_every_answer_equals_the_librarys(data: Path, engine: Engine) -> None:
    """8 concurrent clients x 250 requests to /assess, each answer byte-compared."""
    bodies = [json.dumps(c).encode() for c in CASES]
    expected = [engine.assess(c).to_json().encode() for c in CASES]
    clients, per_client = 8, 250
    wrong: list[str] = []
    done: list[int] = []
    with Server(data, "--rate-limit", "0") as server:
        rss_before = server.rss_kib()

        def client(k: int) -> None:
            conn = server.connection()
            try:
                for i in range(per_client):
                    n = (k + i) % len(bodies)
                    status, _, body = server.request("POST", "/api/v1/assess", bodies[n], conn=conn,
                                                     headers={"Content-Type": "application/json"})
                    if status != 200 or body != expected[n]:
                        wrong.append(f"client {k} request {i}: {status}")
                    done.append(1)
            except Exception as exc:  # noqa: BLE001 - reported below, the test fails
                wrong.append(f"client {k}: {type(exc).__name__}")
            finally:
                conn.close()

        start = time.perf_counter()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        rss_after = server.rss_kib()
    assert not wrong, wrong[:5]
    assert len(done) == clients * per_client
    print(f"load: {clients * per_client} requests in {elapsed:.1f} s ({clients * per_client / elapsed:.0f}/s); "
          f"RSS {rss_before // 1024} -> {rss_after // 1024} MiB")
    assert rss_after - rss_before < 64 * 1024


Saves = dict[str, list[tuple[int, str]]]


def _save_until_killed(server: Server, w: int, round_: int, stop: threading.Event, acknowledged: Saves, in_flight: list[int],
                       lock: threading.Lock) -> None:
    """One writer: save new versions of its case, each based on the last one acknowledged."""
    ref = f"w{w}"
    conn = server.connection()
    try:
        if round_ == 0:
            status, _, _ = server.request("POST", "/api/v1/cases", {"ref": ref}, conn=conn)
            assert status == 201
            acknowledged[ref] = []
        # a save in flight at the last kill may have landed without an answer: start from what is there
        base = json.loads(server.request("GET", f"/api/v1/cases/{ref}", conn=conn)[2])["current_version"]
        assert base >= (acknowledged[ref][-1][0] if acknowledged[ref] else 0)
        i = 0
        while not stop.is_set():
            assessment = {**CASES[(w + i) % len(CASES)]}
            assessment["mal"] = {**assessment.get("mal", {}), "fritekst": f"{ref}-{round_}-{i}"}
            with lock:
                in_flight[0] += 1
            status, _, body = server.request("POST", f"/api/v1/cases/{ref}/versions", {"based_on": base, "assessment": assessment}, conn=conn)
            with lock:
                in_flight[0] -= 1
            assert status == 201, body[:300]
            base = json.loads(body)["number"]
            acknowledged[ref].append((base, digest(assessment)))
            i += 1
    except (OSError, http.client.HTTPException):
        pass  # the server died under us: this request was never acknowledged
    finally:
        conn.close()


def test_sigkill_during_saves_loses_no_acknowledged_save(data: Path, engine: Engine) -> None:
    """Writers save versions as fast as they can; the server is SIGKILLed three
    times mid-stream and restarted. Every save it acknowledged is there, whole,
    and nothing half-written is."""
    acknowledged: Saves = {}
    in_flight_at_kill = []
    for round_ in range(3):
        with Server(data, "--rate-limit", "0") as server:
            stop = threading.Event()
            in_flight = [0]
            lock = threading.Lock()
            threads = [threading.Thread(target=_save_until_killed, args=(server, w, round_, stop, acknowledged, in_flight, lock))
                       for w in range(4)]
            for t in threads:
                t.start()
            time.sleep(1.5)
            with lock:
                in_flight_at_kill.append(in_flight[0])
            server.kill()
            stop.set()
            for t in threads:
                t.join(timeout=30)
    total = sum(len(v) for v in acknowledged.values())
    assert total > 20, "too few saves to mean anything"
    # after the last kill: reopen as the service would, and check every acknowledged save
    with Server(data, "--rate-limit", "0") as server:
        for ref, saves in acknowledged.items():
            status, _, body = server.request("GET", f"/api/v1/cases/{ref}")
            assert status == 200
            case = json.loads(body)
            numbers = [v["number"] for v in case["versions"]]
            assert numbers == list(range(1, len(numbers) + 1)), "versions are contiguous"
            assert case["current_version"] == numbers[-1]
            assert len(saves) <= len(numbers) <= len(saves) + 3  # a save in flight at each kill may have landed
            expected = dict(saves)
            for number in numbers:  # acknowledged or not, every version is whole
                status, _, body = server.request("GET", f"/api/v1/cases/{ref}/versions/{number}")
                version = json.loads(body)
                if number in expected:
                    assert digest(version["assessment"]) == expected[number]
                assert version["strategy"] == json.loads(engine.assess(version["assessment"]).to_json())
    conn = sqlite3.connect(data / "cases.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    print(f"fault: 3 SIGKILLs with {in_flight_at_kill} saves in flight; {total} acknowledged saves all present and whole")


def digest(assessment: dict[str, Any]) -> str:
    """A fingerprint of what an assessment says (unknown fields left out, as stored)."""
    data = Assessment.model_validate(assessment).model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def test_reloads_keep_memory_flat(data: Path, ruleset_copy: Path) -> None:
    """100 reloads switching between two versions of the rules: two engines, flat RSS."""
    rule_file = ruleset_copy / "rules" / "bolig.yaml"
    versions = [rule_file.read_bytes(), rule_file.read_bytes() + b"\n# a comment changes the hash\n"]
    with Server(data, "--rate-limit", "0", "--rules", str(ruleset_copy)) as server:
        samples = []
        for i in range(100):
            rule_file.write_bytes(versions[(i + 1) % 2])
            status, headers, body = server.request("POST", "/api/v1/rules/reload")
            assert status == 200, body
            out = json.loads(body)
            assert out["changed"] and out["engines_built"] == 2
            assert server.request("POST", "/api/v1/assess", CASES[i % len(CASES)])[0] == 200
            if i in (9, 99):
                samples.append(server.rss_kib())
        server.proc.send_signal(signal.SIGHUP)  # the same reload by signal
        time.sleep(0.5)
        assert server.proc.poll() is None
        logs = server.stop()
    assert "rules reloaded on SIGHUP" in logs
    growth = samples[1] - samples[0]
    print(f"reload: RSS after 10 reloads {samples[0] // 1024} MiB, after 100 {samples[1] // 1024} MiB")
    assert growth < 8 * 1024, f"RSS grew {growth} KiB over 90 reloads"


def test_batch_streams_while_the_body_is_still_arriving(data: Path) -> None:
    """A duplex client: the first results arrive before the rest of the body is sent."""
    with Server(data, "--rate-limit", "0") as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        head = (f"POST /api/v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {server.token}\r\n"
                "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(head.encode())

        def send_lines(n: int, start: int) -> None:
            block = "".join(json.dumps({"ref": f"r{start + i}", "assessment": CASES[i % len(CASES)]}) + "\n" for i in range(n)).encode()
            sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n")

        send_lines(64, 0)
        received = b""
        while received.count(b'"strategy"') < 64:  # the first chunk's results, while the request is still open
            more = sock.recv(65536)
            assert more, "the server closed the connection"
            received += more
        send_lines(100, 64)
        sock.sendall(b"0\r\n\r\n")
        while not received.endswith(b"0\r\n\r\n"):
            more = sock.recv(65536)
            if not more:
                break
            received += more
        sock.close()
    assert received.startswith(b"HTTP/1.1 200")
    assert received.count(b'"strategy"') == 164
    assert b'"ref": "r163"' in received or b'"ref":"r163"' in received


def test_two_workers_share_a_reload(data: Path, ruleset_copy: Path) -> None:
    """With --workers 2, a reload asked of one worker reaches the other."""
    with Server(data, "--rate-limit", "0", "--workers", "2", "--rules", str(ruleset_copy)) as server:
        before = json.loads(server.request("GET", "/api/v1/version")[2])["ruleset"]["sha256"]
        rule_file = ruleset_copy / "rules" / "bolig.yaml"
        rule_file.write_bytes(rule_file.read_bytes() + b"\n# changed\n")
        after = json.loads(server.request("POST", "/api/v1/rules/reload")[2])["ruleset"]["sha256"]
        assert after != before
        time.sleep(1.2)  # each worker looks at the reload signal at most once a second
        seen = {json.loads(server.request("GET", "/api/v1/version")[2])["ruleset"]["sha256"] for _ in range(30)}
        assert seen == {after}


def test_a_reload_asked_while_a_worker_starts_reaches_it(web_config: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker still building its engine when another is asked to reload (seconds on a busy
    machine) must see the signal afterwards, not take the new token as already seen."""
    from ibp_rules.web import services as S
    from ibp_rules.web.engines import ReloadSignal

    real = S.EngineRegistry

    def slow_start(paths: tuple[str, ...]) -> Any:
        ReloadSignal(Path(web_config.data)).bump()  # the other worker, meanwhile
        return real(paths)

    monkeypatch.setattr(S, "EngineRegistry", slow_start)
    services = S.Services(web_config)
    services.signal.interval = 0
    assert services.signal.changed()
    services.close()
